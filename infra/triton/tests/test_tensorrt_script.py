"""infra/triton/tensorrt/build_encodec_engine.sh without TensorRT: its refusals, and the trtexec command lines
it runs, recorded by a stand-in (the flags themselves are unverified until it runs where TensorRT is)."""

import os
import subprocess

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tensorrt", "build_encodec_engine.sh")
RECORDER = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$RECORD"
for arg in "$@"; do case "$arg" in --saveEngine=*) echo engine > "${arg#--saveEngine=}";; esac; done
"""


def run(*args, **env):
    return subprocess.run(
        ["bash", SCRIPT, *args], capture_output=True, text=True, timeout=30, env={**os.environ, **env}
    )


def test_it_runs_trtexec_with_one_profile_then_times_the_engine(tmp_path):
    trtexec, record = tmp_path / "trtexec", tmp_path / "calls.txt"
    trtexec.write_text(RECORDER)
    trtexec.chmod(0o755)
    onnx, engine = tmp_path / "decoder.onnx", tmp_path / "decoder.plan"
    onnx.write_text("onnx")
    proc = run(str(onnx), str(engine), TRTEXEC=str(trtexec), RECORD=str(record))
    assert proc.returncode == 0, proc.stderr
    assert record.read_text().splitlines() == [
        f"--onnx={onnx} --saveEngine={engine}.partial --fp16 --skipInference --minShapes=codes:1x4x1 "
        f"--optShapes=codes:4x4x1500 --maxShapes=codes:8x4x1500 --timingCacheFile={engine}.timing-cache",
        f"--loadEngine={engine} --shapes=codes:1x4x1500",
        f"--loadEngine={engine} --shapes=codes:8x4x1500",
    ]
    assert engine.read_text() == "engine\n" and not (tmp_path / "decoder.plan.partial").exists()


def test_the_profile_follows_the_environment(tmp_path):
    trtexec, record = tmp_path / "trtexec", tmp_path / "calls.txt"
    trtexec.write_text(RECORDER)
    trtexec.chmod(0o755)
    onnx = tmp_path / "decoder.onnx"
    onnx.write_text("onnx")
    env = {"TRTEXEC": str(trtexec), "RECORD": str(record), "ENGINE_MAX_BATCH": "4", "ENGINE_OPT_BATCH": "2"}
    assert run(str(onnx), str(tmp_path / "e.plan"), ENGINE_MAX_FRAMES="3000", **env).returncode == 0
    calls = record.read_text().splitlines()
    assert "--optShapes=codes:2x4x3000 --maxShapes=codes:4x4x3000" in calls[0]
    assert [c.split()[-1] for c in calls[1:]] == ["--shapes=codes:1x4x3000", "--shapes=codes:4x4x3000"]


def test_refusals_are_one_line(tmp_path):
    proc = run()
    assert (proc.returncode, proc.stderr) == (2, "usage: build_encodec_engine.sh MODEL.onnx ENGINE.plan\n")
    missing = tmp_path / "missing.onnx"
    proc = run(str(missing), str(tmp_path / "e.plan"))
    assert (proc.returncode, proc.stderr) == (
        2,
        "Cannot build the engine as the ONNX file does not exist (python -m musicgen_serving.codec_onnx writes it): "
        f"current value is {missing}\n",
    )
    onnx = tmp_path / "decoder.onnx"
    onnx.write_text("onnx")
    proc = run(str(onnx), str(tmp_path / "e.plan"), TRTEXEC="/nonexistent/trtexec")
    assert (proc.returncode, proc.stderr) == (
        2,
        "Cannot build the engine as trtexec is not found (install TensorRT's libnvinfer-bin, or set TRTEXEC): "
        "current value is /nonexistent/trtexec\n",
    )
    assert not (tmp_path / "e.plan").exists()
