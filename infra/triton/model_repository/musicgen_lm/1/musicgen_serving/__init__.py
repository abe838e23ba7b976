"""MusicGen LM serving: static-cache decoder, CUDA graphs and an in-flight batching scheduler.

Layout (one concern per file):
- ``request``: validates Triton inputs into a :class:`GenerationRequest`.
- ``scheduler``: pure-Python in-flight batching (slots, queue, progress, cancellation); no torch.
- ``sampling``: counter-based per-request RNG and CFG / top-k / top-p / temperature sampling.
- ``decoder``: the static KV-cache MusicGen decoder (prefill, batched decode step, delay pattern).
- ``graphs``: CUDA-graph capture per (batch bucket, cache-length bucket), eager fallback.
- ``engine``: the loop that joins scheduler and decoder on a background thread.
- ``loader``: loads a transformers MusicGen checkpoint; ``random_model`` builds random ones for tests.
"""
