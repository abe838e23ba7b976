#!/usr/bin/env bash
# The device check, as one script: the Python stack against infra/python-stack.env, GPU tests of the
# captured decode path and of the Triton kernels (compiled for the GPU), the in-process benchmark, the
# three models served by a real tritonserver and driven over gRPC, then the memory of encodec_decode
# at full batch (backs reserve_decode_gib; see musicgen_serving/memory.py), and the decode's share of a
# 30 s window (decode_share.py).
#
#   bash infra/bench/run_gpu.sh OUT_DIR [WHEEL_DIR]
#
# PYTHON          Python with torch 2.x, transformers, numpy, pytest (default python3); the models run in
#                 its environment (EXECUTION_ENV_PATH), and it saves the random checkpoint.
# WHEEL_DIR       or TRITON_WHEELS: a folder of wheels for a machine without a package index (nvidia-pytriton,
#                 tritonclient and what tritonclient[grpc] needs; infra/bench/README.md says how to fill it).
#                 They are installed with `pip install --no-index --no-deps --target` into a folder that only
#                 the Triton client process puts on its path. Without a wheel folder, a Python that lacks them
#                 installs them from the package index into that folder.
# CLIENT_PYTHON   the Python that drives Triton (default PYTHON; it never imports torch).
# RUN_GPU_STEPS   the steps to run, in this order (default "tests bench sweep triton decode-memory decode-share");
#                 the versions report always runs first. About 5 + 5.5 minutes on an H200: where one command may
#                 run 10 minutes at most, run "tests sweep" and "bench triton decode-memory decode-share" as two
#                 commands.
# RUN_GPU_SMOKE=1 tiny models on CPU: checks the steps work, measures nothing (CI runs the triton step so).
# BENCH_TIME_BUDGET_S  the in-process benchmark skips its transformers baseline runs after this (default 120).
#
# Writes into OUT_DIR as it goes (a run that is cut off keeps what it measured), twelve files at most:
#   run.log (everything printed), versions.txt, results.json and results.md (in-process engine),
#   sweep.json and sweep.md (decode variants: attention kinds, float8 KV cache, staggered arrivals, drift),
#   triton.json and triton.md (through Triton), tritonserver.log, decode-memory.jsonl, decode-share.json, and
#   gpu-throughput.json (the batch's --dry-run table with this GPU's row recorded).
# Exit status 0 when every step passed.
set -uo pipefail
out="${1:?usage: bash infra/bench/run_gpu.sh OUT_DIR [WHEEL_DIR]}"
wheels="${2:-${TRITON_WHEELS:-}}"
python="${PYTHON:-python3}"
client_python="${CLIENT_PYTHON:-$python}"
steps="${RUN_GPU_STEPS:-tests bench sweep triton decode-memory decode-share}"
smoke="${RUN_GPU_SMOKE:-0}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
exec > >(tee -a "$out/run.log") 2>&1
export PYTHONUNBUFFERED=1

declare -A result=()
step() { echo "== $1 ($(date -u +%H:%M:%S) UTC)"; }
wanted() { [[ " $steps " == *" $1 "* ]]; }
if [ -n "$wheels" ] && ! compgen -G "$wheels/*.whl" >/dev/null; then
  echo "Cannot install the Triton client as the wheel folder has no wheels: current value is $wheels" >&2
  exit 2
fi

# The versions this machine has, against the pins the pod runtime installs (infra/python-stack.env).
"$python" "$root/infra/bench/report_versions.py" "$root/infra/python-stack.env" 2>&1 | tee "$out/versions.txt"

if wanted tests; then
  step "GPU tests"
  (cd "$root/infra/triton" && "$python" -m pytest -rs tests/test_gpu.py tests/test_step_embedding.py tests/test_kv_write.py tests/test_step_sampling.py)
  result[tests]=$?
fi

if wanted bench; then
  step "in-process benchmark"
  if [ "$smoke" = 1 ]; then
    "$python" "$root/infra/bench/bench_musicgen.py" --smoke --out "$out"
  else
    "$python" "$root/infra/bench/bench_musicgen.py" --out "$out" --time-budget-s "${BENCH_TIME_BUDGET_S:-120}"
  fi
  result[bench]=$?
  if [ "$smoke" != 1 ] && [ -f "$out/results.json" ]; then
    # The batch's --dry-run plans with this table: copy OUT_DIR/gpu-throughput.json into the repository.
    cp "$root/apps/batch/src/plan/gpu-throughput.json" "$out/gpu-throughput.json"
    "$python" "$root/infra/bench/gpu_throughput.py" record "$out/results.json" --table "$out/gpu-throughput.json" \
      --gpu "$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)" || true
  fi
fi

if wanted sweep; then
  step "decode variants"
  if [ "$smoke" = 1 ]; then
    "$python" "$root/infra/bench/sweep_gpu.py" --smoke --out "$out"
  else
    "$python" "$root/infra/bench/sweep_gpu.py" --out "$out" --time-budget-s "${SWEEP_TIME_BUDGET_S:-330}"
  fi
  result[sweep]=$?
fi

install_client() { # $1: folder; installs nvidia-pytriton and tritonclient[grpc] there
  rm -rf "$1"
  if [ -n "$wheels" ]; then
    echo "installing the Triton client from $wheels: $(cd "$wheels" && ls ./*.whl | tr '\n' ' ')"
    "$client_python" -m pip install -q --disable-pip-version-check --no-index --no-deps --no-compile \
      --target "$1" "$wheels"/*.whl
  else
    echo "installing the Triton client from the package index"
    pytriton="$(. "$root/infra/python-stack.env" && echo "$NVIDIA_PYTRITON_VERSION")"
    "$client_python" -m pip install -q --disable-pip-version-check --no-deps --target "$1" \
      "nvidia-pytriton==$pytriton" &&
      "$client_python" -m pip install -q --disable-pip-version-check --target "$1" "tritonclient[grpc]"
  fi
}

if wanted triton; then
  step "through Triton"
  args=(--out "$out" --execution-env "$("$python" -c 'import sys; print(sys.prefix)')")
  result[triton]=0
  if ! "$client_python" -c "import tritonclient.grpc, pytriton" >/dev/null 2>&1; then
    site="${TMPDIR:-/tmp}/musicgen-triton-client"
    install_client "$site" || result[triton]=2
    args+=(--client-site "$site")
  fi
  if [ "$smoke" = 1 ]; then
    args+=(--smoke)
  else
    args+=(--engine-results "$out/results.json")
  fi
  if [ "${result[triton]}" -eq 0 ]; then
    "$client_python" "$root/infra/bench/triton_bench.py" "${args[@]}"
    result[triton]=$?
  fi
fi

if wanted decode-memory; then
  step "encodec_decode memory"
  if [ "$smoke" = 1 ]; then
    "$python" "$root/infra/bench/decode_memory.py" --device cpu --frames 2 --batch 1,2 | tee "$out/decode-memory.jsonl"
  else
    "$python" "$root/infra/bench/decode_memory.py" --device cuda --frames 500,1500 --batch 1,4,8 \
      | tee "$out/decode-memory.jsonl"
  fi
  result[decode-memory]=${PIPESTATUS[0]}
fi

if wanted decode-share; then
  step "EnCodec decode's share of a window"
  if [ "$smoke" = 1 ]; then
    "$python" "$root/infra/bench/decode_share.py" --smoke --backends pytorch --out "$out/decode-share.json"
  else  # its onnxruntime rows need onnxruntime-gpu (and onnx, onnxscript); skipped with the reason otherwise
    "$python" "$root/infra/bench/decode_share.py" --out "$out/decode-share.json"
  fi
  result[decode-share]=$?
fi

status=0
summary=""
for s in $steps; do
  summary+="$s exit ${result[$s]:-not run}, "
  [ "${result[$s]:-1}" -eq 0 ] || status=1
done
echo "${summary%, }"
exit "$status"
