#!/usr/bin/env python3
"""Time and peak memory of one encodec_decode call, per batch size and frame count.

    python infra/bench/decode_memory.py --device cuda --frames 500,1500 --batch 1,4,8
    python infra/bench/decode_memory.py --device cpu --frames 100,500 --batch 1     # slow: ~0.05 s per frame

Uses the released 32 kHz EnCodec shape with random weights (same cost as the released ones), loaded
and decoded exactly as encodec_decode does (weight norm folded, ``EncodecModel.decode``). Prints one
JSON line per case: seconds, and the peak memory above what was in use before the call: on CUDA
``torch.cuda.max_memory_allocated`` and ``max_memory_reserved``; on CPU the resident set, sampled
every 0.5 ms (run with ``MALLOC_MMAP_THRESHOLD_=65536`` so freed tensors leave the resident set).
These numbers back ``musicgen_serving/memory.py`` and the ``reserve_decode_gib`` default.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "triton", "model_repository", "musicgen_lm", "1"))
MIB = 2**20


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    p.add_argument("--dtype", default="float32", choices=["float32", "float16", "bfloat16"])
    p.add_argument("--frames", default="500,1500", help="comma-separated T values")
    p.add_argument("--batch", default="1,4", help="comma-separated batch sizes")
    p.add_argument("--threads", type=int, default=1, help="CPU threads (CPU runs)")
    return p.parse_args(argv)


def resident_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure(decoder, torch, rows: int, frames: int) -> dict:
    import numpy as np

    codes = np.random.default_rng(0).integers(0, 2048, size=(rows, 4, frames))
    cuda = decoder.device.type == "cuda"
    peak, stop = [0], threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], resident_bytes())
            time.sleep(0.0005)

    if cuda:
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        base_reserved = torch.cuda.memory_reserved()
    else:
        base = resident_bytes()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
    start = time.perf_counter()
    audio = decoder.decode(codes)
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    out = {"batch": rows, "frames": frames, "seconds": round(seconds, 4), "audio_shape": list(audio.shape)}
    if cuda:
        out["peak_allocated_mib"] = round((torch.cuda.max_memory_allocated() - base) / MIB, 1)
        out["peak_reserved_mib"] = round((torch.cuda.max_memory_reserved() - base_reserved) / MIB, 1)
    else:
        stop.set()
        sampler.join()
        out["peak_resident_mib"] = round((peak[0] - base) / MIB, 1)
    out["per_frame_row_mib"] = round(next(v for k, v in out.items() if k.startswith("peak_")) / (rows * frames), 4)
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch
    from transformers import EncodecConfig, EncodecModel

    from musicgen_serving.codec import CodecDecoder, fold_weight_norm
    from musicgen_serving.random_model import build_config

    if args.device == "cuda" and not torch.cuda.is_available():
        print("Cannot measure on cuda as CUDA is not available here: use --device cpu", file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    dtype = getattr(torch, args.dtype) if args.device == "cuda" else torch.float32
    model = EncodecModel(EncodecConfig.from_dict(build_config("tiny-32k").audio_encoder.to_dict())).eval()
    model.encoder = None
    fold_weight_norm(model)
    decoder = CodecDecoder(model.to(device=device, dtype=dtype))
    decoder.decode(__import__("numpy").zeros((1, 4, 2), "int64"))  # warm-up: kernels, allocator
    env = {"device": torch.cuda.get_device_name(device) if args.device == "cuda" else "cpu", "dtype": str(dtype)}
    print(json.dumps({"environment": env, "torch": torch.__version__}), flush=True)
    for rows in (int(b) for b in args.batch.split(",")):
        for frames in (int(t) for t in args.frames.split(",")):
            print(json.dumps(measure(decoder, torch, rows, frames)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
