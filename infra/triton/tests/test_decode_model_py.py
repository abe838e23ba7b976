"""encodec_decode and musicgen_info: config.pbtxt and model.py against a stub of triton_python_backend_utils."""

import importlib.util
import json
import os

import fake_pb_utils
import numpy as np
import pbtxt
import pytest
import torch

from musicgen_serving import facts
from musicgen_serving.config import ServingConfig
from musicgen_serving.decode_config import DecodeConfig
from musicgen_serving.memory import GIB, decode_reserve_bytes

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model_repository")


def read_config(model):
    with open(os.path.join(REPO, model, "config.pbtxt")) as f:
        return pbtxt.parse(f.read())


def params_of(cfg):
    return {p["key"]: p["value"]["string_value"] for p in cfg["parameters"]}


def test_encodec_decode_config_pbtxt():
    cfg = read_config("encodec_decode")
    assert (cfg["name"], cfg["backend"], cfg["max_batch_size"], cfg["dynamic_batching"]) == (
        "encodec_decode",
        "python",
        4,
        {},
    )
    assert "model_transaction_policy" not in cfg
    assert cfg["input"] == [{"name": "CODES", "data_type": "TYPE_INT32", "dims": [4, -1]}]
    assert cfg["output"] == [{"name": "AUDIO", "data_type": "TYPE_FP32", "dims": [-1]}]
    assert cfg["instance_group"] == [{"count": 1, "kind": "KIND_GPU"}]
    assert params_of(cfg) == {
        "model_id": "medium",
        "dtype": "float32",
        "hf_local_files_only": "false",
        "max_frames": "1500",
    }
    assert DecodeConfig.from_model_config(cfg) == DecodeConfig()
    assert DecodeConfig().resolved_model_id == "facebook/musicgen-medium"


def test_musicgen_info_config_pbtxt():
    cfg = read_config("musicgen_info")
    assert cfg == {
        "name": "musicgen_info",
        "backend": "python",
        "max_batch_size": 0,
        "output": [{"name": "FACTS", "data_type": "TYPE_STRING", "dims": [1]}],
        "instance_group": [{"count": 1, "kind": "KIND_CPU"}],
    }


def test_musicgen_lm_leaves_room_for_the_decoder_as_configured():
    lm = ServingConfig.from_parameters({p["key"]: p["value"] for p in read_config("musicgen_lm")["parameters"]})
    dec = DecodeConfig.from_model_config(read_config("encodec_decode"))
    need = decode_reserve_bytes(dec.max_batch_size, dec.max_frames, dec.dtype)
    assert lm.reserve_decode_gib == 6.0 and lm.reserve_decode_gib * GIB >= need > 5.5 * GIB


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"dtype": "int8"},
            "parameter 'dtype' must be one of ('float16', 'bfloat16', 'float32'): current value is 'int8'",
        ),
        ({"max_frames": "0"}, "parameter 'max_frames' must be >= 1: current value is 0"),
        ({"max_frames": "lots"}, "parameter 'max_frames' is not a valid int: current value is 'lots'"),
        (
            {"hf_local_files_only": "maybe"},
            "parameter 'hf_local_files_only' is not a valid bool: current value is 'maybe'",
        ),
        (
            {"max_batch_size": 0},
            "max_batch_size must be >= 1 (the leading 1 of CODES [1, 4, T] is the batch dimension): current value is 0",
        ),
    ],
)
def test_bad_decode_configs(change, message):
    cfg = read_config("encodec_decode")
    params = {p["key"]: p["value"] for p in cfg["parameters"]}
    for key, value in change.items():
        if key == "max_batch_size":
            cfg["max_batch_size"] = value
        else:
            params[key] = {"string_value": value}
    cfg["parameters"] = params
    with pytest.raises(ValueError) as err:
        DecodeConfig.from_model_config(cfg)
    assert str(err.value) == f"Cannot load encodec_decode as {message}"


def load_module(model):
    fake_pb_utils.install()
    spec = importlib.util.spec_from_file_location(f"{model}_model", os.path.join(REPO, model, "1", "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def start_decoder(model_id, max_frames="20"):
    cfg = read_config("encodec_decode")
    cfg["parameters"] = {
        **{p["key"]: p["value"] for p in cfg["parameters"]},
        "model_id": {"string_value": model_id},
        "max_frames": {"string_value": max_frames},
    }
    model = load_module("encodec_decode").TritonPythonModel()
    model.initialize(
        {
            "model_config": json.dumps(cfg),
            "model_instance_kind": "CPU",
            "model_instance_device_id": "0",
            "model_instance_name": "encodec_decode_0_0",
            "model_name": "encodec_decode",
            "model_version": "1",
        }
    )
    return model


def codes(frames, seed):
    return np.random.default_rng(seed).integers(0, 2048, size=(1, 4, frames)).astype(np.int32)


def test_decodes_a_mixed_batch_and_isolates_bad_requests(tiny32k_dir, reference_codec, facts_root):
    pb = fake_pb_utils
    good = [codes(4, 1), codes(4, 2), codes(3, 3)]
    bad_value = codes(4, 4)
    bad_value[0, 2, 1] = 4096
    requests = [
        pb.InferenceRequest({"CODES": good[0]}),
        pb.InferenceRequest({"CODES": bad_value}),
        pb.InferenceRequest({"CODES": good[1]}),
        pb.InferenceRequest({"CODES": np.zeros((1, 3, 4), np.int32)}),
        pb.InferenceRequest({"CODES": good[2]}),
        pb.InferenceRequest({"CODES": codes(21, 5)}),
        pb.InferenceRequest({}),
    ]
    pb.MetricFamily.reset()
    model = start_decoder(tiny32k_dir)
    try:
        written = facts.collect_facts()
        responses = model.execute(requests)
        exported = pb.MetricFamily.values()
    finally:
        model.finalize()
    assert facts.collect_facts() == {"contract": "1.3", "models": {}}  # finalize removed the file
    assert written == {
        "contract": "1.3",
        "models": {
            "encodec_decode": {
                "instances": 1,
                "model_id": tiny32k_dir,
                "source": tiny32k_dir,
                "revision": None,
                "weights": "random",
                "device": "cpu",
                "dtypes": {"encodec": "float32"},
                "max_frames": 20,
                "max_batch_size": 4,
            }
        },
    }

    assert len(responses) == len(requests)
    errors = [(r.error().code(), r.error().message()) for r in responses if r.has_error()]
    assert errors == [
        (
            pb.TritonError.INVALID_ARG,
            "[INVALID_ARG] Cannot decode as input 'CODES' must hold values in 0..2047: current value is 4096",
        ),
        (
            pb.TritonError.INVALID_ARG,
            "[INVALID_ARG] Cannot decode as input 'CODES' must have shape [1, 4, T]: current value is shape [1, 3, 4]",
        ),
        (
            pb.TritonError.INVALID_ARG,
            "[INVALID_ARG] Cannot decode as input 'CODES' must have 1 to 20 frames (T of [1, 4, T]; max_frames): "
            "current value is 21",
        ),
        (pb.TritonError.INVALID_ARG, "[INVALID_ARG] Cannot decode as required input 'CODES' is missing"),
    ]
    for response, c in zip([responses[0], responses[2], responses[4]], good):
        assert not response.has_error()
        (tensor,) = response.output_tensors()
        assert tensor.name() == "AUDIO"
        with torch.no_grad():
            expected = reference_codec.decode(torch.from_numpy(c.astype(np.int64))[None], [None])[0][:, 0].numpy()
        assert tensor.as_numpy().shape == (1, c.shape[2] * 640)
        np.testing.assert_allclose(tensor.as_numpy(), expected, rtol=0, atol=1e-6)  # bit-equal on the CI CPU

    labels = (("model", "encodec_decode"), ("version", "1"))
    seconds = exported[("encodec_decode_codec_seconds_total", labels)]
    assert seconds > 0
    assert exported == {  # counted before execute() returned; T 4 + 4 in one call, T 3 in another
        ("encodec_decode_requests_completed_total", labels): 3,
        ("encodec_decode_requests_failed_total", (labels[0], ("reason", "INVALID_ARG"), labels[1])): 4,
        ("encodec_decode_requests_failed_total", (labels[0], ("reason", "INTERNAL"), labels[1])): 0,
        ("encodec_decode_frames_decoded_total", labels): 11,
        ("encodec_decode_codec_calls_total", labels): 2,
        ("encodec_decode_codec_rows_total", labels): 3,
        ("encodec_decode_codec_seconds_total", labels): seconds,
    }


def test_refuses_a_codec_the_contract_cannot_carry(tiny_dir, facts_root):
    with pytest.raises(ValueError) as err:
        start_decoder(tiny_dir)  # the toy codec: 800 Hz, 16 samples per frame
    assert (
        str(err.value)
        == "Cannot load encodec_decode as the checkpoint's codec frame hop must be 640 samples: current value is 16"
    )
    assert facts.collect_facts()["models"] == {}


def test_musicgen_info_reports_what_is_loaded(facts_root):
    pb = fake_pb_utils
    info = load_module("musicgen_info").TritonPythonModel()
    (empty,) = info.execute([pb.InferenceRequest({})])
    assert [t.name() for t in empty.output_tensors()] == ["FACTS"]
    (document,) = empty.output_tensors()[0].as_numpy()
    assert json.loads(document.decode("utf-8")) == {"contract": "1.3", "models": {}}

    path = facts.write_facts("encodec_decode", "encodec_decode_0", {"device": "cpu", "max_frames": 1500})
    first, second = info.execute([pb.InferenceRequest({}), pb.InferenceRequest({})])
    expected = {"contract": "1.3", "models": {"encodec_decode": {"instances": 1, "device": "cpu", "max_frames": 1500}}}
    for response in (first, second):
        assert json.loads(response.output_tensors()[0].as_numpy()[0]) == expected
    facts.remove_facts(path)
