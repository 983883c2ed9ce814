"""gunicorn settings shared by `make run` (scripts/serve.sh) and the benchmarks (bench/server.py)."""

import multiprocessing
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
# threads keep client connections open between requests (keep-alive) and let a worker wait on
# the database while another request runs
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
keepalive = 5
timeout = 30
graceful_timeout = 10
loglevel = os.environ.get("LOG_LEVEL", "warning").lower()
accesslog = os.environ.get("ACCESS_LOG") or None
