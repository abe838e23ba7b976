"""infra/bench/decode_share.py: the share arithmetic, its options, and its smoke run on CPU."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest
import torch

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "decode_share.py")
_spec = importlib.util.spec_from_file_location("decode_share", SCRIPT)
decode_share = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(decode_share)


def test_share_of_a_window():
    # the numbers: 13 ms per window (batch 8) and 44 ms (batch 1) against 0.32 s and 6.74 s of LM
    assert decode_share.decode_share(0.013, 0.32) == {"ratio_to_lm": 0.0406, "share": 0.039}
    assert decode_share.decode_share(0.044, 0.32) == {"ratio_to_lm": 0.1375, "share": 0.1209}
    assert decode_share.decode_share(0.044, 6.74) == {"ratio_to_lm": 0.0065, "share": 0.0065}


def test_lm_seconds_are_read_as_names_and_seconds():
    assert decode_share.parse_lm(decode_share.DEFAULT_LM) == [("1 prompt", 6.74), ("64 prompts", 0.32)]
    assert decode_share.parse_lm(" 16 prompts = 1.5") == [("16 prompts", 1.5)]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--lm", "fast=0"],
            "argument --lm: Cannot read --lm as each item must be NAME=SECONDS with SECONDS > 0: "
            "current value is 'fast=0'",
        ),
        (
            ["--lm", "1 prompt=6.7,0.32"],
            "argument --lm: Cannot read --lm as each item must be NAME=SECONDS with SECONDS > 0: "
            "current value is '0.32'",
        ),
        (["--batch", "1,0"], "argument --batch: must be an integer above 0: current value is '0'"),
        (
            ["--device", "cpu", "--dtype", "float16"],
            "Cannot measure as --dtype on cpu must be among float32: current value is 'float16'",
        ),
        (
            ["--backends", "pytorch,tensorrt"],
            "Cannot measure as --backends must name pytorch, onnxruntime: current value is 'pytorch,tensorrt'",
        ),
    ],
)
def test_bad_options_are_refused_in_one_line(tmp_path, args, message):
    out = tmp_path / "share.json"
    proc = subprocess.run(
        [sys.executable, SCRIPT, "--out", str(out), *args], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1] == f"decode_share.py: error: {message}"
    assert not out.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present: the full run would start")
def test_the_full_run_without_cuda_explains_and_exits_2(tmp_path, capsys):
    out = tmp_path / "share.json"
    assert decode_share.main(["--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == "Cannot measure on cuda as CUDA is not available here: use --device cpu or --smoke\n"
    assert not out.exists()


@pytest.fixture
def one_thread():
    """--threads 1 (two threads on a busy 2-core machine spin for seconds); torch's setting restored after."""
    before = torch.get_num_threads()
    yield ["--threads", "1"]
    torch.set_num_threads(before)


def without_timings(rows):
    return [{k: v for k, v in r.items() if "seconds" not in k and k not in ("share", "ratio_to_lm")} for r in rows]


def test_smoke_run_of_the_pytorch_decoder(tmp_path, capsys, one_thread):
    out = tmp_path / "share.json"
    assert decode_share.main(["--smoke", "--backends", "pytorch", "--out", str(out), *one_thread]) == 0
    report = json.loads(out.read_text())
    assert report["mode"] == "smoke" and report["environment"]["device"] == "cpu"
    assert report["environment"]["onnxruntime"] is None
    assert report["codec"] == {
        "weights": "random weights, tiny-32k-slim codec shape",
        "frames_per_window": 50,
        "seconds_per_window": 1.0,
    }
    assert report["lm"] == [
        {"name": "1 prompt", "seconds_per_window": 6.74},
        {"name": "64 prompts", "seconds_per_window": 0.32},
    ]
    assert report["onnx"] == {"skipped": "not asked for (--backends)"}
    row = {"backend": "pytorch", "dtype": "float32", "device": "cpu", "max_abs_diff": None}
    assert without_timings(report["decode"]) == [{**row, "batch": 1}, {**row, "batch": 2}]
    for r in report["decode"]:
        assert r["seconds"] > 0 and r["seconds_per_window"] == r["seconds"] / r["batch"]
    assert [(s["lm"], s["batch"]) for s in report["share"]] == [
        ("1 prompt", 1),
        ("1 prompt", 2),
        ("64 prompts", 1),
        ("64 prompts", 2),
    ]
    for s in report["share"]:
        assert {k: s[k] for k in ("ratio_to_lm", "share")} == decode_share.decode_share(
            s["decode_seconds_per_window"], s["lm_seconds_per_window"]
        )
    table = capsys.readouterr().out.splitlines()
    assert table[0] == "EnCodec decode per 1 s window (smoke, cpu; random weights, tiny-32k-slim codec shape)"
    assert len(table) == 10 and table[4].startswith("| pytorch | float32 | 1 | ")
    assert table[-2:] == ["", "onnxruntime: skipped, not asked for (--backends)"]


ONNX_READY = hasattr(torch.library, "custom_op") and all(
    importlib.util.find_spec(m) is not None for m in ("onnx", "onnxscript", "onnxruntime")
)


@pytest.mark.skipif(not ONNX_READY, reason="the ONNX export needs onnx, onnxscript, onnxruntime and torch 2.4+")
def test_smoke_run_of_both_backends(tmp_path, slim_onnx, capsys, one_thread):
    checkpoint, onnx_path, _ = slim_onnx
    out = tmp_path / "share.json"
    args = ["--smoke", "--checkpoint", checkpoint, "--onnx", onnx_path, "--lm", "one=6.74", "--out", str(out)]
    args += one_thread
    assert decode_share.main(args) == 0
    report = json.loads(out.read_text())
    assert report["codec"]["weights"] == checkpoint
    assert report["onnx"]["file"] == onnx_path and report["onnx"]["provider"] == "CPUExecutionProvider"
    assert [(r["backend"], r["batch"]) for r in report["decode"]] == [
        ("pytorch", 1),
        ("onnxruntime", 1),
        ("pytorch", 2),
        ("onnxruntime", 2),
    ]
    for r in report["decode"]:
        if r["backend"] == "onnxruntime":
            assert r["device"] == "CPUExecutionProvider" and r["max_abs_diff"] <= 1e-5  # test_codec_onnx.py's ATOL
    assert len(report["share"]) == 4
    assert "onnxruntime | float32 | 2 |" in capsys.readouterr().out


def test_run_gpu_runs_it_as_its_decode_share_step(tmp_path):
    env = dict(os.environ, RUN_GPU_STEPS="decode-share", RUN_GPU_SMOKE="1", PYTHON=sys.executable)
    run_gpu = os.path.join(os.path.dirname(SCRIPT), "run_gpu.sh")
    proc = subprocess.run(["bash", run_gpu, str(tmp_path)], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "decode-share exit 0"
    report = json.loads((tmp_path / "decode-share.json").read_text())
    assert (report["mode"], [r["batch"] for r in report["decode"]]) == ("smoke", [1, 2])
