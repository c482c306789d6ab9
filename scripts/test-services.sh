#!/usr/bin/env bash
# Starts (or stops) the PostgreSQL and Redis servers the tests use, on loopback ports, in a scratch directory.
#   scripts/test-services.sh start   -> prints `export AQ_TEST_POSTGRES=...` and `export AQ_TEST_REDIS=...`
#   scripts/test-services.sh stop
# Ports and directory can be changed with AQ_PG_PORT, AQ_REDIS_PORT, AQ_SERVICES_DIR.
set -euo pipefail
PG_PORT="${AQ_PG_PORT:-54329}"
REDIS_PORT="${AQ_REDIS_PORT:-63799}"
DIR="${AQ_SERVICES_DIR:-/tmp/aq-test-services}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"

as_pg() {
  # initdb and postgres refuse to run as root: use the postgres account when we are root.
  if [ "$(id -u)" = "0" ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

start_pg() {
  [ -n "$PG_BIN" ] || { echo "PostgreSQL binaries not found under /usr/lib/postgresql" >&2; exit 1; }
  mkdir -p "$DIR"
  if [ "$(id -u)" = "0" ]; then chown postgres:postgres "$DIR"; fi
  if ! [ -f "$DIR/pg/PG_VERSION" ]; then
    as_pg "'$PG_BIN/initdb' -D '$DIR/pg' -A trust -U postgres -E UTF8 --no-locale" >/dev/null
  fi
  if ! as_pg "'$PG_BIN/pg_ctl' -D '$DIR/pg' status" >/dev/null 2>&1; then
    as_pg "'$PG_BIN/pg_ctl' -D '$DIR/pg' -l '$DIR/pg.log' -w -t 60 -o \"-p $PG_PORT -k '$DIR' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\" start" >/dev/null
  fi
}

start_redis() {
  command -v redis-server >/dev/null || { echo "redis-server not installed (apt-get install -y redis-server)" >&2; exit 1; }
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --logfile "$DIR/redis.log" --dir "$DIR" >/dev/null
    for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
}

case "${1:-start}" in
  start)
    start_pg
    start_redis
    echo "export AQ_TEST_POSTGRES='Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres'"
    echo "export AQ_TEST_REDIS='127.0.0.1:$REDIS_PORT'"
    ;;
  stop)
    as_pg "'$PG_BIN/pg_ctl' -D '$DIR/pg' -m fast stop" >/dev/null 2>&1 || true
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
