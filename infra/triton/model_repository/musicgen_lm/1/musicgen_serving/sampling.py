"""Classifier-free guidance and top-k / top-p / temperature sampling for a whole batch in one pass.

Randomness comes from a counter-based generator: the uniform number for (request seed, step,
codebook) is a hash of those three integers. Each request therefore has its own reproducible
stream that does not depend on which other requests share the batch, and the whole batch samples
with a fixed number of kernels (no per-request ``torch.Generator``), which CUDA graphs can capture.
All integer arithmetic stays below 2**63, so CPU and GPU give the same numbers.
"""

from __future__ import annotations

import torch

_MASK32 = 0xFFFFFFFF
_M1 = 0x7FEB352D
_M2 = 0x68E31DA5
_GOLDEN = 0x1E3779B9


def _mix32(x: torch.Tensor) -> torch.Tensor:
    """A 32-bit avalanche hash (xorshift-multiply) on int64 tensors holding values < 2**32."""
    x = x ^ (x >> 16)
    x = (x * _M1) & _MASK32
    x = x ^ (x >> 15)
    x = (x * _M2) & _MASK32
    return x ^ (x >> 16)


def split_seed(seed: int) -> tuple:
    """Splits any Python int seed into two 32-bit halves (two's complement for negatives)."""
    s = seed & 0xFFFFFFFFFFFFFFFF
    return s & _MASK32, s >> 32


def uniform(seed_lo: torch.Tensor, seed_hi: torch.Tensor, step: torch.Tensor, num_codebooks: int) -> torch.Tensor:
    """Uniform floats in [0, 1) of shape [B, num_codebooks] for int64 seeds/steps of shape [B]."""
    k = torch.arange(num_codebooks, device=step.device, dtype=torch.int64)
    h = _mix32(seed_lo[:, None] ^ _GOLDEN)
    h = _mix32(h ^ seed_hi[:, None])
    h = _mix32(h ^ (step[:, None] & _MASK32))
    h = _mix32(h ^ (k[None, :] * 0x9E3B + 1))
    return (h >> 8).to(torch.float32) * (1.0 / (1 << 24))


def guide(cond: torch.Tensor, uncond: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """CFG on raw logits: uncond + (cond - uncond) * scale; a scale of exactly 1 returns cond."""
    s = scale.view(-1, *([1] * (cond.dim() - 1)))
    return torch.where(s == 1.0, cond, uncond + (cond - uncond) * s)


def sample(
    logits: torch.Tensor,
    temperature: torch.Tensor,
    top_k: torch.Tensor,
    top_p: torch.Tensor,
    u: torch.Tensor,
) -> torch.Tensor:
    """Samples one token per (row, codebook) from float32 logits [B, K, V].

    Per row: temperature 0 means greedy; otherwise softmax(logits / temperature), then top-p when
    top_p > 0 (smallest prefix of the sorted distribution whose mass reaches top_p), else top-k when
    top_k > 0, then inverse-CDF sampling with ``u`` ([B, K] uniforms). Codes of equal probability sort
    lower code first (a stable sort), so a draw does not depend on how the sort orders ties.
    """
    vocab = logits.shape[-1]
    greedy = logits.argmax(dim=-1)
    temp = temperature.clamp(min=1e-5).view(-1, 1, 1)
    probs = torch.softmax(logits / temp, dim=-1)
    sorted_probs, sorted_idx = probs.sort(dim=-1, descending=True, stable=True)
    cum = sorted_probs.cumsum(dim=-1)
    keep_p = (cum - sorted_probs) <= top_p.view(-1, 1, 1)
    rank = torch.arange(vocab, device=logits.device).view(1, 1, -1)
    k = torch.where(top_k > 0, top_k, torch.full_like(top_k, vocab)).view(-1, 1, 1)
    keep_k = rank < k
    keep = torch.where(top_p.view(-1, 1, 1) > 0, keep_p, keep_k)
    kept = sorted_probs * keep
    cdf = kept.cumsum(dim=-1)
    target = u * cdf[..., -1]
    choice = (cdf <= target.unsqueeze(-1)).sum(dim=-1).clamp(max=vocab - 1)
    sampled = sorted_idx.gather(-1, choice.unsqueeze(-1)).squeeze(-1)
    return torch.where(temperature.view(-1, 1) <= 0, greedy, sampled)
