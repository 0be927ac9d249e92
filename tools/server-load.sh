#!/usr/bin/env bash
# Bounded load test of the HTTP server (docs/SERVER.md): starts `bgevl serve` on a free loopback port
# with the model given (default: the tiny test model) in its own JVM, runs 64 clients for 60 s against
# it (dev.bgevl.bench.ServerLoad), prints latency percentiles, batch sizes and heap after GC, stops it.
#   tools/server-load.sh [MODEL_DIR] [CLIENTS] [SECONDS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/tools/jdk.sh"
cd "$here"
model="${1:-bgevl-core/src/test/resources/fixtures/clip-tiny}"
clients="${2:-64}"
seconds="${3:-60}"
if [[ ! -f bgevl-cli/target/bgevl.jar || ! -f bgevl-bench/target/benchmarks.jar ]]; then
  mvn -B -q -ntp -DskipTests package
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo 18080)
log=$(mktemp)
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xmx1g \
  -jar bgevl-cli/target/bgevl.jar serve --model "$model" --port "$port" >"$log" 2>&1 &
server=$!
trap 'rc=$?; kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -f "$log"; exit $rc' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.5
done
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp bgevl-bench/target/benchmarks.jar dev.bgevl.bench.ServerLoad \
  --url "http://127.0.0.1:$port" --clients "$clients" --seconds "$seconds" --warmup 5 \
  --images bgevl-core/src/test/resources/fixtures/images/corpus 2>&1 | grep -v 'WARNING: Using incubator'
