#!/usr/bin/env bash
# A single-node OpenSearch 2.19 (Apache-2.0) on 127.0.0.1 for the tests,
# without Docker: the server's jars from Maven Central plus a small launcher
# (infra/local/opensearch/), built with mvn into infra/local/opensearch/lib and
# run on the system Java 17+. Scratch data, wiped at each start. Idempotent.
# Without java (or mvn, when a build is due) `start` prints one line
# "OpenSearch skipped: <why>" and exits 3, so the runner can skip that suite.
# Production points DANGAN_OPENSEARCH_* at a real cluster instead.
#   infra/local/opensearch.sh start | stop | url
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$here/opensearch
state=${DANGAN_LOCAL_STATE:-/tmp/dangan-local}
port=${DANGAN_OPENSEARCH_TEST_PORT:-9201}
url="http://127.0.0.1:${port}"
heap=${DANGAN_OPENSEARCH_HEAP:-1g}
mkdir -p "$state"

up() { curl -s -o /dev/null --max-time 2 "$url/" ; }
healthy() { curl -sf -o /dev/null --max-time 5 "$url/_cluster/health?wait_for_status=yellow&timeout=3s" ; }
skip() { echo "OpenSearch skipped: $1"; exit 3; }
ours() { ps -o args= -p "$1" 2>/dev/null | grep -q dangan.opensearch.DanganTestNode ; }

build() {
  local stamp=$src/lib/.built
  if [[ -f "$stamp" && ! "$src/pom.xml" -nt "$stamp" && -z $(find "$src/src" -newer "$stamp" -print -quit) ]]; then
    return
  fi
  command -v mvn >/dev/null || skip "mvn not found"
  echo "Building the OpenSearch test node with Maven (log $state/opensearch-build.log)"
  rm -rf "$src/lib"  # no stale jars from an older version on the classpath
  (cd "$src" && mvn -B -q package) >"$state/opensearch-build.log" 2>&1 \
    || { echo "OpenSearch build failed; see $state/opensearch-build.log" >&2; exit 1; }
  touch "$stamp"
}

start() {
  if up; then echo "OpenSearch already answering at $url"; return; fi
  command -v java >/dev/null || skip "java not found"
  local jv; jv=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
  (( ${jv%%.*} + 0 >= 17 )) 2>/dev/null || skip "java 17+ not found (java is ${jv:-unknown})"
  build
  stop >/dev/null  # a node an earlier start left behind, e.g. one that never answered
  rm -rf "$state/opensearch-data"
  # the JVM flags the OpenSearch 2.x distribution also sets that matter here
  nohup java -Xms"$heap" -Xmx"$heap" -Djava.locale.providers=SPI,COMPAT \
    -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true -cp "$src/lib/*" dangan.opensearch.DanganTestNode \
    "$state/opensearch-data" "$port" >"$state/opensearch.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$state/opensearch.pid"
  local deadline=$((SECONDS + 120))
  while (( SECONDS < deadline )); do healthy && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  healthy || { echo "OpenSearch did not start; see $state/opensearch.log" >&2; stop >/dev/null; exit 1; }
  local version; version=$(curl -s "$url/" | sed -n 's/.*"number" *: *"\([^"]*\)".*/\1/p')
  echo "OpenSearch $version started at $url (pid $pid, data $state/opensearch-data, log $state/opensearch.log)"
}

stop() {
  if [[ -f "$state/opensearch.pid" ]]; then
    local pid; pid=$(cat "$state/opensearch.pid")
    if ours "$pid"; then
      kill "$pid"
      for _ in $(seq 1 60); do ours "$pid" || break; sleep 0.25; done
      if ours "$pid"; then kill -9 "$pid"; fi
    fi
    rm -f "$state/opensearch.pid"
    echo "OpenSearch stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$url" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
