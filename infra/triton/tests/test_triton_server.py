"""The model repository served by a real tritonserver on CPU (the binary shipped by nvidia-pytriton).

ci-setup.sh installs it into a venv beside the test venv (scripts/env.sh). One server per module: the three
models are copied into a temporary repository with CPU instances and the tiny-32k random checkpoint
(tiny LM, the released 32 kHz EnCodec shape), the server starts on free ports, and one run of
triton_client.py (the official gRPC client) streams codes, decodes them to audio, and reads the facts.
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
import torch

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


SERVED = {  # model -> config.pbtxt edits for a CPU server with the tiny-32k checkpoint ("{ck}")
    "musicgen_lm": [
        ("kind: KIND_GPU", "kind: KIND_CPU"),
        ('string_value: "medium"', 'string_value: "{ck}"'),
        (
            '"max_concurrent_requests" value: { string_value: "auto" }',
            '"max_concurrent_requests" value: { string_value: "4" }',
        ),
        (
            '"progress_interval_frames" value: { string_value: "50" }',
            '"progress_interval_frames" value: { string_value: "10" }',
        ),
    ],
    "encodec_decode": [("kind: KIND_GPU", "kind: KIND_CPU"), ('string_value: "medium"', 'string_value: "{ck}"')],
    "musicgen_info": [],
}


def make_repository(tmp, checkpoint):
    backend = os.path.join(tmp, "backends", "python")
    os.makedirs(backend)
    for f in ("libtriton_python.so", "triton_python_backend_utils.py"):
        shutil.copy(os.path.join(SERVER, "backends", "python", f), backend)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    shutil.copy(os.path.join(SERVER, "python_backend_stubs", version, "triton_python_backend_stub"), backend)
    for name, edits in SERVED.items():
        model = os.path.join(tmp, "models", name)
        src = os.path.join(ROOT, "model_repository", name)
        shutil.copytree(os.path.join(src, "1"), os.path.join(model, "1"), ignore=shutil.ignore_patterns("__pycache__"))
        with open(os.path.join(src, "config.pbtxt")) as f:
            cfg = f.read()
        for old, new in edits:
            assert old in cfg, old
            cfg = cfg.replace(old, new.replace("{ck}", checkpoint))
        cfg += f'parameters {{ key: "EXECUTION_ENV_PATH" value: {{ string_value: "{sys.prefix}" }} }}\n'
        with open(os.path.join(model, "config.pbtxt"), "w") as f:
            f.write(cfg)


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny32k_dir):
    """One tritonserver for the module: musicgen_lm, encodec_decode and musicgen_info on CPU."""
    tmp_path = tmp_path_factory.mktemp("triton")
    make_repository(str(tmp_path), tiny32k_dir)
    (tmp_path / "tmp").mkdir()  # the server's TMPDIR: where the models' facts files go
    http, grpc, metrics = free_ports(3)
    log_path = tmp_path / "server.log"
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(SITE, "nvidia_pytriton.libs"), TMPDIR=str(tmp_path / "tmp"))
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
        yield f"127.0.0.1:{grpc}", tmp_path
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(30)
    # every instance removed its facts file in finalize
    assert [p.name for p in (tmp_path / "tmp").rglob("*.json")] == []


@pytest.fixture(scope="module")
def served(server, tiny32k_dir):
    """What the client got back: its JSON report and the arrays it saved (one client run for the module)."""
    url, tmp_path = server
    pair = np.random.default_rng(7).integers(0, 2048, size=(2, 4, 8)).astype(np.int32)
    np.save(tmp_path / "pair.npy", pair)
    proc = subprocess.run(
        [
            os.path.join(TRITON_VENV, "bin", "python"),
            os.path.join(HERE, "triton_client.py"),
            url,
            str(tmp_path / "pair.npy"),
            str(tmp_path / "out.npz"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr + (tmp_path / "server.log").read_text()[-4000:]
    arrays = dict(np.load(tmp_path / "out.npz"))
    return json.loads(proc.stdout), arrays, pair


def decoded(codec, codes):
    with torch.no_grad():
        return codec.decode(torch.from_numpy(codes.astype(np.int64))[None], [None])[0][:, 0].numpy()


def test_musicgen_lm_streams_codes_and_tagged_errors(served):
    lm = served[0]["lm"]
    assert lm["errors"] == [
        "[INVALID_ARG] Cannot accept request as input 'NUM_FRAMES' must be >= 1: current value is 0"
    ]
    seeded = lm["seeded"]
    assert seeded["frames_done"] == [10, 20, 25] and seeded["final_flags"][-1] is True
    codes = np.concatenate([np.array(c) for c in seeded["codes"]], axis=1)
    assert codes.shape == (4, 25) and codes.min() >= 0 and codes.max() < 2048
    continued = lm["continued"]
    assert sum(np.array(c).shape[1] for c in continued["codes"]) == 12 and continued["final_flags"][-1] is True


def test_encodec_decode_turns_the_lm_codes_into_audio(served, reference_codec):
    report, arrays, pair = served
    assert report["decode_config"] == {
        "max_batch_size": 4,
        "parameters": {
            "model_id": {"string_value": report["facts"]["models"]["encodec_decode"]["model_id"]},
            "dtype": {"string_value": "float32"},
            "hf_local_files_only": {"string_value": "false"},
            "max_frames": {"string_value": "1500"},
            "EXECUTION_ENV_PATH": {"string_value": sys.prefix},
        },
    }
    codes = arrays["seeded_codes"]
    assert arrays["seeded_audio"].shape == (1, 25 * 640) and arrays["seeded_audio"].dtype == np.float32
    np.testing.assert_allclose(arrays["seeded_audio"], decoded(reference_codec, codes[None]), rtol=0, atol=1e-6)
    for i in range(2):  # two equal-T requests sent at once
        assert arrays[f"pair_audio_{i}"].shape == (1, 8 * 640)
        np.testing.assert_allclose(
            arrays[f"pair_audio_{i}"], decoded(reference_codec, pair[i : i + 1]), rtol=0, atol=1e-6
        )
    assert report["decode_error"] == {
        "status": "StatusCode.INVALID_ARGUMENT",
        "message": "[INVALID_ARG] Cannot decode as input 'CODES' must hold values in 0..2047: current value is 4096",
    }


def test_musicgen_info_reports_the_real_values(served, tiny32k_dir):
    checkpoint = {
        "model_id": tiny32k_dir,
        "source": tiny32k_dir,
        "revision": None,
        "weights": "random",
        "device": "cpu",
    }
    assert served[0]["facts"] == {
        "contract": "1.1",
        "models": {
            "encodec_decode": {
                "instances": 1,
                **checkpoint,
                "dtypes": {"encodec": "float32"},
                "max_frames": 1500,
                "max_batch_size": 4,
            },
            "musicgen_lm": {
                "instances": 1,
                **checkpoint,
                "dtypes": {"text_encoder": "float32", "decoder": "float32"},
                "max_concurrent_requests": 4,
                "max_queue_size": 256,
                "max_text_tokens": 64,
                "max_total_frames": 1500,
            },
        },
    }
