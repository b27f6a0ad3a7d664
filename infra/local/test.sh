#!/usr/bin/env bash
# Start the servers the suite needs, run pytest, stop what was started.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

cleanup() { "$here/opensearch.sh" stop; "$here/s3.sh" stop; "$here/postgres.sh" stop; }
trap cleanup EXIT

"$here/postgres.sh" start || exit 1
"$here/s3.sh" start || exit 1
if [[ -z ${DANGAN_TEST_OPENSEARCH_URL:-} ]]; then
  # exit 3: Java or Maven is missing; the OpenSearch suite is skipped with that reason
  out=$("$here/opensearch.sh" start); status=$?
  echo "$out"
  case $status in
    0) export DANGAN_TEST_OPENSEARCH_URL=$("$here/opensearch.sh" url) ;;
    3) export DANGAN_TEST_OPENSEARCH_MISSING=${out:-Java or Maven missing} ;;
    *) exit 1 ;;
  esac
fi
export DANGAN_TEST_DATABASE_URL=${DANGAN_TEST_DATABASE_URL:-$("$here/postgres.sh" url)}
export DANGAN_TEST_S3_ENDPOINT=${DANGAN_TEST_S3_ENDPOINT:-$("$here/s3.sh" url)}

# the suite runs in parallel processes (pytest-xdist), one file per process at a time so
# that module fixtures are built once; DANGAN_TEST_PROCESSES=1 runs it in this process
processes=${DANGAN_TEST_PROCESSES:-4}
if [[ $processes -gt 1 ]]; then
  .venv/bin/python -m pytest -n "$processes" --dist loadfile "$@"
else
  .venv/bin/python -m pytest "$@"
fi
