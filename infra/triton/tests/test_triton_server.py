"""The model repository served by a real tritonserver on CPU (the binary shipped by nvidia-pytriton).

ci-setup.sh installs it into a venv beside the test venv (scripts/env.sh); the test copies musicgen_lm into a temporary
repository with a CPU instance and the tiny random model, starts the server on free ports, and
streams requests through the official gRPC client.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, ".."))
# ci-setup.sh puts the tritonserver venv beside the test venv (see scripts/env.sh)
TRITON_VENV = os.path.join(os.path.dirname(sys.prefix), "venv-triton")
SITE = os.path.join(TRITON_VENV, "lib", f"python{sys.version_info.major}.{sys.version_info.minor}", "site-packages")
SERVER = os.path.join(SITE, "pytriton", "tritonserver")

pytestmark = pytest.mark.skipif(
    not os.path.isfile(os.path.join(SERVER, "bin", "tritonserver")),
    reason="no tritonserver beside this venv: run infra/triton/ci-setup.sh (installs nvidia-pytriton)",
)


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def make_repository(tmp, tiny_dir):
    backend = os.path.join(tmp, "backends", "python")
    os.makedirs(backend)
    for f in ("libtriton_python.so", "triton_python_backend_utils.py"):
        shutil.copy(os.path.join(SERVER, "backends", "python", f), backend)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    shutil.copy(os.path.join(SERVER, "python_backend_stubs", version, "triton_python_backend_stub"), backend)
    model = os.path.join(tmp, "models", "musicgen_lm")
    src = os.path.join(ROOT, "model_repository", "musicgen_lm")
    shutil.copytree(os.path.join(src, "1"), os.path.join(model, "1"), ignore=shutil.ignore_patterns("__pycache__"))
    with open(os.path.join(src, "config.pbtxt")) as f:
        cfg = f.read()
    for old, new in [
        ("kind: KIND_GPU", "kind: KIND_CPU"),
        ('string_value: "medium"', f'string_value: "{tiny_dir}"'),
        (
            '"max_concurrent_requests" value: { string_value: "auto" }',
            '"max_concurrent_requests" value: { string_value: "4" }',
        ),
        (
            '"progress_interval_frames" value: { string_value: "50" }',
            '"progress_interval_frames" value: { string_value: "10" }',
        ),
    ]:
        assert old in cfg, old
        cfg = cfg.replace(old, new)
    cfg += f'parameters {{ key: "EXECUTION_ENV_PATH" value: {{ string_value: "{sys.prefix}" }} }}\n'
    with open(os.path.join(model, "config.pbtxt"), "w") as f:
        f.write(cfg)


@pytest.fixture
def server(tmp_path, tiny_dir):
    make_repository(str(tmp_path), tiny_dir)
    http, grpc, metrics = free_ports(3)
    log_path = tmp_path / "server.log"
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(SITE, "nvidia_pytriton.libs"))
    cmd = [
        os.path.join(SERVER, "bin", "tritonserver"),
        f"--model-repository={tmp_path / 'models'}",
        f"--backend-directory={tmp_path / 'backends'}",
        f"--http-port={http}",
        f"--grpc-port={grpc}",
        f"--metrics-port={metrics}",
        "--allow-metrics=false",
        "--http-address=127.0.0.1",
        "--grpc-address=127.0.0.1",
    ]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.time() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail("tritonserver exited:\n" + log_path.read_text()[-4000:])
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{http}/v2/health/ready", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                pytest.fail("tritonserver not ready after 120 s:\n" + log_path.read_text()[-4000:])
            time.sleep(0.5)
        yield f"127.0.0.1:{grpc}", log_path
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_real_triton_streams_codes(server):
    url, log_path = server
    proc = subprocess.run(
        [os.path.join(TRITON_VENV, "bin", "python"), os.path.join(HERE, "triton_client.py"), url],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr + log_path.read_text()[-4000:]
    out = json.loads(proc.stdout)
    assert out["errors"] == ["Cannot accept request as input 'NUM_FRAMES' must be >= 1: current value is 0"]
    seeded = out["seeded"]
    assert seeded["frames_done"] == [10, 20, 25] and seeded["final_flags"][-1] is True
    codes = np.concatenate([np.array(c) for c in seeded["codes"]], axis=1)
    assert codes.shape == (4, 25) and codes.min() >= 0 and codes.max() < 2048
    continued = out["continued"]
    assert sum(np.array(c).shape[1] for c in continued["codes"]) == 12 and continued["final_flags"][-1] is True
