import math

import torch

from musicgen_serving.self_test import SELF_TEST_PROMPTS, summarize_states, text_encoder_check


def test_finite_states_are_summarized():
    states = torch.tensor([[[0.25, -1.5], [0.0, 0.75]]], dtype=torch.float16)
    assert summarize_states(states, 1) == {
        "finite": True,
        "non_finite": 0,
        "max_abs": 1.5,
        "prompts": 1,
        "dtype": "float16",
    }


def test_nan_and_inf_are_counted_and_left_out_of_the_magnitude():
    states = torch.tensor([[[0.5, math.nan], [math.inf, -2.0]], [[-math.inf, 0.0], [1.0, 1.0]]])
    assert summarize_states(states, 2) == {
        "finite": False,
        "non_finite": 3,
        "max_abs": 2.0,
        "prompts": 2,
        "dtype": "float32",
    }


def test_states_with_nothing_finite():
    assert summarize_states(torch.full((1, 2, 2), math.nan), 1)["max_abs"] == 0.0


def test_the_check_encodes_the_fixed_prompts_as_requests_are(tiny):
    from musicgen_serving.decoder import DecoderOptions, StaticCacheDecoder

    model, tokenizer = tiny
    decoder = StaticCacheDecoder(model, tokenizer, DecoderOptions(max_slots=1, max_text_tokens=16, kv_block=16))
    states, _ = decoder.encode_text(list(SELF_TEST_PROMPTS))
    check = text_encoder_check(decoder)
    assert check == summarize_states(states, 3)
    assert check["finite"] is True and check["prompts"] == 3 and check["max_abs"] > 0


def test_a_text_encoder_that_overflows_is_reported():
    class Overflowing:  # what a float16 T5 does on some inputs
        def encode_text(self, texts):
            states = torch.ones(len(texts), 4, 8, dtype=torch.float16) * 65504
            return states * 2, torch.ones(len(texts), 4)

    check = text_encoder_check(Overflowing())
    assert check == {"finite": False, "non_finite": 96, "max_abs": 0.0, "prompts": 3, "dtype": "float16"}
