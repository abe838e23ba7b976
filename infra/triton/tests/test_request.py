"""Validation of contract inputs (ARCHITECTURE.md section 1)."""

import numpy as np
import pytest

from musicgen_serving.request import GenerationRequest, InvalidInputError, parse_request


def base(**extra):
    inputs = {"TEXT": np.array([b"lofi beat"], dtype=object), "NUM_FRAMES": np.array([100], dtype=np.int32)}
    inputs.update(extra)
    return inputs


def test_defaults():
    req = parse_request(base(SEED=np.array([7], dtype=np.int64)))
    assert req == GenerationRequest(
        text="lofi beat",
        num_frames=100,
        prompt_codes=None,
        seed=7,
        guidance_scale=3.0,
        top_k=250,
        top_p=0.0,
        temperature=1.0,
    )


def test_all_inputs():
    codes = np.arange(8, dtype=np.int32).reshape(4, 2)
    req = parse_request(
        base(
            PROMPT_CODES=codes,
            SEED=np.array([-3], dtype=np.int64),
            GUIDANCE_SCALE=np.array([1.0], dtype=np.float32),
            TOP_K=np.array([0], dtype=np.int32),
            TOP_P=np.array([0.9], dtype=np.float32),
            TEMPERATURE=np.array([0.0], dtype=np.float32),
        )
    )
    assert req.prompt_frames == 2 and req.prompt_codes.dtype == np.int64
    assert (req.seed, req.guidance_scale, req.top_k, req.temperature) == (-3, 1.0, 0, 0.0)
    assert req.top_p == pytest.approx(0.9)


def test_empty_text_is_unconditional_and_missing_seed_is_random():
    a = parse_request(base(TEXT=np.array([b""], dtype=object)))
    b = parse_request(base(TEXT=np.array([b""], dtype=object)))
    assert a.text == "" and a.seed != b.seed


@pytest.mark.parametrize(
    "inputs, message",
    [
        ({"NUM_FRAMES": np.array([5], dtype=np.int32)}, "Cannot accept request as required input 'TEXT' is missing"),
        (base(NUM_FRAMES=None), "Cannot accept request as required input 'NUM_FRAMES' is missing"),
        (
            base(NUM_FRAMES=np.array([0], dtype=np.int32)),
            "Cannot accept request as input 'NUM_FRAMES' must be >= 1: current value is 0",
        ),
        (
            base(NUM_FRAMES=np.array([1501], dtype=np.int32)),
            "Cannot accept request as input 'NUM_FRAMES' plus the 0 PROMPT_CODES frames must be <= 1500: "
            "current value is 1501",
        ),
        (
            base(NUM_FRAMES=np.array([1400], dtype=np.int32), PROMPT_CODES=np.zeros((4, 101), dtype=np.int32)),
            "Cannot accept request as input 'NUM_FRAMES' plus the 101 PROMPT_CODES frames must be <= 1500: "
            "current value is 1400",
        ),
        (
            base(NUM_FRAMES=np.array([1, 2], dtype=np.int32)),
            "Cannot accept request as input 'NUM_FRAMES' must have shape [1]: current value is shape [2]",
        ),
        (
            base(PROMPT_CODES=np.zeros((3, 5), dtype=np.int32)),
            "Cannot accept request as input 'PROMPT_CODES' must have shape [4, P] with P >= 1: "
            "current value is shape [3, 5]",
        ),
        (
            base(PROMPT_CODES=np.zeros((4, 0), dtype=np.int32)),
            "Cannot accept request as input 'PROMPT_CODES' must have shape [4, P] with P >= 1: "
            "current value is shape [4, 0]",
        ),
        (
            base(PROMPT_CODES=np.full((4, 2), 2048, dtype=np.int32)),
            "Cannot accept request as input 'PROMPT_CODES' must hold values in 0..2047: current value is 2048",
        ),
        (
            base(PROMPT_CODES=np.full((4, 2), -1, dtype=np.int32)),
            "Cannot accept request as input 'PROMPT_CODES' must hold values in 0..2047: current value is -1",
        ),
        (
            base(TEXT=np.array([b"\xff\xfe"], dtype=object)),
            "Cannot accept request as input 'TEXT' must be valid UTF-8: current value is b'\\xff\\xfe'",
        ),
        (
            base(TOP_K=np.array([-1], dtype=np.int32)),
            "Cannot accept request as input 'TOP_K' must be an integer in [0, 2048] (0 disables top-k): "
            "current value is -1",
        ),
        (
            base(TOP_K=np.array([2049], dtype=np.int32)),
            "Cannot accept request as input 'TOP_K' must be an integer in [0, 2048] (0 disables top-k): "
            "current value is 2049",
        ),
        (
            base(TOP_P=np.array([1.5], dtype=np.float32)),
            "Cannot accept request as input 'TOP_P' must be a finite number in [0.0, 1.0]: current value is 1.5",
        ),
        (
            base(TOP_P=np.array([1e-40], dtype=np.float32)),
            "Cannot accept request as input 'TOP_P' must be 0 or at least 1.1754943508222875e-38 (a normal FP32 "
            "number): current value is 9.99994610111476e-41",
        ),
        (
            base(TEMPERATURE=np.array([np.nan], dtype=np.float32)),
            "Cannot accept request as input 'TEMPERATURE' must be a finite number in [0.0, 100.0]: "
            "current value is nan",
        ),
        (
            base(GUIDANCE_SCALE=np.array([-1.0], dtype=np.float32)),
            "Cannot accept request as input 'GUIDANCE_SCALE' must be a finite number in [0.0, 100.0]: "
            "current value is -1.0",
        ),
    ],
)
def test_bad_inputs_name_the_input_and_value(inputs, message):
    with pytest.raises(InvalidInputError) as err:
        parse_request(inputs)
    assert str(err.value) == message
