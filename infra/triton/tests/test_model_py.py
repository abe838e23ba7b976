"""model.py and config.pbtxt against the contract, with a stub of triton_python_backend_utils."""

import importlib.util
import json
import os
import time

import fake_pb_utils
import numpy as np
import pbtxt
import pytest
import torch
from checksums import sha256_of_files

from musicgen_serving.hf_reference import transformers_codes

pytestmark = pytest.mark.usefixtures("facts_root")  # facts files go to a temporary directory

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model_repository", "musicgen_lm")

CONTRACT_INPUTS = [
    ("TEXT", "TYPE_STRING", [1], False),
    ("NUM_FRAMES", "TYPE_INT32", [1], False),
    ("PROMPT_CODES", "TYPE_INT32", [4, -1], True),
    ("SEED", "TYPE_INT64", [1], True),
    ("GUIDANCE_SCALE", "TYPE_FP32", [1], True),
    ("TOP_K", "TYPE_INT32", [1], True),
    ("TOP_P", "TYPE_FP32", [1], True),
    ("TEMPERATURE", "TYPE_FP32", [1], True),
]
CONTRACT_OUTPUTS = [
    ("CODES", "TYPE_INT32", [4, -1]),
    ("FRAMES_DONE", "TYPE_INT32", [1]),
    ("QUEUE_POSITION", "TYPE_INT32", [1]),
    ("TEXT_TOKENS", "TYPE_INT32", [2]),
]


def read_config():
    with open(os.path.join(REPO, "config.pbtxt")) as f:
        return pbtxt.parse(f.read())


def test_config_pbtxt_implements_the_contract():
    cfg = read_config()
    assert (cfg["name"], cfg["backend"], cfg["max_batch_size"]) == ("musicgen_lm", "python", 0)
    assert cfg["model_transaction_policy"] == {"decoupled": True}
    assert [(i["name"], i["data_type"], i["dims"], i.get("optional", False)) for i in cfg["input"]] == CONTRACT_INPUTS
    assert [(o["name"], o["data_type"], o["dims"]) for o in cfg["output"]] == CONTRACT_OUTPUTS
    params = {p["key"]: p["value"]["string_value"] for p in cfg["parameters"]}
    assert params["model_id"] == "medium" and params["progress_interval_frames"] == "50"


@pytest.mark.parametrize(
    "params, device, expected",
    [
        ({}, "cuda", ("float32", "float16")),
        ({"text_encoder_dtype": {"string_value": "float16"}}, "cuda", ("float16", "float16")),
        ({"dtype": {"string_value": "bfloat16"}}, "cuda", ("float32", "bfloat16")),
        ({}, "cpu", ("float32", "float32")),
    ],
)
def test_text_encoder_runs_in_float32_unless_configured(params, device, expected):
    import torch

    from musicgen_serving.config import ServingConfig
    from musicgen_serving.loader import part_dtypes

    text, decoder = part_dtypes(ServingConfig.from_parameters(params), torch.device(device))
    assert (str(text), str(decoder)) == tuple(f"torch.{d}" for d in expected)


def test_text_encoder_dtype_is_validated():
    from musicgen_serving.config import ServingConfig

    with pytest.raises(ValueError) as refused:
        ServingConfig.from_parameters({"text_encoder_dtype": {"string_value": "int8"}})
    assert str(refused.value) == (
        "Cannot load musicgen_lm as parameter 'text_encoder_dtype' must be one of "
        "('float16', 'bfloat16', 'float32'): current value is 'int8'"
    )


def test_config_parameters_parse():
    from musicgen_serving.config import ServingConfig

    params = {p["key"]: p["value"] for p in read_config()["parameters"]}
    cfg = ServingConfig.from_parameters(params)
    assert cfg == ServingConfig()
    assert cfg.resolved_model_id == "facebook/musicgen-medium"
    assert cfg.max_concurrent_requests == 0  # "auto"
    assert (
        ServingConfig.from_parameters({"max_concurrent_requests": {"string_value": "12"}}).max_concurrent_requests == 12
    )
    with pytest.raises(ValueError) as err:
        ServingConfig.from_parameters({"max_concurrent_requests": {"string_value": "lots"}})
    assert str(err.value) == (
        "Cannot load musicgen_lm as parameter 'max_concurrent_requests' is not a valid " "int: current value is 'lots'"
    )


def load_model_module():
    fake_pb_utils.install()
    spec = importlib.util.spec_from_file_location("musicgen_lm_model", os.path.join(REPO, "1", "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def start_model(tiny_dir, **overrides):
    cfg = read_config()
    params = {p["key"]: p["value"] for p in cfg["parameters"]}
    settings = {
        "model_id": tiny_dir,
        "max_concurrent_requests": "2",
        "progress_interval_frames": "5",
        "max_text_tokens": "16",
        "kv_block": "16",
        "liveness_interval_ms": "60000",  # only the acknowledgement, unless a test asks for more
    }
    settings.update(overrides)
    params.update({k: {"string_value": v} for k, v in settings.items()})
    cfg["parameters"] = params
    model = load_model_module().TritonPythonModel()
    model.initialize(
        {
            "model_config": json.dumps(cfg),
            "model_instance_kind": "CPU",
            "model_instance_device_id": "0",
            "model_name": "musicgen_lm",
            "model_instance_name": "musicgen_lm_0_0",
            "model_version": "1",
        }
    )
    return model


def inputs(text, frames, **extra):
    out = {"TEXT": np.array([text.encode()], dtype=object), "NUM_FRAMES": np.array([frames], dtype=np.int32)}
    out.update(extra)
    return out


def wait(requests, timeout=60.0):
    deadline = time.time() + timeout
    for r in requests:
        assert r.sender.done.wait(max(0.0, deadline - time.time())), "no final response in time"


def outputs_of(sender):
    """Each response's outputs as {name: array}, in order (the bare final flag of a cancel left out)."""
    found = []
    for response, _ in sender.sent:
        if response is None:
            continue
        assert not response.has_error(), response.error().message()
        out = {t.name(): t.as_numpy() for t in response.output_tensors()}
        assert list(out) == ["CODES", "FRAMES_DONE", "QUEUE_POSITION", "TEXT_TOKENS"]
        assert all(a.dtype == np.int32 for a in out.values())
        found.append(out)
    return found


def codes_of(sender):
    found = outputs_of(sender)
    return np.concatenate([o["CODES"] for o in found], axis=1), [int(o["FRAMES_DONE"][0]) for o in found]


def test_streams_codes_and_isolates_bad_requests(tiny, tiny_dir):
    pb = fake_pb_utils
    model = start_model(tiny_dir)
    try:
        greedy = pb.InferenceRequest(inputs("lofi beat with piano", 12, TEMPERATURE=np.array([0.0], np.float32)), "g")
        bad = pb.InferenceRequest(inputs("oops", 0), "bad")
        prompt = np.random.default_rng(3).integers(0, 2048, size=(4, 6)).astype(np.int32)
        cont = pb.InferenceRequest(inputs("jazz saxophone", 7, PROMPT_CODES=prompt, SEED=np.array([5], np.int64)), "c")
        missing = pb.InferenceRequest({"NUM_FRAMES": np.array([3], np.int32)}, "m")
        assert model.execute([greedy, bad, cont, missing]) is None
        wait([greedy, bad, cont, missing])
    finally:
        model.finalize()

    ((err, flags),) = bad.sender.sent
    assert flags == pb.TRITONSERVER_RESPONSE_COMPLETE_FINAL and err.has_error()
    assert err.error().code() == pb.TritonError.INVALID_ARG
    assert err.error().message() == (
        "[INVALID_ARG] Cannot accept request as input 'NUM_FRAMES' must be >= 1: current value is 0"
    )
    assert missing.sender.sent[0][0].error().message() == (
        "[INVALID_ARG] Cannot accept request as required input 'TEXT' is missing"
    )

    codes, done = codes_of(greedy.sender)
    assert codes.shape == (4, 12) and done == [0, 5, 10, 12]  # acknowledged first, with no frames
    assert [f for _, f in greedy.sender.sent] == [0, 0, 0, pb.TRITONSERVER_RESPONSE_COMPLETE_FINAL]
    assert [o["TEXT_TOKENS"].tolist() for o in outputs_of(greedy.sender)] == [[5, 5]] * 4  # 4 words and </s>
    model_, tok = tiny
    np.testing.assert_array_equal(codes, transformers_codes(model_, tok, "lofi beat with piano", 12, 3.0))

    codes, done = codes_of(cont.sender)
    assert codes.shape == (4, 7) and done[-1] == 7 and codes.min() >= 0 and codes.max() < 2048


def test_cancelled_request_ends_with_final_flag_and_others_finish(tiny_dir):
    pb = fake_pb_utils
    model = start_model(tiny_dir, progress_interval_frames="2")
    try:
        a = pb.InferenceRequest(inputs("dark ambient", 40, SEED=np.array([1], np.int64)), "a")
        b = pb.InferenceRequest(inputs("bright piano", 20, SEED=np.array([2], np.int64)), "b")
        a.sender.cancel_after_sends = 2  # the client goes away after the acknowledgement and one progress response
        early = pb.InferenceRequest(inputs("calm", 5), "early")
        early.sender.cancelled = True  # cancelled before it reached the model
        model.execute([a, b, early])
        wait([a, b, early])
    finally:
        model.finalize()
    assert early.sender.sent == [(None, pb.TRITONSERVER_RESPONSE_COMPLETE_FINAL)]
    assert len(a.sender.sent) == 3 and a.sender.sent[0][1] == 0 and a.sender.sent[1][1] == 0
    assert a.sender.sent[2] == (None, pb.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
    codes, done = codes_of(b.sender)
    assert codes.shape == (4, 20) and done[-1] == 20


def test_a_waiting_or_silent_request_gets_liveness_responses(tiny_dir):
    pb = fake_pb_utils
    model = start_model(
        tiny_dir, max_concurrent_requests="1", progress_interval_frames="1000", liveness_interval_ms="20"
    )
    step = model.engine.runner.step

    def slow_step(*args):  # 5 ms a step: the 150 frames of "a" take about a second
        time.sleep(0.005)
        return step(*args)

    model.engine.runner.step = slow_step
    long_prompt = " ".join(f"word{i}" for i in range(20))
    try:
        a = pb.InferenceRequest(inputs("dark ambient", 150, SEED=np.array([1], np.int64)), "a")
        b = pb.InferenceRequest(inputs(long_prompt, 4, SEED=np.array([2], np.int64)), "b")
        model.execute([a, b])
        wait([a, b])
    finally:
        model.finalize()

    a_out = outputs_of(a.sender)
    # between its acknowledgement and its only progress response (the final one): responses of no frames
    assert [(o["CODES"].shape, int(o["FRAMES_DONE"][0]), int(o["QUEUE_POSITION"][0])) for o in a_out[:-1]] == [
        ((4, 0), 0, 0)
    ] * (len(a_out) - 1)
    assert len(a_out) >= 6 and a_out[-1]["CODES"].shape == (4, 150)
    assert {tuple(o["TEXT_TOKENS"].tolist()) for o in a_out} == {(3, 3)}

    b_out = outputs_of(b.sender)
    positions = [int(o["QUEUE_POSITION"][0]) for o in b_out]
    waiting = positions.index(0)
    assert waiting >= 4 and set(positions[:waiting]) == {1} and set(positions[waiting:]) == {0}
    assert [o["CODES"].shape for o in b_out[:waiting]] == [(4, 0)] * waiting
    assert {tuple(o["TEXT_TOKENS"].tolist()) for o in b_out} == {(21, 16)}  # truncated to max_text_tokens
    assert codes_of(b.sender)[0].shape == (4, 4)


def test_full_queue_answers_unavailable(tiny_dir):
    pb = fake_pb_utils
    model = start_model(tiny_dir, max_queue_size="0")
    try:
        r = pb.InferenceRequest(inputs("calm", 3), "q")
        model.execute([r])
    finally:
        model.finalize()
    ((resp, flags),) = r.sender.sent
    assert flags == pb.TRITONSERVER_RESPONSE_COMPLETE_FINAL
    assert resp.error().code() == pb.TritonError.UNAVAILABLE
    assert resp.error().message() == (
        "[UNAVAILABLE] Cannot queue request 'q#1' as the queue is full: 0 requests are waiting "
        "(max_queue_size 0); retry later"
    )


def test_exports_its_numbers_as_metrics(tiny_dir):
    pb = fake_pb_utils
    pb.MetricFamily.reset()
    model = start_model(tiny_dir)
    labels = (("model", "musicgen_lm"), ("version", "1"))

    def exported():
        out = {}
        for (name, series), value in pb.MetricFamily.values().items():
            reason = dict(series).get("reason")
            assert tuple(kv for kv in series if kv[0] != "reason") == labels
            out[name if reason is None else f"{name}{{{reason}}}"] = value
        return out

    try:
        at_load = exported()
        a = pb.InferenceRequest(inputs("lofi beat", 12, SEED=np.array([1], np.int64)), "a")
        b = pb.InferenceRequest(inputs("jazz", 7), "b")
        bad = pb.InferenceRequest(inputs("oops", 0), "bad")
        early = pb.InferenceRequest(inputs("calm", 5), "early")
        early.sender.cancelled = True
        model.execute([a, b, bad, early])
        wait([a, b, bad, early])
        done = exported()
    finally:
        model.finalize()
    after = exported()
    zero = {
        "musicgen_lm_slots_in_use": 0,
        "musicgen_lm_slots": 2,
        "musicgen_lm_waiting_requests": 0,
        "musicgen_lm_requests_completed_total": 0,
        "musicgen_lm_requests_failed_total{INVALID_ARG}": 0,
        "musicgen_lm_requests_failed_total{UNAVAILABLE}": 0,
        "musicgen_lm_requests_failed_total{INTERNAL}": 0,
        "musicgen_lm_requests_cancelled_total": 0,
        "musicgen_lm_frames_generated_total": 0,
        "musicgen_lm_decode_steps_total": 0,
        "musicgen_lm_decode_step_seconds_total": 0,
    }
    assert at_load == zero
    # counted and published before the final responses went out (no waiting for the publisher thread)
    seconds = done["musicgen_lm_decode_step_seconds_total"]
    assert seconds > 0
    assert done == {
        **zero,
        "musicgen_lm_requests_completed_total": 2,
        "musicgen_lm_requests_failed_total{INVALID_ARG}": 1,
        "musicgen_lm_requests_cancelled_total": 1,
        "musicgen_lm_frames_generated_total": 19,
        "musicgen_lm_decode_steps_total": 15,  # "a" (12 frames + 3 delay steps) is first and longest
        "musicgen_lm_decode_step_seconds_total": seconds,
    }
    # unloaded: its share of the gauges is gone; the last iteration's time came in after its responses
    later = after["musicgen_lm_decode_step_seconds_total"]
    assert later >= seconds
    assert after == {**done, "musicgen_lm_slots": 0, "musicgen_lm_decode_step_seconds_total": later}


def test_auto_slots_from_free_memory(tiny):
    from musicgen_serving import random_model
    from musicgen_serving.decoder import DecoderOptions
    from musicgen_serving.loader import auto_slots, slot_bytes

    class Medium:  # only the decoder config is read
        class decoder:
            config = random_model.build_config("medium").decoder

    per_slot = slot_bytes(Medium, DecoderOptions(max_text_tokens=64, kv_block=128), torch.float16)
    assert per_slot == 2 * 2 * 48 * 1536 * 2 * (1536 + 64)  # 0.94 GB: K and V, cond and uncond rows
    gib = 2**30
    assert auto_slots(int(43 * gib), per_slot) == 41  # an L40S after loading medium, nothing reserved
    assert auto_slots(int(43 * gib), per_slot, 6 * gib) == 34  # ... leaving 6 GiB to encodec_decode
    assert auto_slots(int(130 * gib), per_slot, 6 * gib) == 64  # an H200: capped
    assert auto_slots(int(1 * gib), per_slot, 6 * gib) == 1
    # (43 * 0.9 - 2 - 6) GiB = 30.7 GiB of slots at 0.94 GB (0.88 GiB) each
    assert int((43 * 0.9 - 2 - 6) * gib // per_slot) == 34


def test_publishes_what_it_serves_until_finalize(tiny_dir, facts_root):
    from musicgen_serving import facts

    model = start_model(tiny_dir, max_queue_size="7")
    try:
        published = facts.collect_facts()
        check = published["models"]["musicgen_lm"]["text_encoder_check"]
    finally:
        model.finalize()
    assert check["finite"] is True and 0 < check["max_abs"] < 1e4
    assert published == {
        "contract": "1.3",
        "models": {
            "musicgen_lm": {
                "instances": 1,
                "model_id": tiny_dir,
                "source": tiny_dir,
                "revision": None,
                "weights": "random",
                "device": "cpu",
                "dtypes": {"text_encoder": "float32", "decoder": "float32"},
                "max_concurrent_requests": 2,
                "max_queue_size": 7,
                "max_text_tokens": 16,
                "max_total_frames": 1500,
                "liveness_interval_ms": 60000,
                "files": sha256_of_files(tiny_dir),
                "text_encoder_check": {
                    "finite": True,
                    "non_finite": 0,
                    "max_abs": check["max_abs"],
                    "prompts": 3,
                    "dtype": "float32",
                },
            }
        },
    }
    assert facts.collect_facts() == {"contract": "1.3", "models": {}}
