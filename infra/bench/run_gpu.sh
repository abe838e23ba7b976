#!/usr/bin/env bash
# The device check, as one script: GPU tests of the captured decode path, the benchmark, then the
# memory of encodec_decode at full batch (backs reserve_decode_gib; see musicgen_serving/memory.py).
#   bash infra/bench/run_gpu.sh OUT_DIR        (Python with torch 2.x, transformers, numpy, pytest)
# Writes OUT_DIR/versions.txt, OUT_DIR/gpu-tests.txt, OUT_DIR/bench.log, OUT_DIR/results.json,
# OUT_DIR/results.md and OUT_DIR/decode-memory.jsonl.
set -uo pipefail
out="${1:?usage: bash infra/bench/run_gpu.sh OUT_DIR}"
python="${PYTHON:-python3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mkdir -p "$out"
# The versions this machine has, against the pins the pod runtime installs (infra/python-stack.env).
"$python" "$root/infra/bench/report_versions.py" "$root/infra/python-stack.env" 2>&1 | tee "$out/versions.txt"
(cd "$root/infra/triton" && "$python" -m pytest -rs tests/test_gpu.py) 2>&1 | tee "$out/gpu-tests.txt"
tests=${PIPESTATUS[0]}
"$python" "$root/infra/bench/bench_musicgen.py" --out "$out" 2>&1 | tee "$out/bench.log"
bench=${PIPESTATUS[0]}
"$python" "$root/infra/bench/decode_memory.py" --device cuda --frames 500,1500 --batch 1,4,8 \
  2>&1 | tee "$out/decode-memory.jsonl"
decode=${PIPESTATUS[0]}
echo "gpu tests exit $tests, benchmark exit $bench, decode memory exit $decode"
[ "$tests" -eq 0 ] && [ "$bench" -eq 0 ] && [ "$decode" -eq 0 ]
