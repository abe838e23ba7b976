#!/usr/bin/env python3
"""One run that measures every decode variant of musicgen_lm: attention kind x KV-cache dtype.

For each variant (``--variants``: ``ATTENTION:KV_CACHE`` or ``triton:KV_CACHE:unfused``, the Triton
attention without the fused step input, KV write and sampling; default
``sdpa:auto,triton:auto,sdpa:fp8,triton:fp8,triton:auto:unfused``, the last first to go when time is short)
on one model:

1. start-up: engine build, then CUDA-graph capture of the buckets used (this is where Triton compiles
   its kernels), timed;
2. all at once: ``--concurrency`` prompts of ``--seconds`` each submitted together (audio s per s, ms
   per step);
3. slots: how many 30 s requests ``max_concurrent_requests: auto`` would give on this GPU's free memory
   (the float8 cache's promise is about 1.88 times those of float16);
4. staggered arrivals (``--staggered N``): N requests arriving as a Poisson process at the rate that the
   variant's own full-batch step time can serve (so the slots stay busy), lengths uniform in 8 to 30 s,
   a fifth of them continuation windows (600 frames of context + 900 new), fixed seed: throughput, p50
   and p95 time per window, mean slot occupancy.

Then the float8 cache's drift against the LM-dtype cache (``kv_drift.measure``: KL and greedy agreement
over ``--drift-steps`` teacher-forced steps). Results go to OUT/sweep.json and OUT/sweep.md after every
measurement; ``--time-budget-s`` skips what is left once spent (a cut-off run keeps what it measured).

    python infra/bench/sweep_gpu.py --out /tmp/sweep            # GPU: medium-shaped random fp16
    python infra/bench/sweep_gpu.py --out /tmp/sweep --smoke    # CPU, tiny: checks the script only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "triton", "model_repository", "musicgen_lm", "1"))

import kv_drift  # noqa: E402

FRAME_RATE = 50
TEXTS = kv_drift.TEXTS


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="folder for sweep.json and sweep.md")
    p.add_argument("--smoke", action="store_true", help="tiny model on CPU: checks the script, measures nothing")
    p.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    p.add_argument("--dtype", default="float16", choices=["float16", "bfloat16"])
    p.add_argument("--variants", default="sdpa:auto,triton:auto,sdpa:fp8,triton:fp8,triton:auto:unfused")
    p.add_argument("--concurrency", default="1,64")
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--staggered", type=int, default=200, help="requests of the staggered benchmark (0: none)")
    p.add_argument("--drift-steps", type=int, default=1500)
    p.add_argument("--time-budget-s", type=float, default=330.0)
    return p.parse_args(argv)


def parse_variant(name):
    """(attention, KV cache dtype, fused kernels) from ``ATTENTION:KV_CACHE`` or ``triton:KV_CACHE:unfused``."""
    parts = name.split(":")
    if len(parts) not in (2, 3) or parts[0] not in ("sdpa", "triton") or parts[1] not in ("auto", "fp8"):
        raise SystemExit(f"--variants: {name!r} is not ATTENTION:KV_CACHE[:unfused] (sdpa or triton; auto or fp8)")
    if len(parts) == 3 and (parts[2] != "unfused" or parts[0] != "triton"):
        raise SystemExit(f"--variants: {name!r}: only a triton variant takes a third part, and it is 'unfused'")
    return parts[0], parts[1], len(parts) == 2


def log(msg):
    print(f"[sweep {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Sink:
    """Collects one request's end: the time its last frames arrived, or its error."""

    def __init__(self, done):
        self.done, self.finished, self.error_text, self.frames = done, None, None, 0

    def emit(self, codes, frames_done, final, *_):
        self.frames = frames_done
        if final:
            self.finished = time.perf_counter()
            self.done.release()
        return True

    def error(self, error_class, message):
        self.error_text = f"[{error_class}] {message}"
        self.done.release()

    def cancelled(self):
        self.error_text = "cancelled"
        self.done.release()


def request(i, frames, prompt_frames=0, rng=None):
    import numpy as np

    from musicgen_serving.request import GenerationRequest

    prompt = None
    if prompt_frames:
        prompt = (rng or np.random.default_rng(i)).integers(0, 2048, size=(4, prompt_frames)).astype(np.int64)
    return GenerationRequest(
        text=TEXTS[i % len(TEXTS)], num_frames=frames, prompt_codes=prompt, seed=1000 + i,
        guidance_scale=3.0, top_k=250, temperature=1.0,
    )  # fmt: skip


def all_at_once(engine, concurrency, frames, tag):
    done = threading.Semaphore(0)
    sinks = [Sink(done) for _ in range(concurrency)]
    steps0 = engine.steps
    t0 = time.perf_counter()
    for i, sink in enumerate(sinks):
        engine.submit(f"{tag}-{i}", request(i, frames), sink)
    for _ in sinks:
        done.acquire()
    wall = time.perf_counter() - t0
    steps = engine.steps - steps0
    return {
        "concurrency": concurrency,
        "seconds_per_prompt": frames / FRAME_RATE,
        "audio_s_per_s": round(concurrency * frames / FRAME_RATE / wall, 2),
        "ms_per_step": round(1000 * wall / max(steps, 1), 3),
        "errors": sum(1 for s in sinks if s.error_text),
    }


def staggered(engine, n, slots, ms_per_step, max_frames, seed=7):
    """N Poisson arrivals at the rate the full batch serves; see the module docstring."""
    import numpy as np

    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    low, high = min(400, max_frames), min(1500, max_frames)
    plan = []
    for _ in range(n):
        if rng.random() < 0.2:
            context = min(600, max_frames // 3)
            plan.append((context, min(900, max_frames - context)))
        else:
            plan.append((0, rng.randint(low, high)))
    mean_steps = sum(p + f for p, f in plan) / n  # prefill is cheap; count it anyway (conservative rate)
    rate = (slots / (ms_per_step / 1000)) / mean_steps  # requests per second the slots can serve
    done = threading.Semaphore(0)
    sinks, submitted = [], []
    occupancy, stop = [], threading.Event()

    def sample():
        while not stop.wait(0.02):
            occupancy.append(engine.stats().slots_in_use / slots)

    sampler = threading.Thread(target=sample, daemon=True)
    t0 = time.perf_counter()
    sampler.start()
    due = t0
    for i, (context, frames) in enumerate(plan):
        due += rng.expovariate(rate)
        time.sleep(max(0.0, due - time.perf_counter()))
        sink = Sink(done)
        sinks.append(sink)
        submitted.append(time.perf_counter())
        engine.submit(f"stagger-{i}", request(i, frames, context, np_rng), sink)
    for _ in sinks:
        done.acquire()
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    latencies = sorted(s.finished - t for s, t in zip(sinks, submitted) if s.finished)
    busy = occupancy[: max(1, int(len(occupancy) * 0.9))]  # the tail, once arrivals end, drains
    return {
        "requests": n,
        "arrival_rate_per_s": round(rate, 3),
        "audio_s_per_s": round(sum(f for _, f in plan) / FRAME_RATE / wall, 2),
        "p50_window_s": round(latencies[len(latencies) // 2], 2) if latencies else None,
        "p95_window_s": round(latencies[int(len(latencies) * 0.95) - 1], 2) if latencies else None,
        "mean_occupancy": round(sum(busy) / len(busy), 3) if busy else None,
        "errors": sum(1 for s in sinks if s.error_text),
        "wall_s": round(wall, 1),
    }


def auto_slots_for(model, cfg, device, torch):
    """What max_concurrent_requests: auto gives for this variant, from the free memory now."""
    from musicgen_serving.loader import auto_slots, decoder_options, slot_bytes

    if device.type != "cuda":
        return None
    free, _ = torch.cuda.mem_get_info(device)
    per_slot = slot_bytes(model, decoder_options(cfg), model.decoder.lm_heads[0].weight.dtype)
    return {
        "free_gib": round(free / 2**30, 1),
        "bytes_per_slot": per_slot,
        "slots": auto_slots(free, per_slot, cap=10**6),
    }


def write(out, res):
    with open(os.path.join(out, "sweep.json"), "w") as f:
        json.dump(res, f, indent=2)
    with open(os.path.join(out, "sweep.md"), "w") as f:
        f.write(markdown(res))


def markdown(res):
    env = res["environment"]
    lines = [
        f"# musicgen_lm decode variants ({res['mode']}{'' if res.get('complete') else ', incomplete'})",
        "",
        f"Device: {env['device']}; torch {env['torch']}; model: {res['model']}, {res['dtype']}; "
        "guidance 3, top-k 250, temperature 1.",
        "",
    ]
    if res["mode"] == "smoke":
        lines += ["SMOKE RUN on CPU with a tiny model: these numbers only show the script works.", ""]
    lines += [
        "| variant | start-up s | prompts | audio s per s | ms per step | auto slots (30 s) |",
        "|---|---|---|---|---|---|",
    ]
    for v in res["variants"]:
        slots = (v.get("auto_slots") or {}).get("slots", "")
        for r in v.get("all_at_once", []):
            lines.append(
                f"| {v['name']} | {v.get('startup_s', '')} | {r['concurrency']} | {r['audio_s_per_s']} | "
                f"{r['ms_per_step']} | {slots} |"
            )
        if v.get("error"):
            lines.append(f"| {v['name']} | failed: {v['error']} | | | | |")
    lines += [
        "",
        "## Staggered arrivals",
        "",
        "| variant | requests | rate /s | audio s per s | p50 s | p95 s | occupancy |",
        "|---|---|---|---|---|---|---|",
    ]
    for v in res["variants"]:
        s = v.get("staggered")
        if s:
            lines.append(
                f"| {v['name']} | {s['requests']} | {s['arrival_rate_per_s']} | {s['audio_s_per_s']} | "
                f"{s['p50_window_s']} | {s['p95_window_s']} | {s['mean_occupancy']} |"
            )
    d = res.get("drift")
    if d:
        lines += [
            "",
            "## float8 KV cache drift (teacher-forced)",
            "",
            f"{d['steps']} steps x {d['prompts']} prompts: mean KL {d['mean_kl_nats']:.3g} nats, "
            f"max {d['max_kl_nats']:.3g}, greedy agreement {d['greedy_agreement']:.4f}.",
        ]
    if res.get("skipped"):
        lines += ["", "Skipped (time budget): " + "; ".join(res["skipped"])]
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    import torch
    import transformers

    transformers.logging.set_verbosity_error()
    from musicgen_serving import random_model
    from musicgen_serving.config import ServingConfig
    from musicgen_serving.loader import build_engine

    cuda = torch.cuda.is_available() and not args.smoke
    if not cuda and not args.smoke:
        print("CUDA is not available here: run with --smoke for a CPU check of the script", file=sys.stderr)
        return 2
    device = torch.device("cuda" if cuda else "cpu")
    for name in args.variants.split(","):
        parse_variant(name)
    if args.smoke:
        size, dtype, conc, frames, n_stagger, drift_steps = "tiny", torch.float32, [1, 2], 10, 4, 12
        variants = [v for v in args.variants.split(",") if v.startswith("sdpa")]
    else:
        size, dtype = args.size, getattr(torch, args.dtype)
        conc = [int(c) for c in args.concurrency.split(",")]
        frames, n_stagger, drift_steps = int(args.seconds * FRAME_RATE), args.staggered, args.drift_steps
        variants = args.variants.split(",")
    t_start = time.perf_counter()
    res = {
        "mode": "smoke" if args.smoke else "gpu",
        "model": f"{size}-shaped random" if size != "tiny" else "tiny random",
        "dtype": str(dtype).replace("torch.", ""),
        "environment": {
            "device": torch.cuda.get_device_name(device) if cuda else platform.processor() or "cpu",
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
        "variants": [],
        "skipped": [],
        "complete": False,
    }
    log(f"building {size} ({res['dtype']}) on {device}")
    model = random_model.build_model(size, seed=0, device=str(device), dtype=dtype)
    tok = random_model.build_tokenizer()
    slots = max(conc)
    for name in variants:
        attention, kv, fused = parse_variant(name)
        entry = {"name": name}
        res["variants"].append(entry)
        if time.perf_counter() - t_start > args.time_budget_s:
            res["skipped"].append(f"variant {name}")
            continue
        cfg = ServingConfig(
            max_concurrent_requests=slots,
            kv_cache_dtype=kv,
            decode_attention=attention,
            decode_fused_kernels=fused,
            batch_buckets=tuple(b for b in ServingConfig().batch_buckets if b <= slots) + (slots,),
        )
        try:
            t0 = time.perf_counter()
            engine = build_engine(model, tok, cfg, log=log)
            if engine.runner.use_graphs:
                engine.runner.capture_all(min(engine.decoder.max_len, frames + 4))
            entry["startup_s"] = round(time.perf_counter() - t0, 1)
            entry["auto_slots"] = auto_slots_for(model, cfg, device, torch)
            engine.start()
            try:
                all_at_once(engine, 1, 4, "warmup")
                entry["all_at_once"] = []
                for c in conc:
                    r = all_at_once(engine, c, frames, f"{name}-{c}")
                    log(f"{name} {c} x {frames} frames: {r['audio_s_per_s']} s/s ({r['ms_per_step']} ms/step)")
                    entry["all_at_once"].append(r)
                    write(args.out, res)
                if n_stagger and time.perf_counter() - t_start < args.time_budget_s:
                    full = entry["all_at_once"][-1]["ms_per_step"]
                    entry["staggered"] = staggered(engine, n_stagger, slots, full, frames)
                    log(f"{name} staggered: {entry['staggered']}")
                elif n_stagger:
                    res["skipped"].append(f"staggered {name}")
            finally:
                engine.stop()
        except Exception as e:  # one variant failing (a kernel that does not build) must not end the sweep
            entry["error"] = f"{type(e).__name__}: {e}"
            log(f"{name} failed: {entry['error']}")
        engine = None
        if cuda:
            torch.cuda.empty_cache()
        write(args.out, res)
    if time.perf_counter() - t_start < args.time_budget_s + 60:
        log(f"fp8 drift over {drift_steps} steps")
        res["drift"] = kv_drift.measure(model, tok, drift_steps, prompts=4, kv_block=128 if cuda else 16)
    else:
        res["skipped"].append("drift")
    res["total_s"] = round(time.perf_counter() - t_start, 1)
    res["complete"] = True
    write(args.out, res)
    log(f"done in {res['total_s']} s: {os.path.join(args.out, 'sweep.md')}")
    return 0 if not any(v.get("error") for v in res["variants"]) else 1


if __name__ == "__main__":
    sys.exit(main())
