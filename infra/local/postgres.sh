#!/usr/bin/env bash
# A PostgreSQL cluster on 127.0.0.1:5432 with database `test` (user dangan,
# password dangan), from Debian's packages. Idempotent.
#   infra/local/postgres.sh start   install if missing, start if down, create role and database
#   infra/local/postgres.sh stop    stop the cluster if this script started it
#   infra/local/postgres.sh url     print the connection URL
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${DANGAN_LOCAL_STATE:-/tmp/dangan-local}
port=${DANGAN_PG_PORT:-5432}
db=${DANGAN_PG_DATABASE:-test}
url="postgresql://dangan:dangan@127.0.0.1:${port}/${db}"
mkdir -p "$state"

as_postgres() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
psql_admin() { as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -qtA "$@"; }

version() { ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1; }

start() {
  "$here/debian-packages.sh" postgresql
  local ver; ver=$(version)
  if ! pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main"' | grep -q .; then
    as_root pg_createcluster "$ver" main --port "$port" >/dev/null
  fi
  if pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
    echo "PostgreSQL $ver already running on 127.0.0.1:$port"
  else
    as_root pg_ctlcluster "$ver" main start
    touch "$state/postgres.started"
    echo "PostgreSQL $ver started on 127.0.0.1:$port"
  fi
  for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 0.5; done
  pg_isready -q -h 127.0.0.1 -p "$port" || { echo "PostgreSQL did not become ready" >&2; exit 1; }
  if [[ $(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'dangan'") != 1 ]]; then
    psql_admin -c "CREATE ROLE dangan LOGIN PASSWORD 'dangan' CREATEDB"
  fi
  if [[ $(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$db'") != 1 ]]; then
    psql_admin -c "CREATE DATABASE $db OWNER dangan"
  fi
  echo "  database: $url"
}

stop() {
  if [[ -f "$state/postgres.started" ]]; then
    as_root pg_ctlcluster "$(version)" main stop && rm -f "$state/postgres.started"
    echo "PostgreSQL stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$url" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
