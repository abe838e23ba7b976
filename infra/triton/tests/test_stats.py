"""The engine's numbers (stats.EngineStats) on the tiny decoder, eager on CPU: exact counts, and every
request counted and published before its final response or error leaves."""

import threading

import numpy as np
import pytest
from test_engine import Sink, engine_for, req

from musicgen_serving.errors import INTERNAL, INVALID_ARG, UNAVAILABLE
from musicgen_serving.scheduler import QueueFullError
from musicgen_serving.stats import EngineStats


class Recorder:
    """A StatsListener that keeps a copy of the numbers at every flush (what a publisher would export)."""

    def __init__(self, engine):
        self.engine, self.flushed, self.changes = engine, [], 0

    def changed(self):
        self.changes += 1

    def flush(self):
        self.flushed.append(self.engine.stats())


def failed(invalid=0, unavailable=0, internal=0):
    return {INVALID_ARG: invalid, UNAVAILABLE: unavailable, INTERNAL: internal}


def drain(engine):
    while engine.run_once():
        pass


def test_counts_requests_frames_and_steps(tiny):
    engine, _ = engine_for(tiny, slots=2)
    rec = engine.listener = Recorder(engine)
    assert engine.stats() == EngineStats(slots_total=2)
    sinks = {name: Sink() for name in ("a", "b", "c")}
    for (name, sink), frames in zip(sinks.items(), (5, 9, 4)):
        engine.submit(name, req("lofi piano", frames), sink)
    assert rec.flushed[-1] == EngineStats(slots_total=2, waiting=3)
    engine.run_once()  # a and b take the two slots, c waits
    busy = engine.stats()
    assert (busy.slots_in_use, busy.waiting, busy.decode_steps, busy.frames_generated) == (2, 1, 1, 0)
    drain(engine)
    # a: 8 steps (5 frames + 3 delay steps); b: 12; c joins when a leaves, after step 8: steps 9 to 15
    stats = engine.stats()
    assert stats.decode_step_seconds > 0
    assert stats == EngineStats(
        slots_total=2,
        completed=3,
        frames_generated=18,
        decode_steps=15,
        decode_step_seconds=stats.decode_step_seconds,
    )
    assert rec.changes == 15
    assert all(s.final for s in sinks.values())


def test_a_request_is_published_before_its_final_response(tiny):
    engine, _ = engine_for(tiny, slots=2)
    rec = engine.listener = Recorder(engine)
    seen = {}

    class Watching(Sink):
        def __init__(self, name):
            super().__init__()
            self.name = name

        def emit(self, codes, frames_done, final, *_):
            if final:
                seen[self.name] = rec.flushed[-1]
            return super().emit(codes, frames_done, final)

        def error(self, error_class, message):
            seen[self.name] = rec.flushed[-1]
            super().error(error_class, message)

    engine.submit("short", req("calm", 3), Watching("short"))
    engine.submit("long", req("jazz", 6), Watching("long"))
    drain(engine)
    assert (seen["short"].completed, seen["short"].frames_generated, seen["short"].slots_in_use) == (1, 6, 1)
    assert (seen["long"].completed, seen["long"].frames_generated, seen["long"].slots_in_use) == (2, 9, 0)


def test_counts_failures_by_class_and_cancellations(tiny):
    engine, _ = engine_for(tiny, slots=1)
    engine.scheduler.max_queue = 3
    rec = engine.listener = Recorder(engine)
    original = engine.decoder.encode_text

    def encode(texts):
        if "boom" in texts:
            raise RuntimeError("text encoder exploded")
        return original(texts)

    engine.decoder.encode_text = encode
    sinks = {name: Sink() for name in ("boom", "gone", "ok")}
    sinks["gone"].emit = lambda codes, frames_done, final: False  # the client went away
    for name, sink in sinks.items():
        engine.submit(name, req(name, 9), sink)
    with pytest.raises(QueueFullError):
        engine.submit("too many", req("calm", 3), Sink())
    engine.count_refused(INVALID_ARG)
    engine.count_cancelled()
    assert rec.flushed[-1].failed == failed(invalid=1, unavailable=1)
    drain(engine)
    engine.submit("cancelled", req("calm", 30), Sink())
    engine.cancel("cancelled")
    drain(engine)
    engine.submit("at shutdown", req("calm", 30), Sink())
    engine.stop()
    stats = engine.stats()
    assert sinks["boom"].errors and sinks["ok"].final and sinks["gone"].codes == []
    assert (stats.completed, stats.cancelled, stats.failed) == (1, 3, failed(invalid=1, unavailable=2, internal=1))
    assert (stats.slots_in_use, stats.waiting) == (0, 0)
    assert rec.flushed[-1] == stats


def test_a_failed_step_counts_its_requests_as_internal(tiny):
    engine, _ = engine_for(tiny, slots=2)

    def broken(batch, length):
        raise RuntimeError("CUDA error: out of memory")

    engine.runner.step = broken
    for name in ("a", "b"):
        engine.submit(name, req("calm", 4), Sink())
    drain(engine)
    stats = engine.stats()
    assert (stats.failed, stats.decode_steps, stats.decode_step_seconds) == (failed(internal=2), 0, 0.0)


def test_numbers_are_consistent_while_the_engine_thread_runs(tiny):
    engine, _ = engine_for(tiny, slots=2)
    engine.start()
    snapshots, stop = [], threading.Event()

    def watch():
        while not stop.wait(0.002):
            snapshots.append(engine.stats())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        sinks = [Sink() for _ in range(4)]
        for i, s in enumerate(sinks):
            engine.submit(f"r{i}", req("calm piano", 12, seed=i), s)
        for s in sinks:
            assert s.done.wait(60)
    finally:
        stop.set()
        watcher.join()
        engine.stop()
    assert all(0 <= s.slots_in_use <= 2 and s.slots_in_use + s.waiting + s.completed <= 4 for s in snapshots)
    assert max(s.slots_in_use for s in snapshots) == 2
    assert engine.stats().frames_generated == 48
    assert all(np.concatenate(s.codes, axis=1).shape == (4, 12) for s in sinks)
