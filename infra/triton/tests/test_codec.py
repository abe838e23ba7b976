"""encodec_decode's building blocks: the codec loaded on its own, CODES validation, batching, memory."""

import numpy as np
import pytest
import torch

from musicgen_serving.checkpoint import locate
from musicgen_serving.codec import CodecDecoder, check_codec, load_codec, match_weight_norm_names
from musicgen_serving.decode_batch import DecodeOutcome, decode_all, plan_batches
from musicgen_serving.decode_request import parse_codes
from musicgen_serving.memory import DECODER_PARAMETERS, GIB, decode_reserve_bytes
from musicgen_serving.random_model import build_config
from musicgen_serving.request import InvalidInputError


@pytest.fixture(scope="module")
def decoder(tiny32k_dir):
    return CodecDecoder(load_codec(locate(tiny32k_dir), torch.device("cpu"), torch.float32))


def codes(rows, frames, seed):
    return np.random.default_rng(seed).integers(0, 2048, size=(rows, 4, frames)).astype(np.int32)


def reference(codec, c):
    with torch.no_grad():
        return codec.decode(torch.from_numpy(c.astype(np.int64))[None], [None])[0][:, 0].numpy()


def test_decoding_equals_transformers(decoder, reference_codec):
    c = codes(2, 6, seed=1)
    audio = decoder.decode(c.astype(np.int64))
    assert audio.shape == (2, 6 * 640) and audio.dtype == np.float32
    np.testing.assert_array_equal(audio, reference(reference_codec, c))  # exact in fp32 on CPU


def test_only_the_decoder_and_quantizer_are_loaded(decoder):
    assert decoder.model.encoder is None
    count = sum(p.numel() for p in decoder.model.parameters()) + sum(b.numel() for b in decoder.model.buffers())
    assert count == DECODER_PARAMETERS  # the released 32 kHz shape; memory.py's weights estimate uses it
    assert not any(name.endswith(("weight_g", "weight_v", "original0")) for name, _ in decoder.model.named_parameters())


def test_a_batch_equals_one_by_one(decoder):
    batch = [codes(1, 5, seed=s) for s in range(3)]
    together = decode_all(batch, decoder.decode, max_rows=4)
    for c, outcome in zip(batch, together):
        alone = decoder.decode(c.astype(np.int64))
        np.testing.assert_allclose(outcome.audio, alone, rtol=0, atol=1e-6)  # bit-equal on the CI CPU


def test_codecs_the_contract_cannot_carry_are_refused():
    good = build_config("tiny-32k").audio_encoder.to_dict()
    check_codec(good)
    cases = [
        ({"upsampling_ratios": [8, 5, 4, 2]}, "frame hop must be 640 samples: current value is 320"),
        ({"sampling_rate": 24000}, "sample rate must be 32000 Hz: current value is 24000"),
        ({"audio_channels": 2}, "audio must be mono (1 channel): current value is 2"),
        ({"codebook_size": 1024}, "codebook size must be 2048: current value is 1024"),
        ({"target_bandwidths": [1.1]}, "must have at least 4 codebooks: current value is 2"),
    ]
    for change, message in cases:
        with pytest.raises(ValueError) as err:
            check_codec({**good, **change})
        assert str(err.value) == f"Cannot load encodec_decode as the checkpoint's codec {message}"


def test_weight_norm_names_follow_the_model():
    t = torch.zeros(1)
    old = {"a.conv.weight_g": t, "a.conv.weight_v": t, "a.conv.bias": t}
    new = {
        "a.conv.parametrizations.weight.original0": t,
        "a.conv.parametrizations.weight.original1": t,
        "a.conv.bias": t,
    }
    assert list(match_weight_norm_names(old, set(new))) == list(new)
    assert list(match_weight_norm_names(new, set(old))) == list(old)
    assert list(match_weight_norm_names(old, set(old))) == list(old)


@pytest.mark.parametrize(
    "value, message",
    [
        (None, "Cannot decode as required input 'CODES' is missing"),
        (
            np.zeros((1, 4, 5), np.float32),
            "Cannot decode as input 'CODES' must have data type INT32: current value is float32",
        ),
        (
            np.zeros((4, 5), np.int32),
            "Cannot decode as input 'CODES' must have shape [1, 4, T]: current value is shape [4, 5]",
        ),
        (
            np.zeros((1, 3, 5), np.int32),
            "Cannot decode as input 'CODES' must have shape [1, 4, T]: current value is shape [1, 3, 5]",
        ),
        (
            np.zeros((0, 4, 5), np.int32),
            "Cannot decode as input 'CODES' must have shape [1, 4, T]: current value is shape [0, 4, 5]",
        ),
        (
            np.zeros((1, 4, 0), np.int32),
            "Cannot decode as input 'CODES' must have 1 to 20 frames (T of [1, 4, T]; max_frames): current value is 0",
        ),
        (
            np.zeros((1, 4, 21), np.int32),
            "Cannot decode as input 'CODES' must have 1 to 20 frames (T of [1, 4, T]; max_frames): current value is 21",
        ),
        (
            np.full((1, 4, 5), 4096, np.int32),
            "Cannot decode as input 'CODES' must hold values in 0..2047: current value is 4096",
        ),
        (
            np.full((1, 4, 5), -3, np.int32),
            "Cannot decode as input 'CODES' must hold values in 0..2047: current value is -3",
        ),
    ],
)
def test_bad_codes(value, message):
    with pytest.raises(InvalidInputError) as err:
        parse_codes(value, max_frames=20)
    assert str(err.value) == message


def test_good_codes():
    got = parse_codes(np.full((2, 4, 20), 2047, np.int32), max_frames=20)
    assert (got.dtype, got.shape, int(got.max())) == (np.int64, (2, 4, 20), 2047)


def shaped(rows, frames):
    return np.zeros((rows, 4, frames), np.int64)


def test_plan_batches_groups_equal_frames_up_to_max_rows():
    reqs = [shaped(1, 5), shaped(1, 7), shaped(1, 5), shaped(2, 5), shaped(1, 5), shaped(5, 7), shaped(1, 7)]
    assert plan_batches(reqs, max_rows=4) == [[0, 2, 3], [4], [1], [5], [6]]
    assert plan_batches(reqs, max_rows=1) == [[0], [2], [3], [4], [1], [5], [6]]
    assert plan_batches([], max_rows=4) == []


def test_decode_all_isolates_a_failing_request():
    calls = []

    def decode(c):  # fails on any batch holding a row of 13s, returns the first code as the "audio"
        calls.append(c.shape[0])
        if (c == 13).any():
            raise RuntimeError("CUDA error: out of memory")
        return np.repeat(c[:, 0, :1].astype(np.float32), c.shape[2] * 640, axis=1)

    reqs = [np.full((1, 4, 3), v, np.int64) for v in (1, 13, 2)] + [np.full((1, 4, 4), 7, np.int64)]
    logs = []
    out = decode_all(reqs, decode, max_rows=4, log=logs.append)
    assert calls == [3, 1, 1, 1, 1]  # the batch of three, then one by one; the T=4 request alone
    assert [o.audio[0, 0] if o.audio is not None else None for o in out] == [1.0, None, 2.0, 7.0]
    assert out[1] == DecodeOutcome(
        error_class="INTERNAL", error="Cannot decode 3 frames as the codec failed: CUDA error: out of memory"
    )
    assert [o.audio.shape for o in (out[0], out[2], out[3])] == [(1, 1920), (1, 1920), (1, 2560)]
    assert len(logs) == 2 and logs[0].startswith("encodec_decode: a batch of 3 requests failed, retrying one by one")


def test_decode_reserve_arithmetic():
    mib = 2**20
    # 0.705 MiB per frame and row (measured, fp32) x 4 rows x 1500 frames x 1.25 margin = 5287.5 MiB,
    # + 30.5 M weights x 4 bytes (116.5 MiB) + 512 MiB CUDA context
    assert decode_reserve_bytes(4, 1500) == int(int(0.705 * mib) * 4 * 1500 * 1.25 + DECODER_PARAMETERS * 4 + 512 * mib)
    assert round(decode_reserve_bytes(4, 1500) / GIB, 2) == 5.78
    assert round(decode_reserve_bytes(4, 1500, "float16") / GIB, 2) == 3.14
    assert round(decode_reserve_bytes(8, 1500) / GIB, 2) == 10.94
