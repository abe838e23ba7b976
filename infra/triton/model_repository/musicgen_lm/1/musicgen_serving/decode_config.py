"""The configuration of ``encodec_decode``: its config.pbtxt ``parameters`` plus ``max_batch_size``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Mapping

from .config import DTYPES, MODEL_ALIASES, parse_parameters
from .request import MAX_FRAMES

MODEL_NAME = "encodec_decode"


@dataclass(frozen=True)
class DecodeConfig:
    """Every field but ``max_batch_size`` is a config.pbtxt parameter of the same name (string values)."""

    model_id: str = "medium"  # the musicgen_lm checkpoint: small | medium | large | a hub id | a local directory
    dtype: str = "float32"  # float32 | float16 | bfloat16 on GPU (CPU instances always use float32)
    hf_local_files_only: bool = False  # true: never reach the hub, load from the HF cache only
    max_frames: int = MAX_FRAMES  # largest T of one request (30 s); published for clients that split longer codes
    max_batch_size: int = 4  # config.pbtxt's max_batch_size: most rows Triton hands one execute()

    @property
    def resolved_model_id(self) -> str:
        return MODEL_ALIASES.get(self.model_id, self.model_id)

    @classmethod
    def from_model_config(cls, model_config: Mapping[str, object]) -> DecodeConfig:
        """Builds from the model configuration Triton passes to ``initialize`` (parsed JSON)."""
        params = {k: v for k, v in dict(model_config.get("parameters") or {}).items() if k != "max_batch_size"}
        cfg = parse_parameters(cls, params, MODEL_NAME)
        cfg = dataclasses.replace(cfg, max_batch_size=int(model_config.get("max_batch_size", 0)))
        cfg.validate()
        return cfg

    def validate(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(
                f"Cannot load {MODEL_NAME} as parameter 'dtype' must be one of {DTYPES}: "
                f"current value is {self.dtype!r}"
            )
        if self.max_frames < 1:
            raise ValueError(
                f"Cannot load {MODEL_NAME} as parameter 'max_frames' must be >= 1: current value is {self.max_frames}"
            )
        if self.max_batch_size < 1:
            raise ValueError(
                f"Cannot load {MODEL_NAME} as max_batch_size must be >= 1 (the leading 1 of CODES [1, 4, T] is "
                f"the batch dimension): current value is {self.max_batch_size}"
            )
