"""Joins the scheduler and the decoder: one background thread runs decode steps while requests
come and go at step boundaries.

A :class:`ResultSink` per request receives its codes; ``emit`` returning False (the client went
away) cancels the request and frees its slot. Every response also says where the request stands
(its place in the queue, 0 once it holds a slot) and how many T5 tokens its prompt has and the model
reads (contract v1.2).

Liveness (contract v1.2): the loop acknowledges every new request with a response of no frames, and
sends another whenever ``liveness_interval`` seconds passed without a response to it, while it waits
for a slot or between progress responses. The responses come from the loop itself, so they stop
when the engine stops making progress (a stuck step, a frozen process): a client can then take
silence for failure. Errors that concern one request (its text encoding
or prompt prefill failed) go to that request only; an error in a batched step fails the requests
that were in that step and the engine carries on with the next ones.

The engine counts what it does (:meth:`Engine.stats`, :class:`stats.EngineStats`) and tells a
:class:`stats.StatsListener` (``Engine.listener``): ``changed()`` after every step, ``flush()`` when a
request joins or leaves, before its final response or error is sent, so that a client that has its
final response and then reads the metrics sees that request counted.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Protocol, Tuple

import numpy as np

from .errors import ERROR_CLASSES, INTERNAL, UNAVAILABLE
from .request import GenerationRequest
from .scheduler import QueueFullError, Scheduler
from .stats import EngineStats, NoListener, StatsListener


class ResultSink(Protocol):
    def emit(
        self, codes: np.ndarray, frames_done: int, final: bool, queue_position: int, text_tokens: Tuple[int, int]
    ) -> bool:
        """Delivers codes [4, n] of frames completed since the last call (n = 0 for a liveness response),
        the request's place in the queue (0 once it holds a slot) and (prompt tokens, tokens read);
        False cancels the request."""

    def error(self, error_class: str, message: str) -> None:
        """Ends the request with an error of class ``error_class`` (see :mod:`errors`)."""

    def cancelled(self) -> None:
        """Ends a request that was cancelled through :meth:`Engine.cancel`."""


@dataclass
class _Liveness:
    """What the loop keeps per request for its responses."""

    last_sent: float  # time.monotonic() of the request's latest response
    text_tokens: Tuple[int, int]


_NO_FRAMES = np.zeros((4, 0), dtype=np.int32)


class Engine:
    """Example::

    engine = Engine(decoder, runner, Scheduler(max_slots=64, max_queue=256, progress_interval=50))
    engine.start()
    engine.submit("req-1", request, sink)   # raises QueueFullError when the queue is full
    ...
    engine.stop()
    """

    def __init__(
        self,
        decoder,
        runner,
        scheduler: Scheduler,
        log: Optional[Callable[[str], None]] = None,
        liveness_interval: float = 2.0,
    ) -> None:
        if not liveness_interval > 0:
            raise ValueError(
                f"Cannot create engine as 'liveness_interval' must be > 0 seconds: current value is {liveness_interval}"
            )
        self.decoder = decoder
        self.liveness_interval = liveness_interval
        self._alive: Dict[str, _Liveness] = {}  # touched by the loop thread only
        self._next_liveness_scan = 0.0
        self._unacknowledged = False
        self.runner = runner
        self.scheduler = scheduler
        self.log = log or (lambda msg: None)
        self._cond = threading.Condition()
        self._pending: Dict[str, Tuple[GenerationRequest, ResultSink]] = {}
        self._to_cancel: List[str] = []
        self._thread: Optional[threading.Thread] = None
        self._stop = False
        self._active_batch = 0
        self.steps = 0
        self.step_seconds = 0.0
        self.listener: StatsListener = NoListener()
        self._completed = 0
        self._cancelled = 0
        self._failed = {c: 0 for c in ERROR_CLASSES}

    # -- API used by model.py ---------------------------------------------------------------------
    def submit(self, request_id: str, request: GenerationRequest, sink: ResultSink) -> None:
        """Queues a request; raises QueueFullError (counted as failed, UNAVAILABLE) when the queue is full."""
        refused = None
        with self._cond:
            try:
                self.scheduler.add(request_id, request.num_frames, request.prompt_frames)
                self._pending[request_id] = (request, sink)
                self._unacknowledged = True
                self._cond.notify()
            except QueueFullError as exc:
                self._failed[UNAVAILABLE] += 1
                refused = exc
        self.listener.flush()
        if refused is not None:
            raise refused

    def count_refused(self, error_class: str) -> None:
        """Counts a request that model.py refused before it reached the engine (e.g. INVALID_ARG)."""
        with self._cond:
            self._failed[error_class] += 1
        self.listener.flush()

    def count_cancelled(self) -> None:
        """Counts a request that was cancelled before it reached the engine."""
        with self._cond:
            self._cancelled += 1
        self.listener.flush()

    def stats(self) -> EngineStats:
        """A consistent copy of the engine's numbers (cheap: no GPU access)."""
        with self._cond:
            return EngineStats(
                slots_total=self.scheduler.max_slots,
                slots_in_use=self.scheduler.num_running,
                waiting=self.scheduler.num_waiting,
                completed=self._completed,
                failed=dict(self._failed),
                cancelled=self._cancelled,
                frames_generated=self.scheduler.frames_generated,
                decode_steps=self.steps,
                decode_step_seconds=self.step_seconds,
            )

    def cancel(self, request_id: str) -> None:
        with self._cond:
            self._to_cancel.append(request_id)
            self._cond.notify()

    def start(self) -> None:
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="musicgen-engine", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        with self._cond:
            left = list(self._pending)
            for rid in left:
                self.scheduler.fail(rid)
        for rid in left:  # every request still gets its final response
            self._finish(
                rid,
                lambda sink: sink.error(UNAVAILABLE, "Cannot finish the request as musicgen_lm is shutting down"),
                UNAVAILABLE,
            )

    def idle(self) -> bool:
        with self._cond:
            return not self.scheduler.has_work and not self._to_cancel

    # -- the loop ---------------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stop and not self.scheduler.has_work and not self._to_cancel:
                    self._cond.wait()
                if self._stop:
                    return
            try:
                self.run_once()
            except Exception:  # keep serving; run_once already failed the affected requests
                self.log("musicgen engine iteration failed:\n" + traceback.format_exc())

    def run_once(self) -> bool:
        """One iteration: cancellations, admissions, one decode step, progress. False when idle.

        The wall time of an iteration that ran a step counts into ``step_seconds``: on a GPU the
        steps are asynchronous and the host waits for them only when it copies codes out, so the
        time of one iteration means little, but the sum over many is the time the steps took.
        """
        start, steps = time.perf_counter(), self.steps
        try:
            return self._iterate()
        finally:
            if self.steps != steps:
                self.step_seconds += time.perf_counter() - start
                self.listener.changed()
            self.keep_alive()

    def keep_alive(self) -> None:
        """Sends a response of no frames to each request that is new or had none for ``liveness_interval``."""
        now = time.monotonic()
        with self._cond:
            if now < self._next_liveness_scan and not self._unacknowledged:
                return
            self._unacknowledged = False
            self._next_liveness_scan = now + self.liveness_interval / 4
            positions = self.scheduler.queue_positions()
            due = []
            for rid, (request, sink) in self._pending.items():
                alive = self._alive.get(rid)
                if alive is None or now - alive.last_sent >= self.liveness_interval:
                    scheduled = self.scheduler.requests.get(rid)
                    frames = 0 if scheduled is None else scheduled.frames_reported
                    due.append((rid, request, sink, positions.get(rid, 0), frames))
            gone = [rid for rid in self._alive if rid not in self._pending]
        for rid in gone:
            del self._alive[rid]
        for rid, request, sink, position, frames in due:
            alive = self._liveness(rid, request)
            alive.last_sent = now
            if not self._emit(sink, _NO_FRAMES, frames, False, position, alive.text_tokens):
                self._drop_cancelled(rid)

    def _liveness(self, rid: str, request: GenerationRequest) -> _Liveness:
        alive = self._alive.get(rid)
        if alive is None:
            try:
                tokens = self.decoder.count_text_tokens(request.text)
            except Exception:
                self.log("musicgen_lm could not count a prompt's tokens:\n" + traceback.format_exc())
                tokens = (0, 0)
            alive = self._alive[rid] = _Liveness(last_sent=0.0, text_tokens=tokens)
        return alive

    def _emit(self, sink: ResultSink, codes, frames_done: int, final: bool, position: int, tokens) -> bool:
        try:
            return sink.emit(codes, frames_done, final, position, tokens)
        except Exception:
            self.log("musicgen_lm could not send a response:\n" + traceback.format_exc())
            return False

    def _drop_cancelled(self, rid: str) -> None:
        """Ends a request whose client went away (its sink already sent the final flag)."""
        with self._cond:
            if not self.scheduler.cancel(rid):
                return
            self._cancelled += 1
        self._pending.pop(rid, None)
        self._alive.pop(rid, None)
        self.listener.flush()

    def _iterate(self) -> bool:
        with self._cond:
            cancelled = [rid for rid in self._to_cancel if self.scheduler.cancel(rid)]
            self._to_cancel.clear()
            plan = self.scheduler.schedule()
        for rid in cancelled:
            self._finish(rid, lambda sink: sink.cancelled())
        if plan.admissions:
            self.listener.flush()
        dec = self.decoder
        for move in plan.moves:
            dec.move(move.src, move.dst, move.length)
        if plan.batch_size < self._active_batch:
            dec.active[plan.batch_size : self._active_batch] = False
        self._active_batch = plan.batch_size
        if plan.admissions and not self._admit(plan):
            return True  # some admissions failed: re-plan (compact) before stepping
        if plan.is_empty:
            return False
        try:
            self.runner.step(plan.batch_size, plan.max_length)
        except Exception as exc:
            with self._cond:
                failed = self.scheduler.fail_running()
            msg = (
                "Cannot continue the request as musicgen_lm's decode step failed "
                f"for a batch of {plan.batch_size}: {exc}"
            )
            self.log(msg + "\n" + traceback.format_exc())
            for rid in failed:
                self._finish(rid, lambda sink, m=msg: sink.error(INTERNAL, m), INTERNAL)
            return True
        with self._cond:
            events = self.scheduler.complete_step()
            self.steps += 1
            finished = sum(ev.final and ev.request_id in self._pending for ev in events)
            self._completed += finished
        if finished:
            self.listener.flush()
        now = time.monotonic()
        for ev in events:
            request_sink = self._pending.get(ev.request_id)
            if request_sink is None:
                continue
            request, sink = request_sink
            codes = dec.read_frames(ev.slot, ev.frame_start, ev.frame_end)
            alive = self._liveness(ev.request_id, request)
            alive.last_sent = now
            keep = self._emit(sink, codes, ev.frame_end, ev.final, 0, alive.text_tokens)
            if ev.final:
                self._pending.pop(ev.request_id, None)
                self._alive.pop(ev.request_id, None)
            elif not keep:
                self._drop_cancelled(ev.request_id)
        return True

    def _admit(self, plan) -> bool:
        slots = [a.slot for a in plan.admissions]
        reqs = [self._pending[a.request_id][0] for a in plan.admissions]
        try:
            self.decoder.admit(slots, reqs)
            return True
        except Exception:
            pass
        ok = True  # isolate the failing request(s): admit one by one
        for adm, req in zip(plan.admissions, reqs):
            try:
                self.decoder.admit([adm.slot], [req])
            except Exception as exc:
                ok = False
                self.decoder.release(adm.slot)
                with self._cond:
                    self.scheduler.fail(adm.request_id)
                msg = f"Cannot start request {adm.request_id!r} as its preparation failed: {exc}"
                self.log(msg)
                self._finish(adm.request_id, lambda sink, m=msg: sink.error(INTERNAL, m), INTERNAL)
        return ok

    def _finish(self, request_id: str, action: Callable[[ResultSink], None], error_class: Optional[str] = None) -> None:
        """Ends a request early: counted as failed with ``error_class``, or as cancelled when None."""
        entry = self._pending.pop(request_id, None)
        if entry is None:
            return
        with self._cond:
            if error_class is None:
                self._cancelled += 1
            else:
                self._failed[error_class] += 1
        self.listener.flush()
        try:
            action(entry[1])
        except Exception:
            self.log("musicgen_lm could not end a request:\n" + traceback.format_exc())
