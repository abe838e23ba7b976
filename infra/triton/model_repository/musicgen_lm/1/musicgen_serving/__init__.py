"""MusicGen serving: static-cache decoder, CUDA graphs, in-flight batching scheduler, EnCodec decoding.

Layout (one concern per file):
- ``request``: validates Triton inputs into a :class:`GenerationRequest`.
- ``scheduler``: pure-Python in-flight batching (slots, queue, progress, cancellation); no torch.
- ``sampling``: counter-based per-request RNG and CFG / top-k / top-p / temperature sampling.
- ``decoder``: the static KV-cache MusicGen decoder (prefill, batched decode step, delay pattern).
- ``graphs``: CUDA-graph capture per (batch bucket, cache-length bucket), eager fallback.
- ``engine``: the loop that joins scheduler and decoder on a background thread.
- ``loader``: loads a transformers MusicGen checkpoint; ``random_model`` builds random ones for tests.
- ``checkpoint``: where a checkpoint really is (local directory or hub snapshot) and partial tensor reads.

``encodec_decode`` (codes to audio) and ``musicgen_info`` (facts) import this package too:
- ``codec``, ``decode_config``, ``decode_request``, ``decode_batch``: the EnCodec decoder loaded on its
  own, its parameters, CODES validation, batching by T; ``memory``: the GPU room it needs.
- ``errors``: the class tags every error message starts with; ``facts``: what each instance serves.
"""
