"""The model repository served by a real tritonserver on CPU (the binary shipped by nvidia-pytriton).

ci-setup.sh installs it into a venv beside the test venv (scripts/env.sh). One server per module: the three
models are copied into a temporary repository with CPU instances and the tiny-32k random checkpoint
(tiny LM, the released 32 kHz EnCodec shape), the server starts on free ports, and one run of
triton_client.py (the official gRPC client) streams codes, decodes them to audio, and reads the facts.
"""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "..", "bench"))
from checksums import sha256_of_files  # noqa: E402
from triton_server import Server, TritonInstall, make_repository, read_metrics  # noqa: E402

# ci-setup.sh puts the tritonserver venv beside the test venv (see scripts/env.sh)
TRITON_VENV = os.path.join(os.path.dirname(sys.prefix), "venv-triton")
SITE = os.path.join(TRITON_VENV, "lib", f"python{sys.version_info.major}.{sys.version_info.minor}", "site-packages")

pytestmark = pytest.mark.skipif(
    not os.path.isfile(os.path.join(SITE, "pytriton", "tritonserver", "bin", "tritonserver")),
    reason="no tritonserver beside this venv: run infra/triton/ci-setup.sh (installs nvidia-pytriton)",
)


def served_parameters(checkpoint):
    """config.pbtxt parameters for a CPU server with the tiny-32k checkpoint."""
    return {
        "musicgen_lm": {"model_id": checkpoint, "max_concurrent_requests": "4", "progress_interval_frames": "10"},
        "encodec_decode": {"model_id": checkpoint},
        "musicgen_info": {},
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny32k_dir):
    """One tritonserver for the module: musicgen_lm, encodec_decode and musicgen_info on CPU."""
    tmp_path = tmp_path_factory.mktemp("triton")
    install = TritonInstall.in_site_packages(SITE)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    make_repository(str(tmp_path), install, sys.prefix, served_parameters(tiny32k_dir), "KIND_CPU", version)
    server = Server.start(str(tmp_path), install)
    try:
        try:
            server.wait_ready(timeout_s=120)
        except RuntimeError as exc:
            pytest.fail(str(exc))
        yield server
    finally:
        server.stop(timeout_s=30)
    # every instance removed its facts file in finalize
    assert [p.name for p in (tmp_path / "tmp").rglob("*.json")] == []


@pytest.fixture(scope="module")
def served(server, tiny32k_dir):
    """What the client got back: its JSON report and the arrays it saved (one client run for the module)."""
    url, tmp_path = server.grpc_url, pathlib.Path(server.run_dir)
    pair = np.random.default_rng(7).integers(0, 2048, size=(2, 4, 8)).astype(np.int32)
    np.save(tmp_path / "pair.npy", pair)
    proc = subprocess.run(
        [
            os.path.join(TRITON_VENV, "bin", "python"),
            os.path.join(HERE, "triton_client.py"),
            url,
            str(tmp_path / "pair.npy"),
            str(tmp_path / "out.npz"),
            str(server.metrics_port),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr + server.log_tail()
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
    # contract v1.2: acknowledged at once with no frames, and every response says where it stands
    assert seeded["no_frames"][0] == 0 and set(seeded["no_frames"]) <= {0, 10, 20}
    assert seeded["positions"][-1] == 0 and seeded["positions"] == sorted(seeded["positions"], reverse=True)
    assert seeded["tokens"] == [[3, 3]] * len(seeded["tokens"])  # "lofi beat" and </s>
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
    check = served[0]["facts"]["models"]["musicgen_lm"]["text_encoder_check"]
    assert check["finite"] is True and 0 < check["max_abs"] < 1e4
    checkpoint = {
        "model_id": tiny32k_dir,
        "source": tiny32k_dir,
        "revision": None,
        "weights": "random",
        "device": "cpu",
    }
    assert served[0]["facts"] == {
        "contract": "1.3",
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
                "liveness_interval_ms": 2000,
                "files": sha256_of_files(tiny32k_dir),
                "text_encoder_check": {
                    "finite": True,
                    "non_finite": 0,
                    "max_abs": check["max_abs"],
                    "prompts": 3,
                    "dtype": "float32",
                },
            },
        },
    }


@pytest.fixture(scope="module")
def scraped(served, server):
    """/metrics right after the client's run, before any later test sends more requests."""
    return read_metrics(server.metrics_port)


def model_series(samples, model):
    """{name or name{reason}: value} of the samples labelled with ``model`` (version 1)."""
    out = {}
    for (name, labels), value in samples.items():
        labels = dict(labels)
        if labels.pop("model", None) != model or not name.startswith(model):
            continue
        assert labels.pop("version") == "1", name
        out[name + (f"{{{labels.pop('reason')}}}" if "reason" in labels else "")] = value
        assert labels == {}, name
    return out


def test_musicgen_lm_metrics_count_what_was_served(scraped):
    lm = model_series(scraped, "musicgen_lm")
    steps, seconds = lm.pop("musicgen_lm_decode_steps_total"), lm.pop("musicgen_lm_decode_step_seconds_total")
    assert lm == {
        "musicgen_lm_slots_in_use": 0,
        "musicgen_lm_slots": 4,
        "musicgen_lm_waiting_requests": 0,
        "musicgen_lm_requests_completed_total": 7,  # seeded, continued and the five busy ones
        "musicgen_lm_requests_failed_total{INVALID_ARG}": 1,
        "musicgen_lm_requests_failed_total{UNAVAILABLE}": 0,
        "musicgen_lm_requests_failed_total{INTERNAL}": 0,
        "musicgen_lm_requests_cancelled_total": 0,
        "musicgen_lm_frames_generated_total": 25 + 12 + 5 * 100,
    }
    # the busy five need at least two rounds of 103 steps on four slots, at most one step per frame + 3
    assert 28 + 2 * 103 <= steps <= 28 + 15 + 5 * 103 and seconds > 0
    assert ("nv_inference_request_success", (("model", "musicgen_lm"), ("version", "1"))) in scraped


def test_encodec_decode_metrics_count_what_was_decoded(scraped):
    dec = model_series(scraped, "encodec_decode")
    calls, seconds = dec.pop("encodec_decode_codec_calls_total"), dec.pop("encodec_decode_codec_seconds_total")
    assert dec == {
        "encodec_decode_requests_completed_total": 3,
        "encodec_decode_requests_failed_total{INVALID_ARG}": 1,
        "encodec_decode_requests_failed_total{INTERNAL}": 0,
        "encodec_decode_frames_decoded_total": 25 + 2 * 8,
        "encodec_decode_codec_rows_total": 3,
    }
    assert calls in (2, 3) and seconds > 0  # the equal-T pair is one call when it arrives together


def test_musicgen_lm_gauges_follow_the_batch(served):
    gauges = served[0]["gauges"]  # [slots in use, waiting, slots] at each progress response of busy0
    assert len(gauges["busy"]) == 9 and [4, 1, 4] in gauges["busy"]
    assert all(1 <= used <= 4 and used + waiting <= 5 and slots == 4 for used, waiting, slots in gauges["busy"])
    assert gauges["idle"] == [0, 0, 4]
