"""The text encoder's self-test at load (contract v1.3): are the T5 states the LM reads finite?

T5 is known to overflow in float16 on some inputs (its feed-forward activations exceed 65504), which
turns the conditioning into inf/NaN and the music into noise or silence. ``musicgen_lm`` runs the text
encoder in float32 by default (``text_encoder_dtype``), and checks at load, once, that a few fixed
prompts give finite states in the dtype the LM reads. The result goes into the instance's facts as
``text_encoder_check``; the first-deploy proof (``deploy:pod --verify``) fails when it is not finite.
"""

from __future__ import annotations

from typing import Dict, Sequence

import torch

# A short prompt, a busy one and one longer than the tokens the model reads (it is truncated).
SELF_TEST_PROMPTS = (
    "calm lofi piano with soft drums, 80 bpm",
    "loud energetic rock: distorted electric guitars, pounding drums, screaming vocals, fast tempo",
    "an orchestral film score " + "with strings, brass, choir, timpani and harp, " * 12,
)


def summarize_states(states: torch.Tensor, prompts: int) -> Dict[str, object]:
    """What the facts say about T5 states ``[B, T, d]``: whether every value is finite, how many are not,
    the largest finite magnitude (rounded), the prompts checked and the states' dtype.

    Example::

        summarize_states(torch.tensor([[[0.5, float("nan")]]]), 1)
        # {"finite": False, "non_finite": 1, "max_abs": 0.5, "prompts": 1, "dtype": "float32"}
    """
    finite_mask = torch.isfinite(states)
    finite_values = states[finite_mask].float().abs()
    return {
        "finite": bool(finite_mask.all()),
        "non_finite": int((~finite_mask).sum()),
        "max_abs": round(float(finite_values.max()), 4) if finite_values.numel() > 0 else 0.0,
        "prompts": prompts,
        "dtype": str(states.dtype).replace("torch.", ""),
    }


def text_encoder_check(decoder, prompts: Sequence[str] = SELF_TEST_PROMPTS) -> Dict[str, object]:
    """T5-encodes ``prompts`` the way requests are encoded (``decoder.encode_text``: tokenizer, encoder,
    projection, cast to the LM's dtype) and summarizes the states (:func:`summarize_states`)."""
    states, _mask = decoder.encode_text(list(prompts))
    return summarize_states(states, len(prompts))
