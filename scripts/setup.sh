#!/usr/bin/env bash
# All set-up for a fresh machine: Debian packages, the virtualenv at .venv, llama-cpp-python
# (built once, AMX off, cached as a wheel), quickturn with every extra. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
WHEELS=${QUICKTURN_WHEELS:-$HOME/.cache/quickturn/wheels}
LLAMA_VERSION=0.3.36

need_apt=()
command -v espeak-ng >/dev/null 2>&1 || need_apt+=(espeak-ng)
command -v sox >/dev/null 2>&1 || need_apt+=(sox)
# Headless browser for the talk page's end-to-end test (driven by playwright, never downloaded).
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --upgrade pip wheel setuptools

# The default llama.cpp build crashes on this CPU (AMX code paths in ggml), and building takes
# 5-15 minutes on two cores: build once without AMX and keep the wheel.
if ! ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
  echo "setup: building llama-cpp-python $LLAMA_VERSION (one time, several minutes)"
  mkdir -p "$WHEELS"
  CMAKE_ARGS='-DLLAVA_BUILD=OFF -DCMAKE_C_FLAGS="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16" -DCMAKE_CXX_FLAGS="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"' \
    .venv/bin/pip wheel -q --no-deps -w "$WHEELS" "llama-cpp-python==$LLAMA_VERSION"
fi
.venv/bin/pip install -q "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl
.venv/bin/pip install -q -e '.[all,dev]'
# The dev extra brings the real clients of the gateway tests (LiveKit Agents, Pipecat); the
# pipecat-ai wheel also carries Smart Turn's ONNX model, which the turn detector loads by path.
touch .venv/.quickturn-setup
echo "setup: done (.venv ready)"
