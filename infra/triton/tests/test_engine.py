"""Engine error isolation and threading, on the tiny decoder (eager, CPU)."""

import threading

import numpy as np

from musicgen_serving.decoder import DecoderOptions, StaticCacheDecoder
from musicgen_serving.engine import Engine
from musicgen_serving.errors import tagged
from musicgen_serving.graphs import StepRunner
from musicgen_serving.request import GenerationRequest
from musicgen_serving.scheduler import Scheduler


class Sink:
    def __init__(self):
        self.codes, self.errors, self.final, self.was_cancelled = [], [], False, False
        self.done = threading.Event()

    def emit(self, codes, frames_done, final, *_):
        self.codes.append(codes)
        self.final = final
        if final:
            self.done.set()
        return True

    def error(self, error_class, message):
        self.errors.append(tagged(error_class, message))
        self.done.set()

    def cancelled(self):
        self.was_cancelled = True
        self.done.set()


def engine_for(tiny, slots=3):
    model, tok = tiny
    dec = StaticCacheDecoder(
        model, tok, DecoderOptions(max_slots=slots, max_frames=64, max_text_tokens=16, kv_block=16)
    )
    logs = []
    return Engine(
        dec,
        StepRunner(dec, [1, 2, 4], use_graphs=False),
        Scheduler(slots, max_queue=16, progress_interval=4),
        log=logs.append,
    ), logs


def req(text, n, seed=1):
    return GenerationRequest(text=text, num_frames=n, prompt_codes=None, seed=seed)


def test_a_failing_admission_only_fails_that_request(tiny):
    engine, logs = engine_for(tiny)
    original = engine.decoder.encode_text

    def encode(texts):
        if "boom" in texts:
            raise RuntimeError("text encoder exploded")
        return original(texts)

    engine.decoder.encode_text = encode
    sinks = {name: Sink() for name in ("a", "boom", "c")}
    for i, (name, sink) in enumerate(sinks.items()):
        engine.submit(name, req(name if name != "a" else "lofi", 9, seed=i), sink)
    while engine.run_once():
        pass
    assert sinks["boom"].errors == [
        "[INTERNAL] Cannot start request 'boom' as its preparation failed: text encoder exploded"
    ]
    for name in ("a", "c"):
        assert sinks[name].final and np.concatenate(sinks[name].codes, axis=1).shape == (4, 9)


def test_a_failing_step_fails_the_batch_and_the_engine_goes_on(tiny):
    engine, logs = engine_for(tiny)
    real_step = engine.runner.step
    calls = {"n": 0}

    def flaky(batch, length):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("CUDA error: out of memory")
        return real_step(batch, length)

    engine.runner.step = flaky
    first, later = Sink(), Sink()
    engine.submit("first", req("lofi", 6), first)
    while engine.run_once():
        pass
    engine.submit("later", req("jazz", 6), later)
    while engine.run_once():
        pass
    assert first.errors == [
        "[INTERNAL] Cannot continue the request as musicgen_lm's decode step failed for a batch of 1: "
        "CUDA error: out of memory"
    ]
    assert later.final and np.concatenate(later.codes, axis=1).shape == (4, 6)


def test_background_thread_serves_and_cancels(tiny):
    engine, _ = engine_for(tiny, slots=2)
    engine.start()
    try:
        sinks = [Sink() for _ in range(5)]
        for i, s in enumerate(sinks):
            engine.submit(f"r{i}", req("calm piano", 20 + i, seed=i), s)
        engine.cancel("r4")
        for s in sinks:
            assert s.done.wait(60)
    finally:
        engine.stop()
    assert sinks[4].was_cancelled and sinks[4].codes == []
    for i, s in enumerate(sinks[:4]):
        assert np.concatenate(s.codes, axis=1).shape == (4, 20 + i)


def test_stop_ends_unfinished_requests_with_an_error(tiny):
    engine, _ = engine_for(tiny, slots=1)
    running, waiting = Sink(), Sink()
    engine.submit("running", req("calm piano", 50), running)
    engine.submit("waiting", req("jazz", 5), waiting)
    engine.run_once()  # "running" starts, "waiting" stays queued; no background thread
    engine.stop()
    assert (
        running.errors == waiting.errors == ["[UNAVAILABLE] Cannot finish the request as musicgen_lm is shutting down"]
    )
    assert engine.idle()
