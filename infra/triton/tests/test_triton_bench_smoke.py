"""infra/bench/run_gpu.sh's Triton step in its CPU smoke mode, end to end: a tiny random checkpoint saved,
a model repository built, a real tritonserver started on loopback ports, musicgen_lm and encodec_decode
driven over gRPC streaming by triton_bench.py, results written as it goes, the server stopped."""

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.abspath(os.path.join(HERE, "..", "..", "bench"))
TRITON_VENV = os.path.join(os.path.dirname(sys.prefix), "venv-triton")
CLIENT_PYTHON = os.path.join(TRITON_VENV, "bin", "python")


@pytest.mark.skipif(not os.path.isfile(CLIENT_PYTHON), reason="no venv-triton: run infra/triton/ci-setup.sh")
def test_run_gpu_triton_step_in_smoke_mode(tmp_path):
    env = dict(
        os.environ,
        RUN_GPU_SMOKE="1",
        RUN_GPU_STEPS="triton",
        PYTHON=sys.executable,
        CLIENT_PYTHON=CLIENT_PYTHON,
        TMPDIR=str(tmp_path),
    )
    out = tmp_path / "out"
    proc = subprocess.run(
        ["bash", os.path.join(BENCH, "run_gpu.sh"), str(out)], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert proc.stdout.splitlines()[-1] == "triton exit 0"
    assert sorted(os.listdir(out)) == ["run.log", "triton.json", "triton.md", "tritonserver.log", "versions.txt"]
    res = json.loads((out / "triton.json").read_text())
    assert (res["mode"], res.get("error")) == ("smoke", None)
    assert res["checkpoint"]["size"] == "tiny-32k-slim" and res["server"]["version"] == "2.51.0"
    lm = res["facts"]["models"]["musicgen_lm"]
    assert (lm["max_concurrent_requests"], lm["device"], lm["weights"]) == (2, "cpu", "random")
    assert lm["dtypes"] == {"text_encoder": "float32", "decoder": "float32", "kv_cache": "float32"}
    # 0.2 s = 10 frames per request; musicgen_lm's own metrics count exactly what was asked for
    generated = [
        (r["concurrency"], r["all_frames_returned"], r["metrics"]["frames_generated"]) for r in res["generation"]
    ]
    assert generated == [(1, True, 10), (2, True, 20)]
    assert [(r["windows"], r["audio_ok"]) for r in res["decode_generated"]] == [(1, True), (2, True)]
    assert [(r["requests_at_once"], r["runs"], r["audio_ok"]) for r in res["decode"]] == [(1, 1, True), (2, 1, True)]
    end = res["metrics_at_end"]
    assert end["musicgen_lm_frames_generated_total"] == 8 + 10 + 20  # warm-up, then 1 and 2 requests
    assert end["musicgen_lm_requests_completed_total"] == 4
    # warm-up 10, generated windows 10 + 20, then one and two windows of 10 frames alone
    assert end["encodec_decode_frames_decoded_total"] == 10 + 30 + 30
    assert end["encodec_decode_requests_completed_total"] == 7
    md = (out / "triton.md").read_text()
    assert "SMOKE RUN on CPU with a tiny model" in md and "| 2 | 0.2 |" in md
    assert "Started GRPCInferenceService at 127.0.0.1:" in (out / "tritonserver.log").read_text()


def test_without_tritonclient_it_says_what_to_install(tmp_path):
    proc = subprocess.run(
        [sys.executable, os.path.join(BENCH, "triton_bench.py"), "--smoke", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    message = (
        "Cannot drive Triton as tritonclient.grpc does not import: No module named 'tritonclient' (install "
        "tritonclient[grpc], or put its wheels with grpcio and protobuf in the wheel folder; see infra/bench/README.md)"
    )
    assert proc.stderr.strip().splitlines()[-1] == message
    assert json.loads((tmp_path / "triton.json").read_text())["error"] == message


def test_an_empty_wheel_folder_is_refused(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    proc = subprocess.run(
        ["bash", os.path.join(BENCH, "run_gpu.sh"), str(tmp_path / "out"), str(wheels)],
        env=dict(os.environ, RUN_GPU_STEPS="triton"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout.strip().splitlines()[-1] == (
        f"Cannot install the Triton client as the wheel folder has no wheels: current value is {wheels}"
    )
