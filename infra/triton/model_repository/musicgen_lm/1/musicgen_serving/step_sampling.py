"""The decode step's end as one Triton kernel: guidance, the draw and the commit of every (slot, codebook).

After the LM heads, the plain path (:meth:`StaticCacheDecoder.decode_logits`, ``sample`` and ``commit``)
runs about a hundred small kernels on a few hundred kilobytes: the float32 cast, classifier-free guidance,
the counter-based uniforms (:func:`sampling.uniform`, four hash rounds), temperature, softmax, sort,
two cumulative sums, the top-k / top-p masks, the inverse-CDF draw, greedy's argmax, then the delay
pattern's prompt and special cells, the frame scatter and the token update. At small batches a step's
time goes to kernel count, so :func:`sample_and_commit` does all of it, the position update included,
in one launch: one program per slot, its codebooks side by side, with no host sync (CUDA-graph safe).

It draws what the plain path draws without sorting. The plain path sorts a row's codes by probability
(ties: lower code first) and walks the sorted cumulative sums. Here each code gets a 64-bit key that
orders the same way: its probability's bits (non-negative floats order as their bit patterns) above the
complement of the code. Every cut the plain path makes in sorted order is then the largest key ``c``
whose sum of weights over keys ``>= c`` is above a goal, found by bisecting the key's bits (about 42
masked sums of the row, where a sort of 2048 keys takes 66 exchange stages):

- top-k: the k-th largest key (weights 1, goal k - 1); top-p: the first key at which the mass before it
  reaches top_p (weights: probabilities); the draw: the key at which the kept mass passes ``u`` times
  the kept total, which is the chosen code's own key.

The sums run in another order than torch's cumulative sums (and a GPU's ``exp`` may round otherwise
than torch's), so a draw whose uniform lands within a rounding error of a step of the CDF, or a top-p
cut within one of its threshold, may pick the neighbouring code: a chance of the order of the kept
codes times 1e-7 per draw. Greedy rows, top-k's cut and the commit are exact.

On a CPU it runs only in Triton's interpreter (``TRITON_INTERPRET=1`` before triton defines the
kernel; tests/conftest.py sets it where no GPU exists), which is how CI checks it against the plain path.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

_GOLDEN = tl.constexpr(0x1E3779B9)  # the constants of sampling.uniform's hash
_M1 = tl.constexpr(0x7FEB352D)
_M2 = tl.constexpr(0x68E31DA5)
_CODEBOOK_MIX = tl.constexpr(0x9E3B)
NUM_WARPS = 8  # a program holds 4 x 2048 keys and probabilities
PROBABILITY_BITS = 30  # a float32 in [0, 1] is a bit pattern below 2**30 (1.0 is 0x3F800000)


@triton.jit
def _mix32(x):
    """sampling._mix32 on uint32 (multiplication wraps modulo 2**32, as its masks do)."""
    x = x ^ (x >> 16)
    x = x * _M1
    x = x ^ (x >> 15)
    x = x * _M2
    return x ^ (x >> 16)


@triton.jit
def _uniform(seed_lo, seed_hi, step, codebook):
    """sampling.uniform for one slot at one step: float32s in [0, 1) from 24 bits of the hash, one per
    ``codebook`` (an int32 vector)."""
    h = _mix32(seed_lo.to(tl.uint32) ^ _GOLDEN)
    h = _mix32(h ^ seed_hi.to(tl.uint32))
    h = _mix32(h ^ step.to(tl.uint32))
    h = _mix32(h ^ (codebook * _CODEBOOK_MIX + 1).to(tl.uint32))
    return (h >> 8).to(tl.float32) * (1.0 / 16777216.0)


@triton.jit
def _largest_cut(key, weight, goal, KEY_BITS: tl.constexpr):
    """Per row of ``key`` (int64 [rows, n], each in [0, 2**KEY_BITS), or -1 for none), the largest c in
    [-1, 2**KEY_BITS) with ``sum(weight where key >= c) > goal`` (``goal`` >= 0 per row; -1: no such c)."""
    lo = tl.zeros(goal.shape, dtype=tl.int64) - 1  # the answer is always >= lo ...
    hi = tl.zeros(goal.shape, dtype=tl.int64) + (1 << KEY_BITS)  # ... and < hi (nothing is above it)
    for _ in range(KEY_BITS + 1):
        mid = (lo + hi) >> 1
        above = tl.sum(tl.where(key >= mid[:, None], weight, 0.0), 1) > goal
        lo = tl.where(above, mid, lo)
        hi = tl.where(above, hi, mid)
    return lo


@triton.jit
def _sample_commit_kernel(
    logits_ptr,
    guidance_ptr,
    temperature_ptr,
    top_k_ptr,
    top_p_ptr,
    seed_lo_ptr,
    seed_hi_ptr,
    pos_ptr,
    prompt_len_ptr,
    total_ptr,
    active_ptr,
    prompt_ptr,
    frames_ptr,
    tokens_ptr,
    codebooks,
    vocab,
    logits_codebook,
    logits_row,
    prompt_slot,
    prompt_codebook,
    frames_slot,
    frames_codebook,
    tokens_slot,
    pad_id,
    max_frames,
    BLOCK_K: tl.constexpr,
    BLOCK_V: tl.constexpr,
    INDEX_BITS: tl.constexpr,
    KEY_BITS: tl.constexpr,
):
    slot = tl.program_id(0)
    k = tl.arange(0, BLOCK_K)  # the slot's codebooks, one per row of every [BLOCK_K, BLOCK_V] block
    rank = tl.arange(0, BLOCK_V)[None, :]
    has_k = k < codebooks
    valid = has_k[:, None] & (rank < vocab)

    # guidance on the conditional (row 2 * slot) and unconditional (row 2 * slot + 1) logits
    row = logits_ptr + k[:, None] * logits_codebook + (2 * slot) * logits_row + rank
    cond = tl.load(row, mask=valid, other=0.0).to(tl.float32)
    uncond = tl.load(row + logits_row, mask=valid, other=0.0).to(tl.float32)
    scale = tl.load(guidance_ptr + slot)
    guided = tl.where(scale == 1.0, cond, uncond + (cond - uncond) * scale)
    guided = tl.where(valid, guided, float("-inf"))
    greedy = tl.argmax(guided, 1)

    # softmax at the slot's temperature; keys in the plain path's sorted order (ties: lower code first)
    temperature = tl.load(temperature_ptr + slot)
    x = guided / tl.maximum(temperature, 1e-5)
    e = tl.where(valid, tl.exp(x - tl.max(x, 1)[:, None]), 0.0)
    probs = e * (1.0 / tl.sum(e, 1))[:, None]
    bits = probs.to(tl.int32, bitcast=True).to(tl.int64)
    key = tl.where(valid, (bits << INDEX_BITS) | (BLOCK_V - 1 - rank), -1)

    # top-p when set (keep the codes before which less than top_p of the mass lies), else top-k when set
    top_p = tl.load(top_p_ptr + slot)
    top_k = tl.load(top_k_ptr + slot)
    zeros = tl.zeros([BLOCK_K], dtype=tl.float32)
    if top_p > 0:
        cut = _largest_cut(key, probs, zeros + top_p, KEY_BITS)
    else:
        k_kept = tl.where((top_k > 0) & (top_k < vocab), top_k, vocab).to(tl.float32)
        cut = _largest_cut(key, valid.to(tl.float32), zeros + (k_kept - 1.0), KEY_BITS)
    kept = tl.where(key >= cut[:, None], probs, 0.0)

    # the inverse-CDF draw with the slot's counter-based uniform for this step and each codebook
    pos = tl.load(pos_ptr + slot)
    u = _uniform(tl.load(seed_lo_ptr + slot), tl.load(seed_hi_ptr + slot), pos + 1, k)
    chosen = _largest_cut(key, kept, u * tl.sum(kept, 1), KEY_BITS)
    # none when rounding puts the goal at the total: the plain path then takes the last code in its order
    chosen = tl.where(chosen >= 0, chosen, tl.min(tl.where(valid, key, 1 << KEY_BITS), 1))
    sampled = BLOCK_V - 1 - (chosen & (BLOCK_V - 1))
    token = tl.where(temperature <= 0, greedy.to(tl.int64), sampled)

    # the commit: codebook k's cell of the step after pos belongs to frame pos - k
    t = pos - k
    prompt_frames = tl.load(prompt_len_ptr + slot)
    total = tl.load(total_ptr + slot)
    frame = tl.minimum(tl.maximum(t, 0), max_frames - 1)
    from_prompt = tl.load(prompt_ptr + slot * prompt_slot + k * prompt_codebook + frame, mask=has_k, other=0)
    new = tl.where((t >= 0) & (t < prompt_frames), from_prompt, token)
    new = tl.where((t < 0) | (t >= total), pad_id, new)
    column = tl.where((t >= prompt_frames) & (t < total), t - prompt_frames, max_frames)
    tl.store(frames_ptr + slot * frames_slot + k * frames_codebook + column, new.to(tl.int32), mask=has_k)
    active = tl.load(active_ptr + slot) != 0
    tl.store(tokens_ptr + slot * tokens_slot + k, new, mask=has_k & active)
    tl.store(pos_ptr + slot, pos + active.to(tl.int64))


def vocab_constants(vocab: int) -> dict:
    """The kernel's compile-time sizes for a vocabulary: its block (a power of two), the code's bits in a
    key and the key's bits."""
    block_v = triton.next_power_of_2(vocab)
    index_bits = block_v.bit_length() - 1
    return {"BLOCK_V": block_v, "INDEX_BITS": index_bits, "KEY_BITS": PROBABILITY_BITS + index_bits}


def sample_and_commit(
    logits: torch.Tensor,
    *,
    guidance: torch.Tensor,
    temperature: torch.Tensor,
    top_k: torch.Tensor,
    top_p: torch.Tensor,
    seed_lo: torch.Tensor,
    seed_hi: torch.Tensor,
    pos: torch.Tensor,
    prompt_len: torch.Tensor,
    total_frames: torch.Tensor,
    active: torch.Tensor,
    prompt: torch.Tensor,
    frames: torch.Tensor,
    tokens: torch.Tensor,
    pad_id: int,
) -> None:
    """Draws each slot's codes from the LM heads' logits and commits them, as the decoder's ``sample`` and
    ``commit`` do.

    ``logits`` ``[K, 2B, V]`` (any float dtype; rows ``2b`` and ``2b + 1`` are slot b's conditional and
    unconditional logits). Per slot ``[B]``: ``guidance``, ``temperature``, ``top_p`` float32; ``top_k``,
    ``seed_lo``, ``seed_hi``, ``pos``, ``prompt_len``, ``total_frames`` int64; ``active`` bool. Updated in
    place: ``frames`` int32 ``[B, K, F + 1]`` (column F takes cells that are not generated frames),
    ``tokens`` int64 ``[B, K]`` and ``pos`` (both only for active slots). ``prompt`` int64 ``[B, K, F]``.
    Each slot's tensors are contiguous in their last dimension.
    """
    codebooks, rows, vocab = logits.shape
    batch = rows // 2
    if batch == 0:
        return
    _sample_commit_kernel[(batch,)](
        logits,
        guidance,
        temperature,
        top_k,
        top_p,
        seed_lo,
        seed_hi,
        pos,
        prompt_len,
        total_frames,
        active,
        prompt,
        frames,
        tokens,
        codebooks,
        vocab,
        logits.stride(0),
        logits.stride(1),
        prompt.stride(0),
        prompt.stride(1),
        frames.stride(0),
        frames.stride(1),
        tokens.stride(0),
        pad_id,
        prompt.shape[2],
        BLOCK_K=triton.next_power_of_2(codebooks),
        **vocab_constants(vocab),
        num_warps=NUM_WARPS,
    )
