"""The GPU benchmark script runs as is: tiny CPU smoke mode, and a clear refusal without CUDA."""

import json
import os
import subprocess
import sys

import pytest
import torch

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "bench_musicgen.py")


def run(*args):
    return subprocess.run([sys.executable, BENCH, *args], capture_output=True, text=True, timeout=300)


def test_smoke_run_writes_json_and_markdown(tmp_path):
    proc = run("--smoke", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    res = json.loads((tmp_path / "results.json").read_text())
    assert (res["mode"], res["complete"]) == ("smoke", True)
    assert [p["equal"] for p in res["parity"]] == [True, True]
    assert [r["concurrency"] for r in res["engine"]] == [1, 2]
    assert all(r["all_frames_returned"] for r in res["engine"] + res["engine_short"])
    assert [r["concurrency"] for r in res["transformers"]] == [1, 2]
    md = (tmp_path / "results.md").read_text()
    assert "SMOKE RUN on CPU with a tiny model" in md


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present: the full run would start")
def test_full_run_without_cuda_explains_and_exits_2(tmp_path):
    proc = run("--out", str(tmp_path))
    assert proc.returncode == 2
    assert "CUDA is not available here: the full benchmark needs an NVIDIA GPU." in proc.stderr
    assert json.loads((tmp_path / "results.json").read_text())["mode"] == "not-run"


DECODE_MEMORY = os.path.join(os.path.dirname(BENCH), "decode_memory.py")


def test_decode_memory_measures_on_cpu():
    proc = subprocess.run(
        [sys.executable, DECODE_MEMORY, "--device", "cpu", "--frames", "2", "--batch", "1,2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert lines[0]["environment"] == {"device": "cpu", "dtype": "torch.float32"}
    assert [(r["batch"], r["frames"], r["audio_shape"]) for r in lines[1:]] == [(1, 2, [1, 1280]), (2, 2, [2, 1280])]
    assert all(r["peak_resident_mib"] >= 0 and r["seconds"] > 0 for r in lines[1:])
