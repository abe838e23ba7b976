"""Validation of one ``musicgen_lm`` request (model contract v1) into a :class:`GenerationRequest`.

Inputs arrive as numpy arrays (or ``None`` when an optional input is absent). Every error names the
input and its value, following "action, reason, current value".
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Mapping, Optional

import numpy as np

# The model contract's numbers. libs/contract (TypeScript) is their home; a contract test there reads
# these assignments and fails when they differ, so keep each one a plain literal on its own line.
NUM_CODEBOOKS = 4
CODEBOOK_SIZE = 2048
SAMPLE_RATE = 32000  # encodec_decode's audio: mono 32 kHz
SAMPLES_PER_FRAME = 640  # 50 frames per second
MAX_FRAMES = 1500  # NUM_FRAMES + P <= 1500 (30 s at 50 frames/s)

DEFAULT_GUIDANCE_SCALE = 3.0
DEFAULT_TOP_K = 250
DEFAULT_TOP_P = 0.0
DEFAULT_TEMPERATURE = 1.0

MAX_GUIDANCE_SCALE = 100.0
MAX_TOP_K = 2048  # the codebook size: a larger top-k would mean nothing
MAX_TOP_P = 1.0
MAX_TEMPERATURE = 100.0
FP32_MIN_NORMAL = 1.1754943508222875e-38  # a nonzero FP32 input below this is a subnormal: refused


class InvalidInputError(ValueError):
    """A request input is missing, malformed or out of range; maps to Triton INVALID_ARG."""

    code = "INVALID_INPUT"


@dataclass(frozen=True)
class GenerationRequest:
    """One prompt window to generate; see ARCHITECTURE.md section 1 for the meaning of each field."""

    text: str
    num_frames: int
    prompt_codes: Optional[np.ndarray]  # int64 [4, P] or None
    seed: int
    guidance_scale: float = DEFAULT_GUIDANCE_SCALE
    top_k: int = DEFAULT_TOP_K
    top_p: float = DEFAULT_TOP_P
    temperature: float = DEFAULT_TEMPERATURE

    @property
    def prompt_frames(self) -> int:
        return 0 if self.prompt_codes is None else int(self.prompt_codes.shape[1])


def _bad(name: str, reason: str, value: object) -> InvalidInputError:
    return InvalidInputError(f"Cannot accept request as input '{name}' {reason}: current value is {value}")


def _scalar(inputs: Mapping[str, Optional[np.ndarray]], name: str, kinds: str, required: bool):
    arr = inputs.get(name)
    if arr is None:
        if required:
            raise InvalidInputError(f"Cannot accept request as required input '{name}' is missing")
        return None
    arr = np.asarray(arr)
    if arr.size != 1 or arr.ndim != 1:
        raise _bad(name, "must have shape [1]", f"shape {list(arr.shape)}")
    if arr.dtype.kind not in kinds:
        raise _bad(name, "has the wrong data type", arr.dtype)
    return arr.reshape(-1)[0]


def _finite(name: str, value: object, low: float, high: float) -> float:
    f = float(value)
    if not math.isfinite(f) or f < low or f > high:
        raise _bad(name, f"must be a finite number in [{low}, {high}]", value)
    if f != 0.0 and abs(f) < FP32_MIN_NORMAL:
        raise _bad(name, f"must be 0 or at least {FP32_MIN_NORMAL} (a normal FP32 number)", value)
    return f


def parse_request(inputs: Mapping[str, Optional[np.ndarray]], max_frames: int = MAX_FRAMES) -> GenerationRequest:
    """Validates contract inputs; raises :class:`InvalidInputError` naming the input and its value.

    Example::

        req = parse_request({"TEXT": np.array([b"lofi beat"], dtype=object),
                             "NUM_FRAMES": np.array([500], dtype=np.int32)})
    """
    raw_text = _scalar(inputs, "TEXT", "OSU", required=True)
    if isinstance(raw_text, (bytes, bytearray, np.bytes_)):
        try:
            text = bytes(raw_text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _bad("TEXT", "must be valid UTF-8", repr(bytes(raw_text)[:40])) from exc
    else:
        text = str(raw_text)

    num_frames = int(_scalar(inputs, "NUM_FRAMES", "iu", required=True))

    prompt = inputs.get("PROMPT_CODES")
    prompt_codes = None
    if prompt is not None:
        prompt = np.asarray(prompt)
        if prompt.dtype.kind not in "iu":
            raise _bad("PROMPT_CODES", "has the wrong data type", prompt.dtype)
        if prompt.ndim != 2 or prompt.shape[0] != NUM_CODEBOOKS or prompt.shape[1] < 1:
            raise _bad(
                "PROMPT_CODES", f"must have shape [{NUM_CODEBOOKS}, P] with P >= 1", f"shape {list(prompt.shape)}"
            )
        lo, hi = int(prompt.min()), int(prompt.max())
        if lo < 0 or hi >= CODEBOOK_SIZE:
            bad = lo if lo < 0 else hi
            raise _bad("PROMPT_CODES", f"must hold values in 0..{CODEBOOK_SIZE - 1}", bad)
        prompt_codes = prompt.astype(np.int64)
    p = 0 if prompt_codes is None else prompt_codes.shape[1]
    if num_frames < 1:
        raise _bad("NUM_FRAMES", "must be >= 1", num_frames)
    if num_frames + p > max_frames:
        raise _bad("NUM_FRAMES", f"plus the {p} PROMPT_CODES frames must be <= {max_frames}", num_frames)

    seed = _scalar(inputs, "SEED", "iu", required=False)
    seed = int.from_bytes(os.urandom(8), "little") >> 1 if seed is None else int(seed)

    guidance = _scalar(inputs, "GUIDANCE_SCALE", "f", required=False)
    if guidance is None:
        guidance = DEFAULT_GUIDANCE_SCALE
    else:
        guidance = _finite("GUIDANCE_SCALE", guidance, 0.0, MAX_GUIDANCE_SCALE)
    top_k = _scalar(inputs, "TOP_K", "iu", required=False)
    top_k = DEFAULT_TOP_K if top_k is None else int(top_k)
    if top_k < 0 or top_k > MAX_TOP_K:
        raise _bad("TOP_K", f"must be an integer in [0, {MAX_TOP_K}] (0 disables top-k)", top_k)
    top_p = _scalar(inputs, "TOP_P", "f", required=False)
    top_p = DEFAULT_TOP_P if top_p is None else _finite("TOP_P", top_p, 0.0, MAX_TOP_P)
    temperature = _scalar(inputs, "TEMPERATURE", "f", required=False)
    if temperature is None:
        temperature = DEFAULT_TEMPERATURE
    else:
        temperature = _finite("TEMPERATURE", temperature, 0.0, MAX_TEMPERATURE)

    return GenerationRequest(
        text=text,
        num_frames=num_frames,
        prompt_codes=prompt_codes,
        seed=seed,
        guidance_scale=guidance,
        top_k=top_k,
        top_p=top_p,
        temperature=temperature,
    )
