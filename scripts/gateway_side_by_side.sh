#!/usr/bin/env bash
# The gateway's side-by-side latency run (issue 11), one `quickturn bench --interleave` run on the
# same 0.5B GGUF and the hotel workload (40 tools) over four targets:
#   llama_cpp_server    python -m llama_cpp.server (llama-cpp-python's own server)
#   quickturn_embedded  quickturn serve (embedded engine)
#   quickturn_proxy     quickturn serve --engine openai in front of that same llama_cpp.server
#                       (the gateway's overhead over calling an upstream directly)
#   embedded            the embedded engine called in-process
# Every target is warmed first (one excluded turn: llama_cpp.server's cold prefill of the long
# prompt takes minutes, and its one Llama object then reuses the prefix), then each conversation
# runs on every target in turn, in alternating order, so a drifting load on a shared machine hits
# all alike. The load average is sampled every 30 s into OUT/load.log.
#
# llama_cpp.server defaults to logits_all=True, which keeps a vocabulary of logits per prompt token
# (GBs for the hotel prompt, and a prefill many times slower): off here, as quickturn has it.
# Every engine runs THREADS llama.cpp threads (default 1: on an oversubscribed machine llama.cpp's
# threads spin-wait on each other; pass 2 on an idle one).
#
# Usage: scripts/gateway_side_by_side.sh OUT_DIR [CONVERSATIONS] [TURNS] [THREADS]
# LLAMA_CPP_SERVER_URL=http://127.0.0.1:8101/v1 reuses a llama_cpp.server that is already up
# (and warm) instead of starting one; MAX_TOKENS (default 128) caps each reply; WORKLOAD (default
# hotel) is the bench workload: hotel-prose (the same prompt, no tools) makes every reply prose on
# every target, which is what the 1.1x TTFT goal is about (a call is sent whole by the gateway but
# streamed as JSON text by llama_cpp.server, so the two first tokens mean different things).
# TARGETS (default "all") = "proxy" runs only llama_cpp_server and quickturn_proxy: the gateway's
# overhead over its upstream, with more conversations in the same time.
# Then: python scripts/gateway_ratios.py OUT_DIR/bench/results.json
set -euo pipefail
OUT=${1:?usage: $0 OUT_DIR [CONVERSATIONS] [TURNS] [THREADS]}
CONVS=${2:-4}
TURNS=${3:-3}
THREADS=${4:-1}
MAX_TOKENS=${MAX_TOKENS:-128}
WORKLOAD=${WORKLOAD:-hotel}
TARGETS=${TARGETS:-all}
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

(while :; do echo "$(date -u +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 30; done) \
  >"$OUT/load.log" & pids+=($!)

LCS=${LLAMA_CPP_SERVER_URL:-}
if [ -z "$LCS" ]; then
  LCS=http://127.0.0.1:8101/v1
  $PY -m llama_cpp.server --model "$MODEL" --n_ctx 12288 --n_threads "$THREADS" \
    --n_threads_batch "$THREADS" --n_batch 512 --logits_all False --host 127.0.0.1 --port 8101 \
    >"$OUT/llama_cpp_server.log" 2>&1 & pids+=($!)
fi
wait_up "$LCS"
targets=(--endpoint llama_cpp_server="$LCS")
if [ "$TARGETS" = all ]; then
  $PY -m quickturn serve --port 8102 --n-ctx 12288 --n-threads "$THREADS" \
    >"$OUT/quickturn_embedded.log" 2>&1 & pids+=($!)
  wait_up http://127.0.0.1:8102/v1
  targets+=(--endpoint quickturn_embedded=http://127.0.0.1:8102/v1 --embedded)
elif [ "$TARGETS" != proxy ]; then
  echo "TARGETS must be all or proxy, not $TARGETS" >&2; exit 2
fi
$PY -m quickturn serve --port 8103 --engine openai --upstream "$LCS" \
  --upstream-timeout-s 1800 >"$OUT/quickturn_proxy.log" 2>&1 & pids+=($!)
wait_up http://127.0.0.1:8103/v1
targets+=(--endpoint quickturn_proxy=http://127.0.0.1:8103/v1)

$PY -m quickturn bench --workload "$WORKLOAD" --conversations "$CONVS" --turns "$TURNS" --interleave \
  --model quickturn --timeout 1800 --n-threads "$THREADS" --max-tokens "$MAX_TOKENS" --out "$OUT/bench" \
  "${targets[@]}" 2>&1 | tee "$OUT/bench.log"
baselines=(llama_cpp_server)
[ "$TARGETS" = all ] && baselines+=(embedded)
$PY scripts/gateway_ratios.py "$OUT/bench/results.json" "${baselines[@]}" | tee "$OUT/ratios.txt"
