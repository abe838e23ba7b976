#!/usr/bin/env python3
"""How far a float8 KV cache moves MusicGen's next-frame distributions from the LM-dtype cache.

Two decoders over the same weights, one per cache kind, are fed the same codes step after step
(teacher forcing: the reference decoder samples, both are given its codes), so their distributions can
be compared at every step without the runs drifting apart. Per step, codebook and prompt:

- KL(reference || float8) of the guided next-code distributions (nats);
- greedy agreement: whether both would pick the same most likely code.

Usage (GPU: medium-shaped random fp16, 1500 steps, about a minute on an H200)::

    python infra/bench/kv_drift.py --out /tmp/drift [--size medium --steps 1500 --prompts 4]

Random weights make flat-ish distributions, not music: the numbers bound what the cache's rounding does
to this network's arithmetic, they do not certify audio quality (released weights must, on the pod).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "triton", "model_repository", "musicgen_lm", "1"))

TEXTS = ("lofi hip hop beat with piano", "calm ambient pad", "upbeat electronic dance", "cinematic strings")


def measure(model, tokenizer, steps: int, prompts: int = 4, kv_block: int = 128, compare: str = "fp8") -> dict:
    """Teacher-forced drift over ``steps`` steps of ``prompts`` requests: the LM-dtype cache against a
    cache of kind ``compare`` ("fp8", or "auto" to check that identical caches give zero drift)."""
    import torch

    from musicgen_serving.decoder import DecoderOptions, StaticCacheDecoder
    from musicgen_serving.request import GenerationRequest

    def decoder(kind):
        options = DecoderOptions(
            max_slots=prompts, max_frames=steps, max_text_tokens=64, kv_block=kv_block, kv_cache_dtype=kind
        )
        return StaticCacheDecoder(model, tokenizer, options)

    ref, other = decoder("auto"), decoder(compare)
    requests = [
        GenerationRequest(
            text=TEXTS[i % len(TEXTS)],
            num_frames=steps - 3,
            prompt_codes=None,
            seed=100 + i,
            guidance_scale=3.0,
            top_k=250,
            temperature=1.0,
        )  # fmt: skip
        for i in range(prompts)
    ]
    slots = list(range(prompts))
    ref.admit(slots, requests)
    other.admit(slots, requests)
    kl_sum, kl_max, agree, cells = 0.0, 0.0, 0, 0
    started = time.perf_counter()
    for step in range(steps):
        length = min(ref.max_len, math.ceil((step + 1) / kv_block) * kv_block)
        g_ref = ref.decode_logits(prompts, length)
        g_other = other.decode_logits(prompts, length)
        live = (ref.pos[:prompts, None] - ref.codebook_index[None, :]) >= 0  # cells that become frames
        logp = torch.log_softmax(g_ref.double(), dim=-1)  # float64: tiny KLs stay non-negative
        logq = torch.log_softmax(g_other.double(), dim=-1)
        kl = (logp.exp() * (logp - logq)).sum(-1)[live]
        same = (g_ref.argmax(-1) == g_other.argmax(-1))[live]
        kl_sum += float(kl.sum())
        kl_max = max(kl_max, float(kl.max())) if kl.numel() else kl_max
        agree += int(same.sum())
        cells += int(live.sum())
        codes = ref.sample(prompts, g_ref)
        ref.commit(prompts, codes)
        other.commit(prompts, codes)
    return {
        "compare": compare,
        "steps": steps,
        "prompts": prompts,
        "cells": cells,
        "mean_kl_nats": kl_sum / max(cells, 1),
        "max_kl_nats": kl_max,
        "greedy_agreement": agree / max(cells, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="folder for drift.json")
    p.add_argument("--size", default="medium", choices=["tiny", "small", "medium", "large"])
    p.add_argument("--dtype", default="float16", choices=["float16", "bfloat16", "float32"])
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--prompts", type=int, default=4)
    args = p.parse_args(argv)
    import torch

    from musicgen_serving import random_model

    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = getattr(torch, args.dtype) if device == "cuda" else torch.float32
    model = random_model.build_model(args.size, seed=0, device=device, dtype=dtype)
    result = measure(model, random_model.build_tokenizer(), args.steps, args.prompts)
    result.update(size=args.size, dtype=str(dtype).replace("torch.", ""), device=device)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "drift.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
