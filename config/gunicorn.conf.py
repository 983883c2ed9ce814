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

# Django imports the URLconf, and with it every app's views and API schemas (jieba's dictionaries,
# scipy, ~400 pydantic models: about 2 s), on the first request a process serves. Done lazily in
# each worker, that first request stalls every connection the worker holds. Load the application
# once in the master and import the URLconf there (`when_ready`, before any worker is forked):
# workers start warm, share those pages of memory, and a restarted worker is ready at once.
preload_app = True


def when_ready(server):
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — the import is the point
    connections.close_all()  # a forked worker must never share a connection the master opened
