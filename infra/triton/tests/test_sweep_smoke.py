"""The decode-variant sweep and the float8 drift measurement run as they are (tiny, CPU)."""

import json
import os
import subprocess
import sys

import pytest
import torch

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench")
sys.path.insert(0, BENCH)

pytestmark = pytest.mark.skipif(not hasattr(torch, "float8_e4m3fn"), reason="this torch has no float8")


def test_sweep_smoke_measures_each_variant_staggered_and_drift(tmp_path):
    proc = subprocess.run(
        [sys.executable, os.path.join(BENCH, "sweep_gpu.py"), "--smoke", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    res = json.loads((tmp_path / "sweep.json").read_text())
    assert (res["mode"], res["complete"], res["skipped"]) == ("smoke", True, [])
    assert [v["name"] for v in res["variants"]] == ["sdpa:auto", "sdpa:fp8"]
    for v in res["variants"]:
        assert [r["concurrency"] for r in v["all_at_once"]] == [1, 2]
        assert [r["errors"] for r in v["all_at_once"]] == [0, 0]
        assert (v["staggered"]["requests"], v["staggered"]["errors"]) == (4, 0)
    assert res["drift"]["compare"] == "fp8" and res["drift"]["steps"] == 12
    assert "SMOKE RUN on CPU with a tiny model" in (tmp_path / "sweep.md").read_text()


def test_sweep_refuses_without_cuda_unless_smoke(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    proc = subprocess.run(
        [sys.executable, os.path.join(BENCH, "sweep_gpu.py"), "--out", str(tmp_path)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stderr == "CUDA is not available here: run with --smoke for a CPU check of the script\n"


def test_identical_caches_drift_zero_and_fp8_drifts_a_little(tiny):
    import kv_drift

    same = kv_drift.measure(*tiny, steps=16, prompts=2, kv_block=16, compare="auto")
    assert (same["mean_kl_nats"], same["max_kl_nats"], same["greedy_agreement"]) == (0.0, 0.0, 1.0)
    assert same["cells"] == 2 * (16 + 15 + 14 + 13)  # codebook k starts at step k (the delay pattern)
    fp8 = kv_drift.measure(*tiny, steps=16, prompts=2, kv_block=16, compare="fp8")
    assert 0.0 < fp8["mean_kl_nats"] < 1e-3
    assert fp8["greedy_agreement"] >= 0.95


def test_variants_parse_and_anything_else_is_refused_in_one_line():
    import sweep_gpu

    assert sweep_gpu.parse_variant("triton:fp8") == ("triton", "fp8", True)
    assert sweep_gpu.parse_variant("sdpa:auto") == ("sdpa", "auto", True)
    assert sweep_gpu.parse_variant("triton:auto:unfused") == ("triton", "auto", False)
    for bad in ("sdpa:auto:unfused", "triton:auto:fused", "triton:fp16", "flash:auto", "triton"):
        with pytest.raises(SystemExit, match=r"^--variants: '") as refused:
            sweep_gpu.parse_variant(bad)
        assert "\n" not in str(refused.value)
