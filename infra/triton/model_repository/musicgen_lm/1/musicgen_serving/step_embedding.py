"""The decode step's input as one Triton kernel: codebook embeddings, scale and position, for both CFG rows.

Each decode step starts from the tokens fed to every running slot (``[B, K]``, one per codebook): the
decoder sums the K codebook embeddings, scales them (MusicGen's ``scale_embedding``), adds the
sinusoidal position of each slot and repeats every row twice, conditional and unconditional
(:func:`step_embedding_reference`: ``_twice(decoder._embed(tokens)) + pos_table[_twice(pos)]``). That
is about ten small kernels (K gathers, K - 1 additions, the scale, two repeats, a gather and an
addition) for a few kilobytes of data, and at small batches a step's time goes to kernel count, not
bandwidth. :func:`step_embedding` does the same in one kernel, accumulating in float32 in the same
order, with no host sync (CUDA-graph safe). The decoder's step uses it with ``decode_attention: triton``.

On a CPU it runs only in Triton's interpreter (``TRITON_INTERPRET=1`` before triton defines the
kernel; tests/conftest.py sets it where no GPU exists), which is how CI checks it against the plain path.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

BLOCK_D = 256  # hidden units per program


@triton.jit
def _step_embedding_kernel(
    tokens_ptr,
    tables_ptr,
    positions_ptr,
    pos_table_ptr,
    out_ptr,
    hidden,
    token_row,
    table_codebook,
    table_row,
    pos_row,
    out_row,
    scale,
    CODEBOOKS: tl.constexpr,
    BLOCK: tl.constexpr,
):
    slot = tl.program_id(0)
    d = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    inside = d < hidden
    acc = tl.zeros([BLOCK], dtype=tl.float32)
    for k in tl.static_range(CODEBOOKS):
        token = tl.load(tokens_ptr + slot * token_row + k)
        acc += tl.load(tables_ptr + k * table_codebook + token * table_row + d, mask=inside, other=0.0).to(tl.float32)
    position = tl.load(positions_ptr + slot)
    x = acc * scale + tl.load(pos_table_ptr + position * pos_row + d, mask=inside, other=0.0).to(tl.float32)
    x = x.to(out_ptr.dtype.element_ty)
    tl.store(out_ptr + (2 * slot) * out_row + d, x, mask=inside)
    tl.store(out_ptr + (2 * slot + 1) * out_row + d, x, mask=inside)


def step_embedding(
    tokens: torch.Tensor, tables: torch.Tensor, positions: torch.Tensor, pos_table: torch.Tensor, scale: float
) -> torch.Tensor:
    """The step input ``[2B, d]`` (rows ``2b`` and ``2b + 1`` equal) in the tables' dtype.

    ``tokens`` int64 ``[B, K]``; ``tables`` ``[K, V, d]`` (codebook k's embedding table at index k,
    contiguous in its last dimension); ``positions`` int64 ``[B]``, rows of ``pos_table`` ``[L, d]``;
    ``scale`` multiplies the summed embeddings before the position is added (1.0: none).
    """
    slots, codebooks = tokens.shape
    hidden = tables.shape[2]
    out = torch.empty(2 * slots, hidden, device=tables.device, dtype=tables.dtype)
    _step_embedding_kernel[(slots, triton.cdiv(hidden, BLOCK_D))](
        tokens,
        tables,
        positions,
        pos_table,
        out,
        hidden,
        tokens.stride(0),
        tables.stride(0),
        tables.stride(1),
        pos_table.stride(0),
        out.stride(0),
        scale,
        CODEBOOKS=codebooks,
        BLOCK=BLOCK_D,
    )
    return out


def step_embedding_reference(decoder, tokens: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """The same through ``decoder``'s own plain path (a :class:`~musicgen_serving.decoder.StaticCacheDecoder`),
    as its decode step computes it."""
    from .decoder import _twice

    return _twice(decoder._embed(tokens)) + decoder.pos_table[_twice(positions)]
