"""GPU memory that ``musicgen_lm``'s automatic slot count leaves to ``encodec_decode``.

Both models share one GPU, and each Python-backend instance is its own process with its own CUDA
context and caching allocator, so ``musicgen_lm`` (which sizes its KV-cache slots from the free
memory it sees at load) must keep room for the decoder whatever the load order. The room is the
``reserve_decode_gib`` parameter of ``musicgen_lm``; :func:`decode_reserve_bytes` is the arithmetic
behind its default, and a test holds that default to this estimate for the shipped configs.

Measured on CPU (float32, released 32 kHz EnCodec shape, transformers 4.46 / torch 1.13; peak
resident memory sampled during one decode, batch 1 and 2, T = 100 to 1500): activations peak at
0.705 MiB per frame and batch row, linear in both (1056 MiB for one 30 s decode). Estimated, not
measured (no GPU here): the CUDA context of the decoder's process (~0.5 GiB) and a 25 % margin for
the caching allocator's rounding and cuDNN workspaces.
"""

from __future__ import annotations

MIB = 2**20
GIB = 2**30

ACTIVATION_BYTES_PER_FRAME_FP32 = int(0.705 * MIB)  # measured peak per frame and batch row
DECODER_PARAMETERS = 30_543_683  # decoder + quantizer of the 32 kHz EnCodec, weight norm folded (tensor elements)
CUDA_CONTEXT_BYTES = 512 * MIB  # estimated: one CUDA context per Python-backend process
ALLOCATOR_MARGIN = 1.25  # estimated: caching-allocator rounding, cuDNN workspaces

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}


def decode_reserve_bytes(max_batch_size: int, max_frames: int, dtype: str = "float32") -> int:
    """GPU bytes one ``encodec_decode`` instance may use: weights, context, activations at full batch.

    Example::

        decode_reserve_bytes(4, 1500) / GIB   # about 5.8 (the shipped configuration)
    """
    scale = DTYPE_BYTES[dtype] / 4
    activations = ACTIVATION_BYTES_PER_FRAME_FP32 * scale * max_batch_size * max_frames * ALLOCATOR_MARGIN
    weights = DECODER_PARAMETERS * DTYPE_BYTES[dtype]
    return int(activations + weights + CUDA_CONTEXT_BYTES)
