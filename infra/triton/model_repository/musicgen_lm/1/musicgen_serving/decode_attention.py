"""Decode-step self-attention that reads only each row's own filled cache (split-K, Triton).

One decode step attends one query per row and head to that row's cached keys. The plain path
(:func:`decode_attention_reference`, and SDPA in :mod:`decoder`) reads every row up to the *longest*
running request, rounded up to a block, with an additive mask; with staggered requests short rows pay
for long ones. :func:`decode_attention` reads only positions ``[0, lengths[r])`` of row ``r``:

- the positions of a row are split into ``splits`` chunks, each handled by its own program
  (flash-decoding), so one prompt (2 rows) still spreads over the GPU's SMs; chunks past a row's length
  return at once;
- each program keeps an online softmax (running max, sum, weighted values) in float32;
- a second, small kernel combines the chunks of each row and head.

The cache may be float8 (e4m3) with one float32 scale per row, head and position
(:mod:`kv_cache`); the kernel multiplies the scales in as it loads, so the bytes read per position are
about half of float16's. Launch shapes depend only on (rows, heads, attended length), never on the
lengths' values, so the call can be captured in a CUDA graph.

Triton kernels run on CPU tensors in interpreter mode (``TRITON_INTERPRET=1`` set before triton is
imported), which is how CI tests them against the reference.
"""

from __future__ import annotations

import math
from typing import Optional

import torch

try:
    import triton
    import triton.language as tl
except ImportError:  # torch without triton (CPU wheels): the reference path only
    triton = None
    tl = None

BLOCK_N = 64  # cache positions per inner iteration
TARGET_PROGRAMS = 256  # aim for about this many (row, head, split) programs: ~2 per SM on the big GPUs


def available() -> bool:
    """True when triton is importable (the kernels can be launched on CUDA tensors, or interpreted)."""
    return triton is not None


def choose_splits(rows: int, heads: int, max_length: int, target_programs: int = TARGET_PROGRAMS) -> int:
    """Chunks per row: enough (row, head, chunk) programs to fill the GPU, never a chunk under BLOCK_N."""
    blocks = max(1, math.ceil(max_length / BLOCK_N))
    want = math.ceil(target_programs / max(1, rows * heads))
    return int(max(1, min(blocks, want)))


def decode_attention_reference(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    lengths: torch.Tensor,
    scale: float,
    k_scale: Optional[torch.Tensor] = None,
    v_scale: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """The same result in plain torch (float32 math): q [R, H, D]; k, v [>=R, H, L, D]; lengths [R].

    Rows ``r < R`` attend positions ``[0, lengths[r])`` of ``k[r]``, ``v[r]``; float8 caches are
    dequantized with ``k_scale``/``v_scale`` [>=R, H, L]. Returns [R, H, D] in ``q``'s dtype.
    """
    R = q.shape[0]
    kf, vf = _dequantize(k[:R], k_scale, R), _dequantize(v[:R], v_scale, R)
    L = kf.shape[2]
    scores = torch.einsum("rhd,rhld->rhl", q.float(), kf) * scale
    keep = torch.arange(L, device=q.device)[None, :] < lengths[:, None]
    scores = scores.masked_fill(~keep[:, None, :], float("-inf"))
    return torch.einsum("rhl,rhld->rhd", torch.softmax(scores, dim=-1), vf).to(q.dtype)


def _dequantize(x: torch.Tensor, scale: Optional[torch.Tensor], rows: int) -> torch.Tensor:
    x = x.float()
    return x if scale is None else x * scale[:rows, ..., None].float()


def decode_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    lengths: torch.Tensor,
    scale: float,
    max_length: int,
    k_scale: Optional[torch.Tensor] = None,
    v_scale: Optional[torch.Tensor] = None,
    splits: Optional[int] = None,
) -> torch.Tensor:
    """softmax(q k^T * scale) v per row over its own ``lengths[r]`` positions, with the Triton kernels.

    ``q`` [R, H, D]; ``k``, ``v`` one layer's cache [>=R, H, L, D] (any strides, last one 1), float16,
    bfloat16, float32 or float8_e4m3fn with ``k_scale``/``v_scale`` [>=R, H, L] float32; ``lengths``
    int64 [R], each in ``[1, max_length]``; ``max_length`` <= L bounds the positions any row reads (the
    caller's length bucket, so that launch shapes stay fixed). Returns [R, H, D] in ``q``'s dtype.

    Example::

        out = decode_attention(q, k_cache[layer], v_cache[layer], pos + 1, head_dim**-0.5, max_length=256)
    """
    if triton is None:
        raise RuntimeError("Cannot run the Triton decode attention as triton is not installed: use sdpa")
    R, H, D = q.shape
    if (k_scale is None) != (v_scale is None) or (k_scale is None) == (k.dtype == torch.float8_e4m3fn):
        raise ValueError("Cannot run the decode attention: float8 caches need k_scale and v_scale, others none")
    n_splits = splits or choose_splits(R, H, max_length)
    split_blocks = math.ceil(math.ceil(max_length / n_splits) / BLOCK_N)  # one compiled variant per value
    part_m = torch.empty(R, H, n_splits, device=q.device, dtype=torch.float32)
    part_l = torch.empty_like(part_m)
    part_acc = torch.empty(R, H, n_splits, D, device=q.device, dtype=torch.float32)
    out = torch.empty_like(q)
    has_scale = k_scale is not None
    ks = k_scale if has_scale else part_m  # any float32 tensor: never read when HAS_SCALE is False
    vs = v_scale if has_scale else part_m
    block_d = triton.next_power_of_2(D)
    _split_kernel[(R, H, n_splits)](
        q, k, v, ks, vs, lengths, part_m, part_l, part_acc,
        q.stride(0), q.stride(1),
        k.stride(0), k.stride(1), k.stride(2),
        v.stride(0), v.stride(1), v.stride(2),
        ks.stride(0) if has_scale else 0, ks.stride(1) if has_scale else 0,
        vs.stride(0) if has_scale else 0, vs.stride(1) if has_scale else 0,
        scale, n_splits, D,
        HAS_SCALE=has_scale, SPLIT_BLOCKS=split_blocks, BLOCK_N=BLOCK_N, BLOCK_D=block_d,
    )  # fmt: skip
    _combine_kernel[(R, H)](
        part_m, part_l, part_acc, out,
        out.stride(0), out.stride(1), n_splits, D,
        BLOCK_S=triton.next_power_of_2(n_splits), BLOCK_D=block_d,
    )  # fmt: skip
    return out


if triton is not None:

    @triton.jit
    def _split_kernel(
        q_ptr, k_ptr, v_ptr, ks_ptr, vs_ptr, len_ptr, m_ptr, l_ptr, acc_ptr,
        sq_r, sq_h, sk_r, sk_h, sk_l, sv_r, sv_h, sv_l, sks_r, sks_h, svs_r, svs_h,
        scale, n_splits, D,
        HAS_SCALE: tl.constexpr, SPLIT_BLOCKS: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_D: tl.constexpr,
    ):  # fmt: skip
        r = tl.program_id(0)
        h = tl.program_id(1)
        s = tl.program_id(2)
        length = tl.load(len_ptr + r)
        start = s * (SPLIT_BLOCKS * BLOCK_N)
        end = tl.minimum(start + SPLIT_BLOCKS * BLOCK_N, length)
        d = tl.arange(0, BLOCK_D)
        d_ok = d < D
        q = tl.load(q_ptr + r * sq_r + h * sq_h + d, mask=d_ok, other=0.0).to(tl.float32) * scale
        m_i = tl.full((), -float("inf"), tl.float32)
        l_i = tl.full((), 0.0, tl.float32)
        acc = tl.zeros([BLOCK_D], dtype=tl.float32)
        k_row = k_ptr + r * sk_r + h * sk_h
        v_row = v_ptr + r * sv_r + h * sv_h
        # a trip count fixed at compile time (SPLIT_BLOCKS, from the launch shape), skipping the blocks
        # past the row's end: no memory is read for them
        for i in range(SPLIT_BLOCKS):
            n0 = start + i * BLOCK_N
            if n0 < end:
                n = n0 + tl.arange(0, BLOCK_N)
                n_ok = n < end
                tile = n_ok[:, None] & d_ok[None, :]
                kt = tl.load(k_row + n[:, None] * sk_l + d[None, :], mask=tile, other=0.0).to(tl.float32)
                vt = tl.load(v_row + n[:, None] * sv_l + d[None, :], mask=tile, other=0.0).to(tl.float32)
                if HAS_SCALE:
                    kt = kt * tl.load(ks_ptr + r * sks_r + h * sks_h + n, mask=n_ok, other=0.0)[:, None]
                    vt = vt * tl.load(vs_ptr + r * svs_r + h * svs_h + n, mask=n_ok, other=0.0)[:, None]
                scores = tl.sum(kt * q[None, :], axis=1)
                scores = tl.where(n_ok, scores, -float("inf"))
                m_new = tl.maximum(m_i, tl.max(scores, axis=0))
                alpha = tl.exp(m_i - m_new)
                p = tl.exp(scores - m_new)
                l_i = l_i * alpha + tl.sum(p, axis=0)
                acc = acc * alpha + tl.sum(p[:, None] * vt, axis=0)
                m_i = m_new
        base = (r * tl.num_programs(1) + h) * n_splits + s
        tl.store(m_ptr + base, m_i)
        tl.store(l_ptr + base, l_i)
        tl.store(acc_ptr + base * D + d, acc, mask=d_ok)

    @triton.jit
    def _combine_kernel(
        m_ptr, l_ptr, acc_ptr, out_ptr, so_r, so_h, n_splits, D,
        BLOCK_S: tl.constexpr, BLOCK_D: tl.constexpr,
    ):  # fmt: skip
        r = tl.program_id(0)
        h = tl.program_id(1)
        s = tl.arange(0, BLOCK_S)
        s_ok = s < n_splits
        d = tl.arange(0, BLOCK_D)
        d_ok = d < D
        base = (r * tl.num_programs(1) + h) * n_splits
        m = tl.load(m_ptr + base + s, mask=s_ok, other=-float("inf"))
        l = tl.load(l_ptr + base + s, mask=s_ok, other=0.0)  # noqa: E741
        acc = tl.load(acc_ptr + (base + s)[:, None] * D + d[None, :], mask=s_ok[:, None] & d_ok[None, :], other=0.0)
        m_all = tl.max(m, axis=0)
        w = tl.where(m > -float("inf"), tl.exp(m - m_all), 0.0)
        total = tl.sum(w * l, axis=0)
        o = tl.sum(w[:, None] * acc, axis=0) / total
        tl.store(out_ptr + r * so_r + h * so_h + d, o.to(out_ptr.dtype.element_ty), mask=d_ok)
