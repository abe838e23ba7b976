"""The static-cache decoder against transformers' MusicGen, on a tiny random configuration."""

import numpy as np
import pytest
import torch

from musicgen_serving.decoder import DecoderOptions, StaticCacheDecoder, delayed_steps
from musicgen_serving.graphs import StepRunner
from musicgen_serving.hf_reference import transformers_codes
from musicgen_serving.request import GenerationRequest

OPTIONS = DecoderOptions(max_slots=4, max_frames=120, max_text_tokens=16, kv_block=16)


def make(tiny, buckets=(1, 2, 4)):
    model, tokenizer = tiny
    dec = StaticCacheDecoder(model, tokenizer, OPTIONS)
    return dec, StepRunner(dec, buckets, use_graphs=False)


def request(text="lofi beat with piano", n=20, **kw):
    kw.setdefault("seed", 1)
    kw.setdefault("temperature", 0.0)
    return GenerationRequest(text=text, num_frames=n, prompt_codes=kw.pop("prompt", None), **kw)


def generate_alone(tiny, req):
    dec, run = make(tiny)
    dec.admit([0], [req])
    for i in range(req.num_frames + 3):
        run.step(1, req.prompt_frames + i + 1)
    return dec.read_frames(0, 0, req.num_frames).astype(np.int64)


@pytest.mark.parametrize("guidance", [1.0, 3.0])
def test_greedy_codes_match_transformers(tiny, guidance):
    ref = transformers_codes(*tiny, "lofi beat with piano", 24, guidance)
    ours = generate_alone(tiny, request(n=24, guidance_scale=guidance))
    assert ours.shape == (4, 24)
    np.testing.assert_array_equal(ours, ref)


def test_greedy_continuation_matches_transformers(tiny):
    prompt = np.random.default_rng(0).integers(0, 2048, size=(4, 9))
    ref = transformers_codes(*tiny, "calm ambient pad", 15, 3.0, prompt)
    ours = generate_alone(tiny, request("calm ambient pad", 15, prompt=prompt, guidance_scale=3.0))
    np.testing.assert_array_equal(ours, ref)


def test_empty_text_unconditional_matches_transformers(tiny):
    ref = transformers_codes(*tiny, "", 12, 3.0)
    np.testing.assert_array_equal(generate_alone(tiny, request("", 12, guidance_scale=3.0)), ref)


def test_delayed_steps_layout():
    codes = np.arange(8).reshape(4, 2) + 10
    steps = delayed_steps(codes, 4, 2048)
    pad = 2048
    assert steps.tolist() == [[pad, pad, pad, pad], [10, pad, pad, pad], [11, 12, pad, pad]]


def test_in_flight_batch_gives_each_request_the_codes_it_gets_alone(tiny):
    """Requests joining at different steps, sampled with seeds, leaving early: same codes as solo."""
    reqs = {
        "a": request("lofi beat", 30, seed=11, temperature=1.0, top_k=50),
        "b": request("jazz saxophone", 12, seed=12, temperature=1.0, top_p=0.9, guidance_scale=1.0),
        "c": request(
            "dark cinematic strings",
            18,
            seed=13,
            temperature=0.7,
            top_k=250,
            prompt=np.random.default_rng(1).integers(0, 2048, size=(4, 5)),
        ),
    }
    alone = {k: generate_alone(tiny, r) for k, r in reqs.items()}

    from musicgen_serving.engine import Engine
    from musicgen_serving.scheduler import Scheduler

    dec, run = make(tiny, buckets=(1, 2, 4))
    engine = Engine(dec, run, Scheduler(max_slots=2, max_queue=8, progress_interval=7))
    got = {}

    class Sink:
        def __init__(self, rid):
            self.rid = rid

        def emit(self, codes, frames_done, final, *_):
            got.setdefault(self.rid, []).append(codes)
            assert sum(c.shape[1] for c in got[self.rid]) == frames_done
            return True

    engine.submit("a", reqs["a"], Sink("a"))
    for _ in range(4):
        engine.run_once()
    engine.submit("b", reqs["b"], Sink("b"))
    engine.submit("c", reqs["c"], Sink("c"))  # waits for a free slot (max_slots=2)
    while engine.run_once():
        pass
    for rid, want in alone.items():
        np.testing.assert_array_equal(np.concatenate(got[rid], axis=1), want, err_msg=rid)


def test_bucketed_step_equals_exact_step(tiny):
    """Padding the batch and the attended length to buckets does not change the codes."""
    req = request("upbeat electronic dance track", 10, temperature=1.0, seed=5)
    dec, _ = make(tiny)
    dec.admit([0], [req])
    for i in range(13):
        dec.decode_step(1, i + 1)
    exact = dec.read_frames(0, 0, 10)
    dec2, _ = make(tiny)
    dec2.admit([0], [req])
    for _ in range(13):
        dec2.decode_step(4, OPTIONS.max_len)
    np.testing.assert_array_equal(dec2.read_frames(0, 0, 10), exact)


def test_snapshot_restore_makes_a_repeated_step_idempotent(tiny):
    """What graph capture relies on: warm-up step + restore + step == one step."""
    req = request("warm synth bass", 8, temperature=1.0, seed=9)
    dec, _ = make(tiny)
    dec.admit([0], [req])
    for _ in range(11):
        snap = dec.snapshot()
        dec.decode_step(1, 16)
        dec.restore(snap)
        dec.decode_step(1, 16)
    np.testing.assert_array_equal(dec.read_frames(0, 0, 8), generate_alone(tiny, req))


def test_move_keeps_generation_identical(tiny):
    req = request("happy guitar", 10, temperature=1.0, seed=3)
    dec, run = make(tiny)
    dec.admit([2], [req])
    for i in range(5):
        run.step(3, i + 1)
    dec.move(2, 0, 5)
    for i in range(5, 13):
        run.step(1, i + 1)
    np.testing.assert_array_equal(dec.read_frames(0, 0, 10), generate_alone(tiny, req))


def test_runner_buckets():
    class D:
        options = DecoderOptions(max_slots=6, kv_block=128)
        max_len = options.max_len
        device = torch.device("cpu")

    run = StepRunner(D(), [1, 2, 4], use_graphs=True)
    assert run.batch_buckets == [1, 2, 4, 6]
    assert run.use_graphs is False  # no CUDA here
    assert run.bucket(3, 1) == (4, 128)
    assert run.bucket(5, 129) == (6, 256)
    assert run.bucket(1, 1504) == (1, 1536)


def test_failed_graph_capture_falls_back_to_eager_with_the_same_codes(tiny):
    req = request("soft drums", 8, temperature=1.0, seed=4)
    dec, run = make(tiny)
    run.use_graphs = True  # pretend CUDA, then make capture fail

    def broken_capture(key):
        dec.decode_step(*key)  # a capture attempt may already have run the warm-up step
        raise RuntimeError("operation not permitted when stream is capturing")

    run._capture = broken_capture
    dec.admit([0], [req])
    for i in range(11):
        run.step(1, i + 1)
    assert run.use_graphs is False
    assert run.capture_error == (
        "CUDA graph capture failed for bucket (1, 16), running eagerly: "
        "operation not permitted when stream is capturing"
    )
    np.testing.assert_array_equal(dec.read_frames(0, 0, 8), generate_alone(tiny, req))
