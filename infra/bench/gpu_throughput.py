"""Keeps the GPU throughput table the batch's `--dry-run` plans with (apps/batch/src/plan/gpu-throughput.json).

    python infra/bench/gpu_throughput.py record RESULTS_JSON --gpu "NVIDIA L40S" [--table FILE] [--slots N]
    python infra/bench/gpu_throughput.py predict --gpu L40S --from H200 [--table FILE]

`record` takes bench_musicgen.py's results.json (the engine at 1, 8, 32, 64 concurrent 30 s prompts) and
writes that GPU kind's entry: audio seconds per second at each measured concurrency, and its slots (the
requests it runs at once: --slots, else the largest concurrency measured). `predict` writes an entry for
a GPU not measured yet from one that was: at each concurrency, the measured rate times the ratio of the
two GPUs' rates in the step model of gpu_model.py (a fixed part per step that does not scale with memory
bandwidth, plus the weights and KV cache it reads at 84 % of it), up to the slots that fit in its memory
(gpu_model.slots, fp16 KV cache as shipped). Other entries and the prices are kept. run_gpu.sh records
into OUT_DIR/gpu-throughput.json after its benchmark step.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys

import gpu_model

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, "..", "..", "apps", "batch", "src", "plan", "gpu-throughput.json")
SECONDS_PER_PROMPT = 30.0


def gpu_kind(name: str) -> str:
    """'NVIDIA L40S' -> 'L40S', 'NVIDIA H200' -> 'H200' (the name nvidia-smi and torch report)."""
    kind = name.strip()
    for prefix in ("NVIDIA ", "Tesla "):
        if kind.startswith(prefix):
            kind = kind[len(prefix) :]
    return kind.strip()


def load(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {"model": "facebook/musicgen-medium", "seconds_per_prompt": SECONDS_PER_PROMPT, "gpus": []}


def save(path: str, table: dict) -> None:
    table["gpus"] = sorted(table["gpus"], key=lambda g: g["gpu"])
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(table, f, indent=2)
        f.write("\n")
    os.replace(path + ".tmp", path)


def put(table: dict, entry: dict) -> None:
    """Replaces the entry of the same GPU kind, keeping its price."""
    old = next((g for g in table["gpus"] if g["gpu"] == entry["gpu"]), None)
    if old is not None and "price_per_hour_usd" in old:
        entry["price_per_hour_usd"] = old["price_per_hour_usd"]
    table["gpus"] = [g for g in table["gpus"] if g["gpu"] != entry["gpu"]] + [entry]


def record(results: dict, gpu: str, slots: int | None, today: str) -> dict:
    rows = [
        r
        for r in results.get("engine") or []
        if r.get("seconds_per_prompt") == SECONDS_PER_PROMPT and "audio_s_per_s" in r
    ]
    if not rows:
        raise ValueError(
            f"Cannot record the throughput of {gpu} as results.json has no engine run of "
            f"{SECONDS_PER_PROMPT:g} s prompts: run bench_musicgen.py without --smoke"
        )
    points = [{"concurrent": r["concurrency"], "audio_s_per_s": r["audio_s_per_s"]} for r in rows]
    points.sort(key=lambda p: p["concurrent"])
    return {
        "gpu": gpu_kind(gpu),
        "source": f"measured {today} with infra/bench/run_gpu.sh (bench_musicgen.py, the engine in-process)",
        "slots": slots if slots is not None else points[-1]["concurrent"],
        "points": points,
    }


def interpolate(points: list, concurrent: int) -> float:
    """Audio seconds per second at `concurrent`, linear between the measured points (flat beyond them)."""
    below = [p for p in points if p["concurrent"] <= concurrent]
    above = [p for p in points if p["concurrent"] >= concurrent]
    if not below:
        return above[0]["audio_s_per_s"]
    if not above:
        return below[-1]["audio_s_per_s"]
    a, b = below[-1], above[0]
    if a["concurrent"] == b["concurrent"]:
        return a["audio_s_per_s"]
    share = (concurrent - a["concurrent"]) / (b["concurrent"] - a["concurrent"])
    return a["audio_s_per_s"] + share * (b["audio_s_per_s"] - a["audio_s_per_s"])


def predict(base: dict, gpu: str) -> dict:
    """An entry for `gpu` from the measured entry `base` of another kind, through gpu_model's step model."""
    target, measured = gpu_kind(gpu), gpu_kind(base["gpu"])
    for kind in (target, measured):
        if kind not in gpu_model.BANDWIDTH:
            known = ", ".join(sorted(gpu_model.BANDWIDTH))
            raise ValueError(
                f"Cannot predict with {kind} as gpu_model.py knows only {known}: add its datasheet figures"
            )
    model = gpu_model.StepModel.calibrate()
    slots = gpu_model.slots(target)
    concurrencies = sorted({p["concurrent"] for p in base["points"] if p["concurrent"] < slots} | {slots})
    points = [
        {
            "concurrent": c,
            "audio_s_per_s": round(
                interpolate(base["points"], c) * model.audio_s_per_s(target, c) / model.audio_s_per_s(measured, c), 2
            ),
        }
        for c in concurrencies
    ]
    return {
        "gpu": target,
        "source": f"predicted from the {measured} measurement by infra/bench/gpu_model.py, {slots} slots",
        "slots": slots,
        "points": points,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    verbs = p.add_subparsers(dest="verb", required=True)
    rec = verbs.add_parser("record")
    rec.add_argument("results")
    rec.add_argument("--gpu", required=True)
    rec.add_argument("--slots", type=int)
    pre = verbs.add_parser("predict")
    pre.add_argument("--gpu", required=True)
    pre.add_argument("--from", dest="base", required=True)
    for sub in (rec, pre):
        sub.add_argument("--table", default=TABLE)
    args = p.parse_args(argv)
    table = load(args.table)
    try:
        if args.verb == "record":
            with open(args.results, encoding="utf-8") as f:
                results = json.load(f)
            entry = record(results, args.gpu, args.slots, datetime.date.today().isoformat())
        else:
            base = next((g for g in table["gpus"] if g["gpu"] == gpu_kind(args.base)), None)
            if base is None:
                raise ValueError(f"Cannot predict {args.gpu} as {args.table} has no entry for {args.base}")
            entry = predict(base, args.gpu)
    except (OSError, ValueError) as e:
        print(f"gpu_throughput: {e}", file=sys.stderr)
        return 2
    put(table, entry)
    save(args.table, table)
    print(f"gpu_throughput: {entry['gpu']}: {entry['source']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
