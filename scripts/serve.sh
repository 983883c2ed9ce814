#!/usr/bin/env bash
# Serve LinkMall with gunicorn and run the task worker beside it. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
BIN=.venv/bin

"$BIN/linkmall" db_worker --interval 1 &
worker=$!
cleanup() { kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

echo "LinkMall: http://127.0.0.1:${PORT}/   (Ctrl-C stops the server and the worker)"
"$BIN/gunicorn" config.wsgi:application \
  --bind "127.0.0.1:${PORT}" \
  --workers "${WEB_CONCURRENCY:-3}" \
  --access-logfile - --log-level warning
