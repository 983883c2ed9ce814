#!/usr/bin/env bash
# Serve LinkMall with gunicorn on 127.0.0.1:$PORT and run the task worker beside it, and — when
# REDIS_URL is set — the flash sale's order writer (`linkmall flash worker`) too.
# Ctrl-C (or SIGTERM) stops them all; if any one dies, the others are stopped too.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
BIN=.venv/bin

"$BIN/linkmall" db_worker --interval 1 &
worker=$!
flash=
if [ -n "${REDIS_URL:-}" ]; then
  "$BIN/linkmall" flash worker &
  flash=$!
fi
ACCESS_LOG="${ACCESS_LOG:--}" PORT="$PORT" "$BIN/gunicorn" config.wsgi:application -c config/gunicorn.conf.py &
web=$!

stopped=0
stop() {
  [ "$stopped" = 1 ] && return
  stopped=1
  kill -TERM "$web" "$worker" $flash 2>/dev/null || true
  wait "$web" 2>/dev/null || true
  wait "$worker" 2>/dev/null || true
  [ -z "$flash" ] || wait "$flash" 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

echo "LinkMall: http://127.0.0.1:${PORT}/   (Ctrl-C stops the server and the worker)"
# whichever stops first (a crash, a bad port), stop the other and report its status
status=0
wait -n "$web" "$worker" $flash || status=$?
exit "$status"
