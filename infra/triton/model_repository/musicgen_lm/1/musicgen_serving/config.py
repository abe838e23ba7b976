"""The ``parameters`` of ``musicgen_lm``'s config.pbtxt, with their defaults and validation."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Mapping, Tuple

MODEL_ALIASES = {
    "small": "facebook/musicgen-small",
    "medium": "facebook/musicgen-medium",
    "large": "facebook/musicgen-large",
}
DTYPES = ("float16", "bfloat16", "float32")
KV_CACHE_DTYPES = ("auto", "fp8")  # kv_cache.KV_CACHE_DTYPES (this module imports no torch)
ATTENTION_KINDS = ("sdpa", "triton")  # decoder.ATTENTION_KINDS
AUTO_MAX_SLOTS = 64


@dataclass(frozen=True)
class ServingConfig:
    """Every field is a config.pbtxt parameter of the same name (string values)."""

    model_id: str = "medium"  # small | medium | large | a hub id | a local directory
    dtype: str = "float16"  # float16 | bfloat16 | float32 (CPU instances always use float32)
    # the T5 text encoder and its projection: float32 by default, as audiocraft runs them even when the
    # LM runs in half precision (they run once per request, so their cost is small); CPU: float32
    text_encoder_dtype: str = "float32"
    hf_local_files_only: bool = False  # true: never reach the hub, load from the HF cache only
    # decode slots, each holding a full 30 s KV cache (x2 rows for CFG); "auto" (stored as 0): as many
    # as the GPU memory left after loading allows, at most AUTO_MAX_SLOTS (8 on CPU)
    max_concurrent_requests: int = 0
    # GPU memory (GiB) that "auto" leaves to encodec_decode on the same GPU, whatever the load order:
    # its weights, CUDA context and activations at max_batch_size x max_frames (memory.py derives 6)
    reserve_decode_gib: float = 6.0
    max_queue_size: int = 256  # waiting requests beyond that are refused with UNAVAILABLE
    progress_interval_frames: int = 50  # a progress response every N frames (50 = 1 s of audio)
    # contract v1.2: a response of no frames acknowledges each request at once, and another follows
    # whenever this long passed without one (waiting for a slot, between progress responses)
    liveness_interval_ms: int = 2000
    max_text_tokens: int = 64  # longer prompts are truncated to this many T5 tokens
    kv_block: int = 128  # attention covers the filled cache rounded up to this many positions
    # self-attention K/V cache: "auto" (the LM's dtype) or "fp8" (e4m3 with a float32 scale per position
    # and head: 1.88x the slots in the same memory; off until real weights confirm its quality)
    kv_cache_dtype: str = "auto"
    # decode-step self-attention: "sdpa" (torch) or "triton" (a split-K kernel reading each request's
    # own cache length and float8 directly; CUDA only; off until measured on the GPU)
    decode_attention: str = "sdpa"
    # with decode_attention "triton": the step's input, each layer's KV write and the step's sampling and
    # commit as one Triton kernel each (false: torch's small kernels, to measure what the fusions buy)
    decode_fused_kernels: bool = True
    cuda_graphs: bool = True
    capture_graphs_at_start: bool = False  # false: capture each bucket the first time it is used
    batch_buckets: Tuple[int, ...] = (1, 2, 4, 8, 12, 16, 24, 32, 40, 48, 56, 64)

    @property
    def resolved_model_id(self) -> str:
        return MODEL_ALIASES.get(self.model_id, self.model_id)

    @classmethod
    def from_parameters(cls, params: Mapping[str, object]) -> ServingConfig:
        """Builds from config.pbtxt ``parameters`` ({key: {"string_value": v}} or {key: v})."""
        return parse_parameters(cls, params, "musicgen_lm")

    def validate(self) -> None:
        for name in ("dtype", "text_encoder_dtype"):
            if getattr(self, name) not in DTYPES:
                raise ValueError(
                    f"Cannot load musicgen_lm as parameter '{name}' must be one of {DTYPES}: "
                    f"current value is {getattr(self, name)!r}"
                )
        for name, allowed in (("kv_cache_dtype", KV_CACHE_DTYPES), ("decode_attention", ATTENTION_KINDS)):
            if getattr(self, name) not in allowed:
                raise ValueError(
                    f"Cannot load musicgen_lm as parameter '{name}' must be one of {allowed}: "
                    f"current value is {getattr(self, name)!r}"
                )
        if self.max_concurrent_requests < 0:
            raise ValueError(
                "Cannot load musicgen_lm as parameter 'max_concurrent_requests' must be 'auto' or >= 1: "
                f"current value is {self.max_concurrent_requests}"
            )
        for name in ("progress_interval_frames", "max_text_tokens", "kv_block", "liveness_interval_ms"):
            if getattr(self, name) < 1:
                raise ValueError(
                    f"Cannot load musicgen_lm as parameter '{name}' must be >= 1: "
                    f"current value is {getattr(self, name)}"
                )
        if self.reserve_decode_gib < 0:
            raise ValueError(
                "Cannot load musicgen_lm as parameter 'reserve_decode_gib' must be >= 0: "
                f"current value is {self.reserve_decode_gib}"
            )
        if self.max_queue_size < 0:
            raise ValueError(
                f"Cannot load musicgen_lm as parameter 'max_queue_size' must be >= 0: "
                f"current value is {self.max_queue_size}"
            )


def parse_parameters(cls, params: Mapping[str, object], model_name: str):
    """Builds the dataclass ``cls`` from config.pbtxt ``parameters`` and calls its ``validate()``.

    Keys that are not fields of ``cls`` are ignored (Triton's own, such as EXECUTION_ENV_PATH);
    a value that does not convert fails with "Cannot load {model_name} as parameter ...".
    """
    values = {}
    known = {f.name: f for f in fields(cls)}
    for key, raw in params.items():
        if key not in known:
            continue
        text = raw.get("string_value", "") if isinstance(raw, Mapping) else str(raw)
        values[key] = _convert(key, text.strip(), known[key].type, model_name)
    cfg = cls(**values)
    cfg.validate()
    return cfg


def _convert(key: str, text: str, kind: object, model_name: str):
    kind = str(kind)
    try:
        if "bool" in kind:
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        if "Tuple" in kind:
            return tuple(int(x) for x in text.replace(" ", "").split(",") if x)
        if "int" in kind:
            return 0 if key == "max_concurrent_requests" and text.lower() == "auto" else int(text)
        if "float" in kind:
            value = float(text)
            if not math.isfinite(value):
                raise ValueError(text)
            return value
    except ValueError:
        raise ValueError(
            f"Cannot load {model_name} as parameter '{key}' is not a valid {kind}: current value is {text!r}"
        ) from None
    return text
