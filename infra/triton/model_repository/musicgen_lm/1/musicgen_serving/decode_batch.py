"""Decodes the requests of one ``execute()`` as few batched calls, isolating failures.

Triton's Python backend hands ``execute()`` a list of requests without stacking them. Requests whose
T is equal are concatenated along the batch dimension and decoded in one call, at most ``max_rows``
rows at a time; different T go in separate calls. If a batched call fails, each of its requests is
retried alone, so one bad apple (or a batch too large for the memory left) fails only itself.
Each call that returns audio is counted in a :class:`stats.DecodeStats` when one is given.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from .errors import INTERNAL
from .stats import DecodeStats


@dataclass(frozen=True)
class DecodeOutcome:
    """The audio of one request (float32 ``[B, T * 640]``), or the class and message of its error."""

    audio: Optional[np.ndarray] = None
    error_class: Optional[str] = None
    error: Optional[str] = None


def plan_batches(codes: Sequence[np.ndarray], max_rows: int) -> List[List[int]]:
    """Indices of ``codes`` (each ``[B, 4, T]``) grouped into batches: equal T, at most ``max_rows`` rows
    (a request with more rows than that forms a batch of its own), in arrival order.

    Example::

        plan_batches([np.zeros((1, 4, 5)), np.zeros((1, 4, 7)), np.zeros((1, 4, 5))], max_rows=4)
        # [[0, 2], [1]]
    """
    by_frames: Dict[int, List[List[int]]] = {}
    for i, c in enumerate(codes):
        batches = by_frames.setdefault(int(c.shape[2]), [])
        rows = int(c.shape[0])
        if batches and sum(int(codes[j].shape[0]) for j in batches[-1]) + rows <= max_rows:
            batches[-1].append(i)
        else:
            batches.append([i])
    return [batch for batches in by_frames.values() for batch in batches]


def decode_all(
    codes: Sequence[np.ndarray],
    decode: Callable[[np.ndarray], np.ndarray],
    max_rows: int,
    log: Optional[Callable[[str], None]] = None,
    stats: Optional[DecodeStats] = None,
) -> List[DecodeOutcome]:
    """One :class:`DecodeOutcome` per entry of ``codes``, in order. ``decode`` maps ``[N, 4, T]`` to ``[N, T*640]``.

    ``stats``, when given, counts each codec call that returned audio (rows and wall time).
    """
    log = log or (lambda msg: None)
    stats = DecodeStats() if stats is None else stats
    out: List[Optional[DecodeOutcome]] = [None] * len(codes)
    for batch in plan_batches(codes, max_rows):
        try:
            _run(codes, batch, decode, out, stats)
            continue
        except Exception as exc:
            if len(batch) == 1:
                out[batch[0]] = _failure(codes[batch[0]], exc, log)
                continue
            log(
                f"encodec_decode: a batch of {len(batch)} requests failed, retrying one by one:\n"
                + traceback.format_exc()
            )
        for i in batch:
            try:
                _run(codes, [i], decode, out, stats)
            except Exception as exc:
                out[i] = _failure(codes[i], exc, log)
    return out  # type: ignore[return-value]


def _run(codes, batch, decode, out, stats: DecodeStats) -> None:
    stacked = np.concatenate([codes[i] for i in batch], axis=0)
    began = time.perf_counter()
    audio = decode(stacked)
    stats.record_call(int(stacked.shape[0]), time.perf_counter() - began)
    start = 0
    for i in batch:
        rows = codes[i].shape[0]
        out[i] = DecodeOutcome(audio=np.ascontiguousarray(audio[start : start + rows], dtype=np.float32))
        start += rows


def _failure(codes: np.ndarray, exc: Exception, log: Callable[[str], None]) -> DecodeOutcome:
    message = f"Cannot decode {codes.shape[2]} frames as the codec failed: {exc}"
    log(f"encodec_decode: {message}\n{traceback.format_exc()}")
    return DecodeOutcome(error_class=INTERNAL, error=message)
