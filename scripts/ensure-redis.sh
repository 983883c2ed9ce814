#!/usr/bin/env bash
# The flash sale's Redis-path tests (and `make bench`) need a Redis on the test URL
# (TEST_REDIS_URL, default redis://127.0.0.1:6379/15): when nothing answers there, start Debian's
# redis-server on loopback, in memory only, installing it first when it is absent and we are root.
set -euo pipefail
url="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
hostport="${url#redis://}"; hostport="${hostport%%/*}"; hostport="${hostport##*@}"
host="${hostport%%:*}"; port="${hostport##*:}"; [ "$port" = "$hostport" ] && port=6379

answers() {
  if command -v redis-cli >/dev/null; then
    [ "$(redis-cli -h "$host" -p "$port" ping 2>/dev/null)" = PONG ]
  else
    (exec 3<>"/dev/tcp/$host/$port" && printf 'PING\r\n' >&3 && read -r -t 2 line <&3 && [[ "$line" == +PONG* ]]) 2>/dev/null
  fi
}

answers && exit 0
if ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "The tests need Redis on $host:$port: run 'sudo apt-get install redis-server' once (or start one)." >&2
    exit 1
  fi
  echo "Installing redis-server for the tests…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no >/dev/null
for _ in $(seq 1 50); do answers && exit 0; sleep 0.1; done
echo "redis-server did not answer on $host:$port" >&2
exit 1
