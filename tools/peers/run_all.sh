#!/usr/bin/env bash
# The whole speed comparison in one command: bgevl (ours) vs ONNX Runtime (Java, 1.29.0) vs PyTorch
# (Debian python3-torch + OpenBLAS), same machine, same session, same thread count, same shapes:
# BGE-VL-base vision at batch 1/8/32 and the 12-token text query latency, BGE-VL-large vision at
# batch 8, plus our load time (mmap'd F32 safetensors), peak RSS and the numpy sgemm roofline.
# Random weights with the real shapes (speed does not depend on the values). Prints a Markdown table
# (also saved as summary.md next to the raw JSON under .bgevl-work/bench/results-*/).
#
#   tools/peers/run_all.sh                 # full run: estimated 8-9 minutes on a quiet 2-core machine
#   QUICK=1 tools/peers/run_all.sh         # smoke run: fewer runs, batch 1 and 8, no large
#
# Env: THREADS (default: nproc), RUNS (5), WARMUP (3), LATENCY_RUNS (20), BATCHES (1,8,32), LARGE (1).
# Needs: JDK 25 + Maven (tools/jdk.sh), /usr/bin/python3 with torch 1.13 and numpy
# (apt-get install -y python3-torch python3-pil python3-numpy libopenblas0-pthread).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
source tools/jdk.sh

THREADS="${THREADS:-$(nproc)}"
if [[ "${QUICK:-0}" == 1 ]]; then
  RUNS="${RUNS:-2}"; WARMUP="${WARMUP:-1}"; LATENCY_RUNS="${LATENCY_RUNS:-5}"; BATCHES="${BATCHES:-1,8}"; LARGE="${LARGE:-0}"
else
  RUNS="${RUNS:-5}"; WARMUP="${WARMUP:-3}"; LATENCY_RUNS="${LATENCY_RUNS:-20}"; BATCHES="${BATCHES:-1,8,32}"; LARGE="${LARGE:-1}"
fi
PY=/usr/bin/python3
work="$here/.bgevl-work/bench"
out="$work/results-$(date -u +%Y%m%dT%H%M%SZ)"
onnx="$work/onnx"
ckpt="${CHECKPOINT_DIR:-/tmp/bgevl-synth-base}"
mkdir -p "$out" "$onnx"
log() { echo "[run_all $(date -u +%H:%M:%S)] $*" >&2; }

"$PY" -c 'import torch, numpy' 2>/dev/null || {
  echo "error: $PY lacks torch/numpy: apt-get install -y python3-torch python3-pil python3-numpy libopenblas0-pthread" >&2; exit 3; }

log "building (skipped when the jars are current)"
if [[ ! -f bgevl-bench/target/benchmarks.jar || ! -f bgevl-cli/target/bgevl.jar ]] \
   || [[ -n "$(find . -path ./.git -prune -o \( -name '*.java' -o -name pom.xml \) -newer bgevl-bench/target/benchmarks.jar -print -quit)" ]]; then
  mvn -B -q -ntp -DskipTests package
fi
java_ours=("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xmn32m -XX:-TieredCompilation ${BGEVL_JAVA_OPTS:-} -jar bgevl-cli/target/bgevl.jar)
java_ort=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp bgevl-bench/target/benchmarks.jar dev.bgevl.bench.OrtPeer)
# the peer runs at its best: OpenBLAS picks its own kernel (these two variables halve it on some machines)
torch_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$THREADS" OMP_NUM_THREADS="$THREADS")

presets=(base); [[ "$LARGE" == 1 ]] && presets+=(large)
for p in "${presets[@]}"; do
  if [[ ! -f "$onnx/$p-vision.onnx" || ! -f "$onnx/$p-text.onnx" ]]; then
    log "exporting $p ONNX graphs (random weights, real shapes) to $onnx"
    "$PY" tools/clip_torch.py export "$p" "$onnx" 2>/dev/null
  fi
done
if [[ ! -f "$ckpt/model.safetensors" ]]; then
  log "writing a synthetic F32 base checkpoint to $ckpt"
  "${java_ours[@]}" bench --synthetic base --write-checkpoint "$ckpt" >&2
fi

best_threads() {  # the thread setting with the highest batch-1 images/s in a probe JSON
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(max(d["settings"], key=lambda s: s["images"][0]["images_per_s"])["threads"])' "$1"
}

log "ours: load a real safetensors folder (mmap) in a fresh JVM, first embedding, peak RSS at batch 8"
"${java_ours[@]}" bench --model "$ckpt" --batch 8 --runs 1 --warmup 0 --skip texts,latency,roofline --threads "$THREADS" --json > "$out/ours-load.json"
log "ours: base"
"${java_ours[@]}" bench --synthetic base --batch "$BATCHES" --runs "$RUNS" --warmup "$WARMUP" --latency-runs "$LATENCY_RUNS" --threads "$THREADS" --json > "$out/ours-base.json"

probe_threads=$(printf '%s\n' 1 "$THREADS" | sort -un | paste -sd,)
log "onnxruntime: thread probe ($probe_threads)"
"${java_ort[@]}" --vision "$onnx/base-vision.onnx" --batch 1 --runs 3 --warmup 1 --threads "$probe_threads" > "$out/ort-probe.json"
ort_t=$(best_threads "$out/ort-probe.json")
log "onnxruntime: base, $ort_t threads"
"${java_ort[@]}" --vision "$onnx/base-vision.onnx" --text "$onnx/base-text.onnx" --batch "$BATCHES" --runs "$RUNS" --warmup "$WARMUP" --latency-runs "$LATENCY_RUNS" --threads "$ort_t" > "$out/ort-base.json"

log "pytorch: thread probe ($probe_threads, OpenBLAS $THREADS threads)"
"${torch_env[@]}" "$PY" tools/peers/torch_peer.py base --batch 1 --runs 3 --warmup 1 --no-text --threads "$probe_threads" > "$out/torch-probe.json"
torch_t=$(best_threads "$out/torch-probe.json")
log "pytorch: base, torch.set_num_threads($torch_t)"
"${torch_env[@]}" "$PY" tools/peers/torch_peer.py base --batch "$BATCHES" --runs "$RUNS" --warmup "$WARMUP" --latency-runs "$LATENCY_RUNS" --threads "$torch_t" > "$out/torch-base.json"

if [[ "$LARGE" == 1 ]]; then
  log "large, batch 8: ours, onnxruntime, pytorch"
  "${java_ours[@]}" bench --synthetic large --batch 8 --runs "$RUNS" --warmup "$WARMUP" --skip texts,latency,roofline --threads "$THREADS" --json > "$out/ours-large.json"
  "${java_ort[@]}" --vision "$onnx/large-vision.onnx" --batch 8 --runs "$RUNS" --warmup "$WARMUP" --threads "$ort_t" > "$out/ort-large.json"
  "${torch_env[@]}" "$PY" tools/peers/torch_peer.py large --batch 8 --runs "$RUNS" --warmup "$WARMUP" --no-text --threads "$torch_t" > "$out/torch-large.json"
fi

"$PY" tools/peers/compare.py "$out" | tee "$out/summary.md"
log "raw results in $out"
