#!/usr/bin/env bash
# A local S3 endpoint for the tests: moto's server (Apache-2.0) on 127.0.0.1,
# spoken to over HTTP with boto3 exactly as MinIO or AWS. Idempotent.
# Production points DANGAN_S3_* at MinIO or AWS instead.
#   infra/local/s3.sh start | stop | url
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
state=${DANGAN_LOCAL_STATE:-/tmp/dangan-local}
port=${DANGAN_S3_TEST_PORT:-9000}
url="http://127.0.0.1:${port}"
server=${MOTO_SERVER:-$root/.venv/bin/moto_server}
mkdir -p "$state"

up() { curl -s -o /dev/null --max-time 2 "$url/" ; }

start() {
  if up; then echo "S3 (moto) already answering at $url"; return; fi
  [[ -x "$server" ]] || { echo "moto_server not found at $server (run make test)" >&2; exit 1; }
  nohup "$server" -H 127.0.0.1 -p "$port" >"$state/moto.log" 2>&1 &
  echo $! >"$state/moto.pid"
  for _ in $(seq 1 60); do up && break; sleep 0.25; done
  up || { echo "moto did not start; see $state/moto.log" >&2; exit 1; }
  echo "S3 (moto) started at $url (log $state/moto.log)"
}

stop() {
  if [[ -f "$state/moto.pid" ]]; then
    kill "$(cat "$state/moto.pid")" 2>/dev/null || true
    rm -f "$state/moto.pid"
    echo "S3 (moto) stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$url" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
