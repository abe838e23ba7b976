"""The smaller parts: finding tritonserver, the weights record, log tails, machine checks, the server's
environment, what changed between deployments, the exit-code table in the README."""

import json
import os
import re
import socket

import pytest
from conftest import POD, TRITON_SITE, TRITON_VENV, TRITONSERVER, needs_tritonserver

from musicgen_pod import checks, hf_fetch, lifecycle, logs, server, serving_env, stack, triton_install, up, weights
from musicgen_pod.errors import ExitCode, PodError
from musicgen_pod.settings import load

PINS = stack.read_pins()


@needs_tritonserver
@pytest.mark.parametrize("where", ["prefix", "site-packages", "package"])
def test_locate_pytriton(where):
    path = {"prefix": TRITON_VENV, "site-packages": TRITON_SITE, "package": os.path.join(TRITON_SITE, "pytriton")}[
        where
    ]
    found = triton_install.locate(path)
    server_dir = os.path.join(TRITON_SITE, "pytriton", "tritonserver")
    assert found == triton_install.TritonInstall(
        binary=TRITONSERVER,
        python_backend=os.path.join(server_dir, "backends", "python"),
        stubs=os.path.join(server_dir, "python_backend_stubs"),
        libs=os.path.join(TRITON_SITE, "nvidia_pytriton.libs"),
        kind="pytriton",
    )
    assert found.stub_versions() == ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]
    assert found.stub_for("3.12.3") == os.path.join(
        server_dir, "python_backend_stubs", "3.12", "triton_python_backend_stub"
    )
    assert found.stub_for("3.14.0") is None
    assert triton_install.stub_python_version(found.stub_for("3.12.0")) == "3.12"


def test_locate_a_triton_root(tmp_path):
    # The layout of NVIDIA's container (/opt/tritonserver): the stub sits in backends/python.
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "tritonserver").write_bytes(b"")
    backend = tmp_path / "backends" / "python"
    backend.mkdir(parents=True)
    (backend / "libtriton_python.so").write_bytes(b"")
    (backend / "triton_python_backend_stub").write_bytes(b"\0libpython3.12.so.1.0\0")
    found = triton_install.locate(str(tmp_path))
    assert (found.kind, found.stubs, found.libs) == ("triton-root", None, None)
    assert found.stub_for("3.12.1") == str(backend / "triton_python_backend_stub")
    assert found.stub_for("3.11.9") is None


def settings_for(tmp_path, **extra):
    return load(dict({"MUSICGEN_VOLUME": str(tmp_path), "HF_HOME": str(tmp_path / "hf")}, **extra))[0]


def test_weights_record_is_trusted_only_while_its_files_exist(tmp_path):
    s = settings_for(tmp_path, MUSICGEN_MODEL_ID="facebook/musicgen-small")
    snapshot = tmp_path / "hf" / "hub" / "models--facebook--musicgen-small" / "snapshots" / "abc"
    snapshot.mkdir(parents=True)
    for name in ("config.json", "model.safetensors"):
        (snapshot / name).write_text("x")
    assert weights.state(s) == weights.Weights("facebook/musicgen-small", None, None, False)
    assert weights.download_size_gb(s) == 2.4
    record = {
        "snapshot": str(snapshot),
        "revision": "abc",
        "files": ["config.json", "model.safetensors"],
        "hf_home": s.hf_home,
    }
    os.makedirs(os.path.dirname(weights.marker_path(s)))
    with open(weights.marker_path(s), "w") as f:
        json.dump(record, f)
    assert weights.state(s) == weights.Weights("facebook/musicgen-small", str(snapshot), "abc", True)
    assert weights.download_size_gb(s) == 0.0
    (snapshot / "model.safetensors").unlink()  # a cache cleaned by hand: download again
    assert weights.state(s).cached is False
    assert weights.download_size_gb(s) == 2.4


def test_download_size_of_a_model_the_cache_already_holds(tmp_path):
    s = settings_for(tmp_path, MUSICGEN_MODEL_ID="someone/tuned")
    assert weights.download_size_gb(s) == 10.0
    repo = tmp_path / "hf" / "hub" / "models--someone--tuned"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("rev")
    (repo / "snapshots" / "rev").mkdir(parents=True)
    (repo / "snapshots" / "rev" / "config.json").write_text("{}")
    (repo / "snapshots" / "rev" / "pytorch_model.bin").write_text("")
    assert weights.download_size_gb(s) == 0.0


def test_serving_files():
    names = [
        "README.md",
        ".gitattributes",
        "config.json",
        "generation_config.json",
        "pytorch_model.bin",
        "model.safetensors",
        "spiece.model",
        "tokenizer.json",
        "onnx/decoder_model.onnx",
    ]
    assert hf_fetch.serving_files(names) == [
        "config.json",
        "generation_config.json",
        "model.safetensors",
        "spiece.model",
        "tokenizer.json",
    ]
    assert hf_fetch.serving_files(["config.json", "pytorch_model.bin"]) == ["config.json", "pytorch_model.bin"]


def test_short_reasons():
    assert hf_fetch.short(OSError("HTTPSConnectionPool: ... [Errno -3] Temporary failure in name resolution')")) == (
        "Temporary failure in name resolution"
    )
    assert hf_fetch.short(ValueError("bad\nsecond line")) == "ValueError: bad"


def test_last_lines(tmp_path):
    path = tmp_path / "log"
    path.write_bytes(b"".join(b"line %d\n" % i for i in range(20000)) + b"partial")
    assert logs.last_lines(str(path), 3) == b"line 19998\nline 19999\npartial"
    assert logs.last_lines(str(path), 0) == b""
    path.write_bytes(b"a\nb\n")
    assert logs.last_lines(str(path), 10) == b"a\nb\n"


def test_log_summary(tmp_path):
    paths = server.Paths(str(tmp_path))
    (tmp_path / "tritonserver.log").write_text(
        "--- musicgen-pod: starting tritonserver at 1 ---\n"
        'E1201 old error of an earlier start"\n'
        "--- musicgen-pod: starting tritonserver at 2 ---\n"
        'I1201 loading\nE1201 00:00 x.cc] "failed: ValueError: bad\\n\\nAt:\\n  file.py"\n'
        + "".join(f"I1201 line {i}\n" for i in range(8))
    )
    assert server.log_summary(paths).splitlines() == [
        'E1201 00:00 x.cc] "failed: ValueError: bad',
        "I1201 line 3",
        "I1201 line 4",
        "I1201 line 5",
        "I1201 line 6",
        "I1201 line 7",
    ]


def test_glibc(monkeypatch):
    assert re.fullmatch(r"glibc 2\.\d+ \(>= 2\.35\)", checks.glibc(PINS))
    monkeypatch.setattr(os, "confstr", lambda name: "glibc 2.31")
    with pytest.raises(PodError) as e:
        checks.glibc(PINS)
    assert (e.value.code, e.value.message) == (
        ExitCode.GLIBC_TOO_OLD,
        "Cannot run nvidia-pytriton's tritonserver as glibc is 2.31, older than 2.35 (its wheel is built for "
        "manylinux_2_35): use an image based on Ubuntu 22.04 or newer",
    )


def test_port_free():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.listen(1)
    try:
        assert checks.port_free(port) is False
    finally:
        s.close()
    assert checks.port_free(port) is True


def test_unsupported_python():
    with pytest.raises(PodError) as e:
        serving_env.check_python("3.9.18", PINS, "/usr/bin/python3")
    assert (e.value.code, e.value.message) == (
        ExitCode.PYTHON_UNSUPPORTED,
        "Cannot serve with the Python at /usr/bin/python3 as it is 3.9.18, outside 3.10 to 3.12 (transformers 5.17.0 "
        "needs >= 3.10; numpy below 2, which Triton's Python backend stub needs, has wheels up to 3.12): use an image "
        "with a Python in that range",
    )


def test_server_environment_carries_no_secret():
    base = {
        "PATH": "/bin",
        "HF_TOKEN": "t",
        "AWS_SECRET_ACCESS_KEY": "k",
        "PYTHONPATH": "/x",
        "LD_LIBRARY_PATH": "/usr/lib",
    }
    assert server.server_env(base, "/site/nvidia_pytriton.libs", "/workspace/huggingface") == {
        "PATH": "/bin",
        "LD_LIBRARY_PATH": "/site/nvidia_pytriton.libs:/usr/lib",
        "HF_HOME": "/workspace/huggingface",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "PYTHONNOUSERSITE": "1",
    }


def test_what_changed_between_deployments():
    identity = {"MUSICGEN_MODEL_ID": "facebook/musicgen-small", "TRITON_GRPC_PORT": "8001", "MUSICGEN_PYTHON_ENV": ""}
    old = {
        "settings": dict(identity, MUSICGEN_MODEL_ID="facebook/musicgen-medium", MUSICGEN_PYTHON_ENV="/env"),
        "source": "old",
        "pins": {},
    }
    assert up.changes(old, identity, "new", PINS) == (
        "MUSICGEN_MODEL_ID facebook/musicgen-medium -> facebook/musicgen-small; MUSICGEN_PYTHON_ENV /env -> (unset); "
        "the model repository's code changed; infra/python-stack.env changed"
    )
    assert up.changes(None, identity, "new", PINS) == "no record of the running deployment"


def test_readme_lists_every_exit_code():
    with open(os.path.join(POD, "README.md")) as f:
        text = f.read()
    table = dict(re.findall(r"^\| (\d+) \| `(\w+)` \|", text, re.M))
    assert table == {str(int(code)): code.name for code in ExitCode}


def test_wait_gives_up_after_the_timeout(tmp_path):
    class Running:
        def poll(self):
            return None

    paths = server.Paths(str(tmp_path))
    (tmp_path / "tritonserver.log").write_text(
        "--- musicgen-pod: starting tritonserver at 1 ---\nI1201 loading musicgen_lm\n"
    )
    s = settings_for(tmp_path, MUSICGEN_START_TIMEOUT_S="1")
    port = free_port()
    with pytest.raises(PodError) as e:
        lifecycle.wait_ready(Running(), 4242, paths, port, ["musicgen_lm"], s, lambda line: None)
    assert (e.value.code, e.value.message, e.value.detail) == (
        ExitCode.START_TIMEOUT,
        "Cannot confirm Triton is ready as not every model was ready after 1 s (MUSICGEN_START_TIMEOUT_S): it "
        "keeps running; `pod.sh status` shows progress, `pod.sh stop` stops it; the errors so far and the last "
        f"lines of {tmp_path}/tritonserver.log follow",
        "I1201 loading musicgen_lm",
    )


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_logs_follow_across_a_restart_and_a_rotation(tmp_path):
    import select
    import signal
    import subprocess
    import time

    from conftest import clean_env, pod_command

    log = tmp_path / "musicgen" / "triton" / "tritonserver.log"
    log.parent.mkdir(parents=True)
    log.write_text("old 1\nold 2\n")
    proc = subprocess.Popen(
        pod_command(["logs", "--follow", "--lines", "1"]),
        env=clean_env(MUSICGEN_VOLUME=str(tmp_path)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    pending = b""

    def next_line(timeout=10.0):
        nonlocal pending
        deadline = time.monotonic() + timeout
        while b"\n" not in pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
                return None
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                return None
            pending += chunk
        line, _, pending = pending.partition(b"\n")
        return line.decode()

    try:
        assert next_line() == "old 2"
        with open(log, "a") as f:
            f.write("appended\n")
        assert next_line() == "appended"
        os.replace(log, str(log) + ".1")  # rotated at a start: the new file is followed from its beginning
        log.write_text("new 1\nnew 2\n")
        assert (next_line(), next_line()) == ("new 1", "new 2")
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert (proc.returncode, pending + out, err) == (0, b"", b"")


def test_load_progress_from_the_log(tmp_path):
    paths = server.Paths(str(tmp_path))
    names = ["encodec_decode", "musicgen_info", "musicgen_lm", "other"]
    assert server.log_progress(paths, names) == {name: "PENDING" for name in names}
    (tmp_path / "tritonserver.log").write_text(
        "--- musicgen-pod: starting tritonserver at 1 ---\n"
        "I1201 model_lifecycle.cc:839] \"successfully loaded 'musicgen_lm'\"\n"
        "--- musicgen-pod: starting tritonserver at 2 ---\n"
        'I1201 model_lifecycle.cc:472] "loading: musicgen_lm:1"\n'
        'I1201 model_lifecycle.cc:472] "loading: encodec_decode:1"\n'
        'I1201 model_lifecycle.cc:472] "loading: musicgen_info:1"\n'
        "I1201 model_lifecycle.cc:839] \"successfully loaded 'musicgen_info'\"\n"
        "E1201 model_lifecycle.cc:642] \"failed to load 'encodec_decode' version 1: Internal: ...\"\n"
    )
    assert server.log_progress(paths, names) == {
        "encodec_decode": "FAILED",
        "musicgen_info": "LOADED",
        "musicgen_lm": "LOADING",
        "other": "PENDING",
    }
