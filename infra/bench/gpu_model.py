#!/usr/bin/env python3
"""A two-part model of musicgen_lm's decode step, for predicting GPUs we have not measured (the L40S).

A step costs a fixed part, which does not scale with memory bandwidth (about a thousand small kernels:
launch gaps, tails, latency-bound LayerNorms and reductions), plus the bytes it must read (weights once,
the KV cache of every row up to the attended length) at an achieved fraction of peak bandwidth:

    step_ms(B, L) = c0 + c1 * B + bytes(B, L) / (efficiency * bandwidth)

Calibrated on the H200's CUDA-graph replay (medium, fp16, cache length 768, 2026-11-30): 4.43 ms for
1 prompt and 13.1 ms for 64, with the profile's 84 % of peak bandwidth for the cache-bound step. The fixed
part is assumed to carry over to other GPUs unchanged (the L40S clocks higher and has more SMs, so this
is if anything pessimistic); only the bytes scale with bandwidth. A pure bandwidth ratio predicted 0.8
audio-s/s for one prompt on an L40S, which cannot be right because most of that step is not bytes.

    python infra/bench/gpu_model.py            # the table in docs/performance.md
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

FRAME_RATE = 50
MEDIUM = {"layers": 48, "hidden": 1536, "heads": 24, "weights_bytes": 3.7e9}
BANDWIDTH = {"H200": 4.8e12, "L40S": 0.864e12}  # datasheet bytes/s
MEMORY_GIB = {"H200": 141, "L40S": 48}
EFFICIENCY = 0.84  # achieved/peak bandwidth of the cache-bound step (H200 profile)
CALIBRATION = ((1, 768, 4.43), (64, 768, 13.1))  # (prompts, cache length, ms per step) on the H200


def position_bytes(kv_cache_dtype: str, model=MEDIUM) -> float:
    """KV bytes per row and cache position over all layers (K and V)."""
    head_dim = model["hidden"] // model["heads"]
    per_head = 2 * head_dim if kv_cache_dtype == "auto" else head_dim + 4  # fp16, or e4m3 + fp32 scale
    return 2 * model["layers"] * model["heads"] * per_head


def step_bytes(prompts: int, length: int, kv_cache_dtype: str = "auto", model=MEDIUM) -> float:
    """Bytes one step reads: the weights, and 2 rows (CFG) per prompt of ``length`` cached positions."""
    return model["weights_bytes"] + 2 * prompts * length * position_bytes(kv_cache_dtype, model)


@dataclass(frozen=True)
class StepModel:
    c0_ms: float
    c1_ms: float  # per prompt

    @classmethod
    def calibrate(cls, bandwidth: float = BANDWIDTH["H200"]) -> StepModel:
        """Fits c0 and c1 to the two calibration points after taking out their bytes."""
        (b1, l1, t1), (b2, l2, t2) = CALIBRATION
        f1 = t1 - 1e3 * step_bytes(b1, l1) / (EFFICIENCY * bandwidth)
        f2 = t2 - 1e3 * step_bytes(b2, l2) / (EFFICIENCY * bandwidth)
        c1 = (f2 - f1) / (b2 - b1)
        return cls(c0_ms=f1 - c1 * b1, c1_ms=c1)

    def step_ms(self, gpu: str, prompts: int, length: int, kv_cache_dtype: str = "auto") -> float:
        fixed = self.c0_ms + self.c1_ms * prompts
        return fixed + 1e3 * step_bytes(prompts, length, kv_cache_dtype) / (EFFICIENCY * BANDWIDTH[gpu])

    def audio_s_per_s(self, gpu: str, prompts: int, length: int = 768, kv_cache_dtype: str = "auto") -> float:
        """Seconds of audio per second: each step makes one frame for each prompt."""
        return prompts * 1e3 / self.step_ms(gpu, prompts, length, kv_cache_dtype) / FRAME_RATE


def slots(gpu: str, kv_cache_dtype: str = "auto", reserve_gib: float = 6.0, max_len: int = 1536) -> int:
    """30 s requests that fit: loader.auto_slots' rule (90 % of free, minus 2 GiB and the decoder's reserve)
    on the memory left after the weights, with 64 text positions of fp16 cross-attention per row."""
    free = MEMORY_GIB[gpu] * 2**30 - MEDIUM["weights_bytes"] - 1.5 * 2**30  # CUDA context, T5 (fp32)
    budget = free * 0.9 - 2 * 2**30 - reserve_gib * 2**30
    per_slot = 2 * (max_len * position_bytes(kv_cache_dtype) + 64 * position_bytes("auto"))
    return int(budget // per_slot)


def table(model: StepModel) -> str:
    lines = [
        "| GPU | KV cache | slots (30 s) | 1 prompt | full slots | ms per step (1 / full) |",
        "|---|---|---|---|---|---|",
    ]
    for gpu in ("H200", "L40S"):
        for kv in ("auto", "fp8"):
            n = min(slots(gpu, kv), 64 if gpu == "H200" else 10**6)
            one, full = model.audio_s_per_s(gpu, 1, 768, kv), model.audio_s_per_s(gpu, n, 768, kv)
            ms = f"{model.step_ms(gpu, 1, 768, kv):.1f} / {model.step_ms(gpu, n, 768, kv):.1f}"
            name = "fp16" if kv == "auto" else "fp8 (e4m3)"
            lines.append(f"| {gpu} | {name} | {n} | {one:.2f} | {full:.1f} | {ms} |")
    return "\n".join(lines)


def main() -> int:
    model = StepModel.calibrate()
    print(f"fixed part: {model.c0_ms:.3f} ms + {model.c1_ms:.4f} ms per prompt; efficiency {EFFICIENCY}")
    print(table(model))
    return 0


if __name__ == "__main__":
    sys.exit(main())
