#!/usr/bin/env bash
# Start the servers the suite needs, run pytest, stop what was started.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

cleanup() { "$here/s3.sh" stop; "$here/postgres.sh" stop; }
trap cleanup EXIT

"$here/postgres.sh" start || exit 1
"$here/s3.sh" start || exit 1
export DANGAN_TEST_DATABASE_URL=${DANGAN_TEST_DATABASE_URL:-$("$here/postgres.sh" url)}
export DANGAN_TEST_S3_ENDPOINT=${DANGAN_TEST_S3_ENDPOINT:-$("$here/s3.sh" url)}

.venv/bin/python -m pytest "$@"
