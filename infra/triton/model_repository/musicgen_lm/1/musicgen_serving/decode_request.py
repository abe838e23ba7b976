"""Validation of one ``encodec_decode`` request: CODES ``[1, 4, T]`` INT32 (model contract v1).

The leading dimension is Triton's batch dimension (``max_batch_size`` > 0): the contract sends 1, and a
request that carries B rows gets B rows of audio back. Errors name the input and its value.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from .request import CODEBOOK_SIZE, NUM_CODEBOOKS, InvalidInputError


def _bad(reason: str, value: object) -> InvalidInputError:
    return InvalidInputError(f"Cannot decode as input 'CODES' {reason}: current value is {value}")


def parse_codes(codes: Optional[np.ndarray], max_frames: int) -> np.ndarray:
    """Checks CODES and returns it as int64 ``[B, 4, T]``; raises :class:`InvalidInputError` otherwise.

    Example::

        parse_codes(np.zeros((1, 4, 50), np.int32), max_frames=1500).shape   # (1, 4, 50)
        parse_codes(np.full((1, 4, 5), 4096, np.int32), 1500)
        # InvalidInputError: Cannot decode as input 'CODES' must hold values in 0..2047: current value is 4096
    """
    if codes is None:
        raise InvalidInputError("Cannot decode as required input 'CODES' is missing")
    codes = np.asarray(codes)
    if codes.dtype != np.int32:
        raise _bad("must have data type INT32", codes.dtype)
    if codes.ndim != 3 or codes.shape[0] < 1 or codes.shape[1] != NUM_CODEBOOKS:
        raise _bad(f"must have shape [1, {NUM_CODEBOOKS}, T]", f"shape {list(codes.shape)}")
    frames = codes.shape[2]
    if frames < 1 or frames > max_frames:
        raise _bad(f"must have 1 to {max_frames} frames (T of [1, {NUM_CODEBOOKS}, T]; max_frames)", frames)
    lo, hi = int(codes.min()), int(codes.max())
    if lo < 0 or hi >= CODEBOOK_SIZE:
        raise _bad(f"must hold values in 0..{CODEBOOK_SIZE - 1}", lo if lo < 0 else hi)
    return codes.astype(np.int64)
