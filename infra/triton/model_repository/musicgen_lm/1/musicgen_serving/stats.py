"""Plain numbers about the serving engine and the codec, kept on the host as the work happens.

The engine and ``encodec_decode`` only count here; ``metrics.py`` turns these numbers into Prometheus
metrics through Triton, and tests read them directly. Nothing here touches the GPU: every number is
one the host already holds at a step boundary (the scheduler knows each request's progress without
reading the device).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Protocol

from .errors import ERROR_CLASSES


def _by_error_class() -> Dict[str, int]:
    return {c: 0 for c in ERROR_CLASSES}


@dataclass
class EngineStats:
    """A consistent copy of ``musicgen_lm``'s numbers (:meth:`Engine.stats`).

    Example::

        s = engine.stats()
        s.slots_in_use, s.waiting, s.frames_generated    # 3, 0, 4510
        s.decode_step_seconds / s.decode_steps           # mean seconds per decode step
    """

    slots_total: int  # decode slots allocated (the resolved max_concurrent_requests)
    slots_in_use: int = 0  # slots holding an admitted request
    waiting: int = 0  # requests queued for a slot
    completed: int = 0  # requests that got all their frames
    failed: Dict[str, int] = field(default_factory=_by_error_class)  # ended with an error, by class
    cancelled: int = 0  # requests the client cancelled (before or while running)
    frames_generated: int = 0  # frames produced by decode steps (4 codebooks each)
    decode_steps: int = 0  # batched decode steps run
    decode_step_seconds: float = 0.0  # host wall time of the iterations that ran those steps


class StatsListener(Protocol):
    """Told by the engine when its numbers change (see ``metrics.MetricsPublisher``)."""

    def changed(self) -> None:
        """Something changed (called after every decode step): must return at once."""

    def flush(self) -> None:
        """Publish now: a request joins, leaves or is about to get its final response."""


class NoListener:
    def changed(self) -> None:
        pass

    def flush(self) -> None:
        pass


@dataclass
class DecodeStats:
    """``encodec_decode``'s numbers; one object per model instance, updated by ``execute()``.

    Example::

        stats = DecodeStats()
        decode_all(codes, decoder.decode, 4, stats=stats)
        stats.codec_rows / stats.codec_calls     # mean rows per codec call (the batch size)
    """

    completed: int = 0  # requests answered with audio
    failed: Dict[str, int] = field(default_factory=_by_error_class)  # answered with an error, by class
    frames_decoded: int = 0  # frames of the completed requests (rows x T)
    codec_calls: int = 0  # calls of the codec (one per batch of equal T)
    codec_rows: int = 0  # rows decoded by those calls
    codec_seconds: float = 0.0  # wall time of those calls (the audio is on the host when they return)

    def record_call(self, rows: int, seconds: float) -> None:
        self.codec_calls += 1
        self.codec_rows += rows
        self.codec_seconds += seconds
