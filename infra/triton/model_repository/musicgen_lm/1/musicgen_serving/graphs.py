"""Runs the decoder's step for a (batch, length) shape, from a CUDA graph when it can.

Shapes are rounded up to buckets: the batch to the next size in ``batch_buckets`` (slots beyond the
running ones are idle and ignored), the attended cache length to a multiple of ``kv_block``. One
graph per bucket pair is captured the first time it is needed (or all up front with
:meth:`StepRunner.capture_all`) and shares one memory pool with the others.

Capturing requires a warm-up run, which really executes the step; the step is idempotent apart
from the token and position buffers (it rewrites the same cache cells with the same values and the
RNG is counter-based), so those two are snapshotted and restored around the warm-up.

Without CUDA (or with ``use_graphs=False``) the same bucketed call runs eagerly, which is what the
CPU tests exercise.
"""

from __future__ import annotations

import bisect
from typing import Dict, List, Sequence, Tuple

import torch


class StepRunner:
    def __init__(self, decoder, batch_buckets: Sequence[int], use_graphs: bool) -> None:
        buckets = sorted({int(b) for b in batch_buckets if 0 < int(b) <= decoder.options.max_slots})
        if not buckets or buckets[-1] != decoder.options.max_slots:
            buckets.append(decoder.options.max_slots)
        self.decoder = decoder
        self.batch_buckets: List[int] = buckets
        self.kv_block = decoder.options.kv_block
        self.use_graphs = bool(use_graphs) and decoder.device.type == "cuda"
        self.graphs: Dict[Tuple[int, int], torch.cuda.CUDAGraph] = {}
        self.pool = None
        self.capture_error = ""

    def bucket(self, batch: int, length: int) -> Tuple[int, int]:
        b = self.batch_buckets[bisect.bisect_left(self.batch_buckets, batch)]
        blocks = max(1, -(-length // self.kv_block))
        return b, min(blocks * self.kv_block, self.decoder.max_len)

    def step(self, batch: int, length: int) -> Tuple[int, int]:
        """Runs one decode step for ``batch`` running slots attending to ``length`` positions."""
        key = self.bucket(batch, length)
        if not self.use_graphs:
            self.decoder.decode_step(*key)
            return key
        graph = self.graphs.get(key)
        if graph is None:
            snap = self.decoder.snapshot()
            try:
                graph = self._capture(key)
            except Exception as exc:  # keep serving, slower: a capture failure must not take the model down
                self.decoder.restore(snap)
                self.use_graphs = False
                self.capture_error = f"CUDA graph capture failed for bucket {key}, running eagerly: {exc}"
                self.decoder.decode_step(*key)
                return key
        graph.replay()
        return key

    def capture_all(self, max_length: int = 0) -> int:
        """Captures every bucket pair up to ``max_length`` positions (default: the whole cache)."""
        if not self.use_graphs:
            return 0
        top = self.bucket(1, max_length or self.decoder.max_len)[1]
        for b in self.batch_buckets:
            for length in range(self.kv_block, top + 1, self.kv_block):
                if (b, length) not in self.graphs:
                    snap = self.decoder.snapshot()
                    try:
                        self._capture((b, length))
                    except Exception as exc:
                        self.decoder.restore(snap)
                        self.use_graphs = False
                        self.capture_error = f"CUDA graph capture failed for bucket {(b, length)}: {exc}"
                        return len(self.graphs)
        return len(self.graphs)

    def _capture(self, key: Tuple[int, int]) -> torch.cuda.CUDAGraph:
        dec = self.decoder
        snap = dec.snapshot()
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            dec.decode_step(*key)
        torch.cuda.current_stream().wait_stream(stream)
        dec.restore(snap)
        if self.pool is None:
            self.pool = torch.cuda.graph_pool_handle()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=self.pool):
            dec.decode_step(*key)
        self.graphs[key] = graph
        return graph
