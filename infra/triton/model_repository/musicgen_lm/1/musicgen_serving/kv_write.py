"""The decode step's K/V cache write as one Triton kernel per layer (float8 quantization included).

Each decode step stores, in every layer, one new key and value per row and head at that row's own
position. The plain path (:meth:`kv_cache.KVCache.write_positions`) is two ``index_put`` launches, and
with a float8 cache about sixteen more (the absolute maximum, the division, the casts, the scales'
stores). :func:`write_step` does it all in one launch of ``rows x heads`` programs, each reading one
head's new K and V straight from the QKV projection's output (any strides) and writing them, with
their float32 scales for a float8 cache, computed as :func:`kv_cache.quantize` computes them. No host
sync: CUDA-graph safe.

On a CPU it runs only in Triton's interpreter (``TRITON_INTERPRET=1`` before triton defines the
kernel; tests/conftest.py sets it where no GPU exists), which is how CI checks it against the plain path.
"""

from __future__ import annotations

import torch

from .kv_cache import FP8_MAX, MIN_SCALE, KVCache

try:
    import triton
    import triton.language as tl
except ImportError:  # torch without triton (CPU wheels): the plain path only
    triton = None
    tl = None


def write_step(cache: KVCache, layer: int, positions: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> None:
    """Stores ``k[r]``, ``v[r]`` [heads, head_dim] at position ``positions[r]`` of row ``r`` in ``layer``,
    for rows ``0..R-1``: what ``cache.write_positions(layer, arange(R), positions, k, v)`` stores. Any
    strides (the decoder's positions of one slot's two rows are one element, stride 0)."""
    if triton is None:
        raise RuntimeError("Cannot run the Triton KV write as triton is not installed: use decode_attention sdpa")
    rows, heads, head_dim = k.shape
    kc, vc = cache.k[layer], cache.v[layer]
    ks, vs = cache.scales(layer)
    fp8 = ks is not None
    ks = ks if fp8 else kc  # never read when FP8 is False
    vs = vs if fp8 else vc
    _write_kernel[(rows, heads)](
        k, v, positions, kc, vc, ks, vs,
        positions.stride(0), k.stride(0), k.stride(1), v.stride(0), v.stride(1),
        kc.stride(0), kc.stride(1), kc.stride(2), vc.stride(0), vc.stride(1), vc.stride(2),
        ks.stride(0), ks.stride(1), vs.stride(0), vs.stride(1),
        head_dim, FP8_MAX, MIN_SCALE,
        FP8=fp8, BLOCK_D=triton.next_power_of_2(head_dim),
    )  # fmt: skip


if triton is not None:

    @triton.jit
    def _round_to_e4m3(x):
        """``x`` (|x| <= 448) rounded to nearest-even on e4m3's grid, in float32, so that the cast that
        follows is exact. Normal range: keep 3 of float32's 23 mantissa bits (a carry moves into the
        exponent by itself); below 2**-6, e4m3's subnormal step of 2**-9, by adding and taking away 1.5 *
        2**14, whose float32 step is 2**-9, on the magnitude, then x's sign bit (a tiny negative value
        becomes -0.0, as in torch's cast). (Triton's interpreter loses that carry when it casts itself.)"""
        bits = x.to(tl.int32, bitcast=True)
        normal = ((bits + 0x7FFFF + ((bits >> 20) & 1)) & -0x100000).to(tl.float32, bitcast=True)
        magnitude = (tl.abs(x) + 24576.0) - 24576.0
        subnormal = (magnitude.to(tl.int32, bitcast=True) | (bits & -0x80000000)).to(tl.float32, bitcast=True)
        return tl.where(tl.abs(x) < 0.015625, subnormal, normal)

    @triton.jit
    def _store_head(x, cache_ptr, scale_ptr, d, d_ok, fp8_max, min_scale, FP8: tl.constexpr):
        if FP8:
            scale = tl.maximum(tl.max(tl.abs(x), axis=0) / fp8_max, min_scale)
            tl.store(scale_ptr, scale)
            x = _round_to_e4m3(x / scale)
        tl.store(cache_ptr + d, x.to(cache_ptr.dtype.element_ty), mask=d_ok)

    @triton.jit
    def _write_kernel(
        k_ptr, v_ptr, pos_ptr, kc_ptr, vc_ptr, ks_ptr, vs_ptr,
        s_pos, sk_r, sk_h, sv_r, sv_h,
        skc_r, skc_h, skc_l, svc_r, svc_h, svc_l,
        sks_r, sks_h, svs_r, svs_h,
        D, fp8_max, min_scale,
        FP8: tl.constexpr, BLOCK_D: tl.constexpr,
    ):  # fmt: skip
        r = tl.program_id(0)
        h = tl.program_id(1)
        pos = tl.load(pos_ptr + r * s_pos)
        d = tl.arange(0, BLOCK_D)
        d_ok = d < D
        k = tl.load(k_ptr + r * sk_r + h * sk_h + d, mask=d_ok, other=0.0).to(tl.float32)
        v = tl.load(v_ptr + r * sv_r + h * sv_h + d, mask=d_ok, other=0.0).to(tl.float32)
        k_at = kc_ptr + r * skc_r + h * skc_h + pos * skc_l
        v_at = vc_ptr + r * svc_r + h * svc_h + pos * svc_l
        _store_head(k, k_at, ks_ptr + r * sks_r + h * sks_h + pos, d, d_ok, fp8_max, min_scale, FP8)
        _store_head(v, v_at, vs_ptr + r * svs_r + h * svs_h + pos, d, d_ok, fp8_max, min_scale, FP8)
