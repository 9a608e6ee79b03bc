#!/usr/bin/env bash
# The gateway's side-by-side latency run (issue 11): llama-cpp-python's own server, `quickturn
# serve` over the embedded engine, `quickturn serve --engine openai` in front of that same
# llama_cpp.server (the gateway's overhead over calling an upstream directly), and the embedded
# engine called in-process, all on the same 0.5B GGUF and the hotel workload, in one
# `quickturn bench` run. llama_cpp.server defaults to logits_all=True, which keeps a vocabulary
# of logits per prompt token (GBs for the hotel prompt, and a prefill many times slower): off here,
# as quickturn has it. Usage: scripts/gateway_side_by_side.sh OUT_DIR [CONVERSATIONS] [TURNS]
set -euo pipefail
OUT=${1:?usage: $0 OUT_DIR [CONVERSATIONS] [TURNS]}
CONVS=${2:-3}
TURNS=${3:-3}
PY=${PYTHON:-python}
MODEL=$($PY -c 'from quickturn.assets import ModelPaths, default_cache_dir; print(ModelPaths(default_cache_dir()).qwen_0_5b())')
mkdir -p "$OUT"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_up() {  # URL: poll /v1/models until it answers (model load; no prefill yet)
  for _ in $(seq 1 600); do
    if curl -fsS "$1/models" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "not up: $1" >&2; return 1
}

$PY -m llama_cpp.server --model "$MODEL" --n_ctx 12288 --n_threads 2 --n_batch 512 --logits_all False \
  --host 127.0.0.1 --port 8101 >"$OUT/llama_cpp_server.log" 2>&1 & pids+=($!)
wait_up http://127.0.0.1:8101/v1
$PY -m quickturn serve --port 8102 --n-ctx 12288 >"$OUT/quickturn_embedded.log" 2>&1 & pids+=($!)
wait_up http://127.0.0.1:8102/v1
$PY -m quickturn serve --port 8103 --engine openai --upstream http://127.0.0.1:8101/v1 \
  --upstream-timeout-s 600 >"$OUT/quickturn_proxy.log" 2>&1 & pids+=($!)
wait_up http://127.0.0.1:8103/v1

$PY -m quickturn bench --workload hotel --conversations "$CONVS" --turns "$TURNS" \
  --model quickturn --timeout 900 --out "$OUT/bench" \
  --endpoint llama_cpp_server=http://127.0.0.1:8101/v1 \
  --endpoint quickturn_embedded=http://127.0.0.1:8102/v1 \
  --endpoint quickturn_proxy=http://127.0.0.1:8103/v1 \
  --embedded 2>&1 | tee "$OUT/bench.log"
