#!/usr/bin/env python3
"""musicgen_lm and encodec_decode served by a real tritonserver, driven over gRPC like the batch client.

    python infra/bench/triton_bench.py --out OUT_DIR [--engine-results OUT_DIR/results.json]
    python infra/bench/triton_bench.py --out OUT_DIR --smoke       # CPU, tiny model: checks the path only

Needs a Python with ``tritonclient[grpc]`` and ``nvidia-pytriton`` (its ``tritonserver`` binary), either
installed or in ``--client-site`` (a ``pip install --target`` folder, put first on this process's path
only: the server and its Python stubs never see it). This process never imports torch. The server's
models run in ``--execution-env`` (default: this Python's prefix), which needs torch 2.x and
transformers; it must be a virtual environment (``bin/activate``), otherwise one is made on top of it.

In order, writing OUT_DIR/triton.json and OUT_DIR/triton.md after every step (a run cut off
still reports what it measured), with the server's log in OUT_DIR/tritonserver.log:

1. saves a random-weight checkpoint (``--size``, default medium, float16, drawn on the GPU) with
   ``save_pretrained`` (time and disk recorded), unless ``--checkpoint`` names one;
2. builds a model repository from infra/triton/model_repository (KIND_GPU; musicgen_lm float16 with
   ``max_concurrent_requests`` auto and all CUDA graphs captured at load; encodec_decode float32; the
   checkpoint from disk only), starts tritonserver on loopback ports and waits for every model;
3. reads musicgen_info's facts (slots, dtypes, device, weights);
4. for each ``--concurrency``: that many ``--seconds`` requests on one gRPC stream (guidance 3, top-k
   250, temperature 1, as the in-process benchmark): audio seconds per second, time to the first
   response, and musicgen_lm's own metrics over the run (frames, steps, step time); then those windows
   decoded through encodec_decode, all requests at once;
5. encodec_decode alone: one ``--seconds`` window per request, ``--decode-batches`` requests at once;
6. the in-process engine's numbers from ``--engine-results`` (bench_musicgen.py in the same run), side
   by side: what Triton's Python backend costs.

Exit status: 0 when every request returned exactly what it asked for, 1 otherwise, 2 when the
server or the client cannot be set up (the reason is printed in one line and kept in triton.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from triton_server import Server, TritonInstall, make_repository, python_of, read_metrics  # noqa: E402

SERVING = os.path.join(HERE, "..", "triton", "model_repository", "musicgen_lm", "1")
FRAME_RATE = 50
SAMPLES_PER_FRAME = 640
TEXTS = [
    "lofi hip hop beat with piano and soft drums",
    "calm ambient pad with warm synth",
    "upbeat electronic dance track with bass",
    "orchestral strings cinematic epic",
    "jazz saxophone slow and sad",
    "energetic rock guitar",
]
SMOKE = {
    "size": "tiny-32k-slim",
    "dtype": "float32",
    "device": "cpu",
    "kind": "KIND_CPU",
    "slots": "2",
    "concurrency": "1,2",
    "seconds": 0.2,
    "decode_batches": "1,2",
    "decode_repeats": 1,
    "progress_interval": 5,
}


class SetupError(RuntimeError):
    """The server or the client cannot be set up; the message says what to fix."""


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="folder for triton.json, triton.md and tritonserver.log")
    p.add_argument("--smoke", action="store_true", help="CPU, tiny model, tiny counts: checks the path only")
    p.add_argument("--checkpoint", help="a saved MusicGen checkpoint to serve instead of saving a random one")
    p.add_argument("--size", default="medium", help="random checkpoint shape (musicgen_serving.random_model)")
    p.add_argument("--dtype", default="float16", help="musicgen_lm dtype, and the saved checkpoint's")
    p.add_argument("--device", default="cuda", help="where the random weights are drawn")
    p.add_argument("--kind", default="KIND_GPU", choices=["KIND_GPU", "KIND_CPU"])
    p.add_argument("--slots", default="auto", help="musicgen_lm max_concurrent_requests")
    p.add_argument("--concurrency", default="1,8,32,64")
    p.add_argument("--seconds", type=float, default=30.0, help="audio per request")
    p.add_argument("--decode-batches", default="1,8", help="encodec_decode requests sent at once")
    p.add_argument("--decode-repeats", type=int, default=3, help="median of this many decode runs")
    p.add_argument("--progress-interval", type=int, default=50, help="musicgen_lm progress_interval_frames")
    p.add_argument("--engine-results", help="bench_musicgen.py's results.json from the same run")
    p.add_argument("--execution-env", default=sys.prefix, help="EXECUTION_ENV_PATH: the models' Python")
    p.add_argument("--client-site", help="folder with tritonclient and nvidia-pytriton (pip install --target)")
    p.add_argument("--work", help="folder for the checkpoint and the repository (default: a temporary one)")
    p.add_argument("--ready-timeout-s", type=float, default=900.0)
    args = p.parse_args(argv)
    if args.smoke:
        for key, value in SMOKE.items():
            setattr(args, key, value)
    return args


def log(msg):
    print(f"[triton-bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Report:
    """triton.json and triton.md, rewritten after every step."""

    def __init__(self, out, data):
        self.out, self.data = out, data
        os.makedirs(out, exist_ok=True)

    def save(self):
        with open(os.path.join(self.out, "triton.json"), "w") as f:
            json.dump(self.data, f, indent=2)
        with open(os.path.join(self.out, "triton.md"), "w") as f:
            f.write(markdown(self.data))


def import_client(client_site):
    if client_site:
        sys.path.insert(0, os.path.abspath(client_site))
    try:
        import tritonclient.grpc as grpcclient
    except Exception as exc:
        raise SetupError(
            f"Cannot drive Triton as tritonclient.grpc does not import: {exc} (install tritonclient[grpc], "
            "or put its wheels with grpcio and protobuf in the wheel folder; see infra/bench/README.md)"
        ) from exc
    try:
        install = TritonInstall.find()
    except FileNotFoundError as exc:
        raise SetupError(str(exc)) from exc
    return grpcclient, install


def execution_env(prefix, work):
    """``prefix`` when it is a virtual environment; otherwise a venv made on top of it (system site packages)."""
    if os.path.isfile(os.path.join(prefix, "bin", "activate")):
        return prefix
    env = os.path.join(work, "env")
    python = os.path.join(prefix, "bin", "python3")
    log(f"{prefix} has no bin/activate: making a virtual environment on top of it in {env}")
    subprocess.run([python, "-m", "venv", "--system-site-packages", "--without-pip", env], check=True)
    return env


def save_checkpoint(args, env, path):
    python = os.path.join(env, "bin", "python3")
    cmd = [python, "-m", "musicgen_serving.random_model", args.size, path, "--dtype", args.dtype]
    cmd += ["--device", args.device]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=SERVING, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr[-4000:], file=sys.stderr)
        last = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        raise SetupError(f"Cannot save a random {args.size} checkpoint as random_model failed: {last}")
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)
    return {
        "size": args.size,
        "dtype": args.dtype,
        "drawn_on": args.device,
        "save_s": round(time.perf_counter() - start, 1),
        "disk_gb": round(size / 1e9, 2),
    }


def repository_parameters(args, checkpoint):
    return {
        "musicgen_lm": {
            "model_id": checkpoint,
            "dtype": args.dtype,
            "hf_local_files_only": "true",
            "max_concurrent_requests": args.slots,
            "progress_interval_frames": str(args.progress_interval),
            "capture_graphs_at_start": "true",
        },
        "encodec_decode": {"model_id": checkpoint, "hf_local_files_only": "true"},
        "musicgen_info": {},
    }


def metric(samples, name):
    """Sum of the series called ``name`` (over their labels)."""
    return sum(v for (n, _), v in samples.items() if n == name)


def lm_request(grpcclient, np, i, frames):
    inputs = []
    for name, dtype, array in [
        ("TEXT", "BYTES", np.array([TEXTS[i % len(TEXTS)].encode()], dtype=object)),
        ("NUM_FRAMES", "INT32", np.array([frames], dtype=np.int32)),
        ("SEED", "INT64", np.array([1000 + i], dtype=np.int64)),
    ]:
        tensor = grpcclient.InferInput(name, list(array.shape), dtype)
        tensor.set_data_from_numpy(array)
        inputs.append(tensor)
    return inputs


def generate(client, grpcclient, np, concurrency, frames, tag, timeout_s=600.0):
    """``concurrency`` requests of ``frames`` on one stream; (row, codes of each request)."""
    results = queue.Queue()
    client.start_stream(callback=lambda result, error: results.put((time.perf_counter(), result, error)))
    chunks = {f"{tag}-{i}": [] for i in range(concurrency)}
    first, errors, finals = {}, [], 0
    start = time.perf_counter()
    try:
        for i in range(concurrency):
            client.async_stream_infer(
                "musicgen_lm",
                lm_request(grpcclient, np, i, frames),
                request_id=f"{tag}-{i}",
                enable_empty_final_response=True,
            )
        while finals < concurrency:
            at, result, error = results.get(timeout=timeout_s)
            if error is not None:
                errors.append(str(error))
                finals += 1
                continue
            response = result.get_response()
            first.setdefault(response.id, at - start)
            codes = result.as_numpy("CODES")
            if codes is not None:
                chunks[response.id].append(codes)
            finals += int(response.parameters["triton_final_response"].bool_param)
        wall = time.perf_counter() - start
    finally:
        client.stop_stream()
    codes = [np.concatenate(c, axis=1) if c else np.zeros((4, 0), np.int32) for c in chunks.values()]
    firsts = sorted(first.values())
    row = {
        "concurrency": concurrency,
        "seconds_per_request": frames / FRAME_RATE,
        "wall_s": round(wall, 3),
        "audio_s_per_s": round(concurrency * frames / FRAME_RATE / wall, 2),
        "first_response_s": {"median": round(statistics.median(firsts), 3), "max": round(firsts[-1], 3)}
        if firsts
        else None,
        "errors": errors,
        "all_frames_returned": not errors and all(c.shape == (4, frames) for c in codes),
    }
    return row, codes


def decode(client, grpcclient, np, windows, timeout_s=600.0):
    """Sends every ``[4, T]`` window as its own encodec_decode request at once; (wall s, all audio right)."""
    results = queue.Queue()
    start = time.perf_counter()
    for i, codes in enumerate(windows):
        tensor = grpcclient.InferInput("CODES", [1, *codes.shape], "INT32")
        tensor.set_data_from_numpy(np.ascontiguousarray(codes[None], dtype=np.int32))
        client.async_infer("encodec_decode", [tensor], lambda result, error, i=i: results.put((i, result, error)))
    ok = True
    for _ in windows:
        i, result, error = results.get(timeout=timeout_s)
        if error is not None:
            log(f"decode failed: {error}")
            ok = False
            continue
        audio = result.as_numpy("AUDIO")
        ok = ok and audio.shape == (1, windows[i].shape[1] * SAMPLES_PER_FRAME)
    return max(time.perf_counter() - start, 1e-9), ok


def engine_rows(path):
    if not path or not os.path.isfile(path):
        return {}
    with open(path) as f:
        res = json.load(f)
    return {(r["concurrency"], r["seconds_per_prompt"]): r for r in res.get("engine") or [] if "audio_s_per_s" in r}


def gpu_name():
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True, text=True, timeout=30
        )
        return out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else None
    except (OSError, subprocess.TimeoutExpired):
        return None


def run(args, report):
    import numpy as np

    res = report.data
    grpcclient, install = import_client(args.client_site)
    work = args.work or tempfile.mkdtemp(prefix="musicgen-triton-bench-")
    os.makedirs(work, exist_ok=True)
    env = execution_env(os.path.abspath(args.execution_env), work)
    version, libdir = python_of(env)
    res["environment"].update({"server_python": version, "execution_env": env, "gpu": gpu_name()})
    checkpoint = args.checkpoint
    if checkpoint is None:
        checkpoint = os.path.join(work, f"random-{args.size}")
        log(f"saving a random {args.size} checkpoint ({args.dtype}, drawn on {args.device}) to {checkpoint}")
        res["checkpoint"] = save_checkpoint(args, env, checkpoint)
        log(f"checkpoint: {res['checkpoint']}")
        report.save()
    run_dir = os.path.join(work, "run")
    shutil.rmtree(run_dir, ignore_errors=True)
    make_repository(run_dir, install, env, repository_parameters(args, checkpoint), args.kind, version)
    server = Server.start(run_dir, install, extra_libs=libdir, log_path=os.path.join(args.out, "tritonserver.log"))
    try:
        log(f"tritonserver starting (grpc {server.grpc_url}, metrics port {server.metrics_port})")
        try:
            res["server"] = {"ready_s": round(server.wait_ready(args.ready_timeout_s), 1)}
        except RuntimeError as exc:
            raise SetupError(str(exc).splitlines()[0] + " (see tritonserver.log)") from exc
        client = grpcclient.InferenceServerClient(server.grpc_url)
        res["server"]["version"] = client.get_server_metadata(as_json=True).get("version")
        facts = json.loads(client.infer("musicgen_info", []).as_numpy("FACTS")[0])
        res["facts"] = facts
        log(f"ready in {res['server']['ready_s']} s; facts: {json.dumps(facts)}")
        report.save()
        measure(args, report, client, grpcclient, np, server)
    finally:
        server.stop()
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    ok = all(r["all_frames_returned"] for r in res["generation"]) and all(
        r["audio_ok"] for r in res["decode_generated"] + res["decode"]
    )
    return 0 if ok else 1


def measure(args, report, client, grpcclient, np, server):
    res = report.data
    frames = int(round(args.seconds * FRAME_RATE))
    engine = engine_rows(args.engine_results)
    log("warm-up: one short request and one decode")
    _, warm = generate(client, grpcclient, np, 1, 8, "warmup")
    decode(client, grpcclient, np, [np.tile(warm[0], (1, frames // 8 + 1))[:, :frames]])
    res["generation"], res["decode_generated"], res["decode"] = [], [], []
    for c in [int(x) for x in args.concurrency.split(",")]:
        before = read_metrics(server.metrics_port)
        row, codes = generate(client, grpcclient, np, c, frames, f"c{c}")
        after = read_metrics(server.metrics_port)
        steps = metric(after, "musicgen_lm_decode_steps_total") - metric(before, "musicgen_lm_decode_steps_total")
        step_s = metric(after, "musicgen_lm_decode_step_seconds_total") - metric(
            before, "musicgen_lm_decode_step_seconds_total"
        )
        row["metrics"] = {
            "frames_generated": int(
                metric(after, "musicgen_lm_frames_generated_total")
                - metric(before, "musicgen_lm_frames_generated_total")
            ),
            "decode_steps": int(steps),
            "ms_per_step": round(1000 * step_s / steps, 3) if steps else None,
        }
        same = engine.get((c, row["seconds_per_request"]))
        if same is not None:
            row["engine_audio_s_per_s"] = same["audio_s_per_s"]
            row["engine_ms_per_step"] = same.get("ms_per_step")
            row["triton_over_engine"] = round(row["audio_s_per_s"] / same["audio_s_per_s"], 3)
        log(
            f"generate {c} x {args.seconds} s: {row['audio_s_per_s']} audio s/s "
            f"(engine in-process: {row.get('engine_audio_s_per_s', 'not measured')}); {row['metrics']}"
        )
        res["generation"].append(row)
        report.save()
        wall, ok = decode(client, grpcclient, np, codes if row["all_frames_returned"] else [])
        res["decode_generated"].append(
            {
                "windows": c,
                "seconds_per_window": args.seconds,
                "wall_s": round(wall, 3),
                "audio_s_per_s": round(c * args.seconds / wall, 2),
                "audio_ok": ok and row["all_frames_returned"],
            }
        )
        log(f"decode of those {c} windows: {res['decode_generated'][-1]}")
        report.save()
    window = np.random.default_rng(0).integers(0, 2048, size=(4, frames)).astype(np.int32)
    for b in [int(x) for x in args.decode_batches.split(",")]:
        walls, oks = [], []
        for _ in range(args.decode_repeats):
            wall, ok = decode(client, grpcclient, np, [window] * b)
            walls.append(wall)
            oks.append(ok)
        wall = statistics.median(walls)
        res["decode"].append(
            {
                "requests_at_once": b,
                "seconds_per_window": args.seconds,
                "median_wall_s": round(wall, 4),
                "per_window_s": round(wall / b, 4),
                "runs": len(walls),
                "audio_ok": all(oks),
            }
        )
        log(f"encodec_decode, {b} at once: {res['decode'][-1]}")
        report.save()
    samples = read_metrics(server.metrics_port)
    res["metrics_at_end"] = {
        name: metric(samples, name)
        for name in sorted({n for n, _ in samples})
        if name.startswith(("musicgen_lm_", "encodec_decode_"))
    }
    report.save()


def markdown(res):
    lines = [f"# musicgen_lm and encodec_decode through Triton ({res['mode']})", ""]
    env = res["environment"]
    server = res.get("server") or {}
    lines.append(
        f"GPU: {env.get('gpu') or 'none'}; tritonserver {server.get('version', '?')} (nvidia-pytriton); "
        f"client Python {env['client_python']}, server Python {env.get('server_python', '?')}; "
        f"gRPC streaming, one stream; guidance 3, top-k 250, temperature 1."
    )
    if res["mode"] == "smoke":
        lines += ["", "SMOKE RUN on CPU with a tiny model: it only shows the path works; not a measurement.", ""]
    if res.get("error"):
        lines += ["", f"**Stopped:** {res['error']}", ""]
    ck = res.get("checkpoint")
    if ck:
        lines.append(
            f"Checkpoint: random {ck['size']}-shaped weights, {ck['dtype']}, saved in {ck['save_s']} s, "
            f"{ck['disk_gb']} GB on disk."
        )
    if server.get("ready_s") is not None:
        lines.append(f"Server ready (all models loaded, CUDA graphs captured) {server['ready_s']} s after start.")
    lm = (res.get("facts") or {}).get("models", {}).get("musicgen_lm")
    dec = (res.get("facts") or {}).get("models", {}).get("encodec_decode")
    if lm:
        lines.append(
            f"Served (musicgen_info): musicgen_lm {lm['max_concurrent_requests']} slots on {lm['device']}, "
            f"dtypes {lm['dtypes']}, weights {lm['weights']}"
            + (f"; encodec_decode {dec['dtypes']}, max_batch_size {dec['max_batch_size']}." if dec else ".")
        )
    if res.get("generation"):
        lines += [
            "",
            "## Generation: concurrent requests on one gRPC stream",
            "",
            "| requests | s of audio each | wall s | audio s per s | in-process engine, same run | Triton / engine "
            "| ms per step (engine metrics) | first response, median / max s |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in res["generation"]:
            first = r["first_response_s"] or {}
            lines.append(
                f"| {r['concurrency']} | {r['seconds_per_request']} | {r['wall_s']} | {r['audio_s_per_s']} | "
                f"{r.get('engine_audio_s_per_s', 'not measured')} | {r.get('triton_over_engine', '')} | "
                f"{r['metrics']['ms_per_step']} | {first.get('median', '')} / {first.get('max', '')} |"
            )
    if res.get("decode_generated"):
        lines += [
            "",
            "## encodec_decode: the generated windows, all requests at once",
            "",
            "| windows | s of audio each | wall s | audio s per s |",
            "|---|---|---|---|",
        ]
        for r in res["decode_generated"]:
            lines.append(f"| {r['windows']} | {r['seconds_per_window']} | {r['wall_s']} | {r['audio_s_per_s']} |")
    if res.get("decode"):
        lines += [
            "",
            "## encodec_decode per window",
            "",
            "| requests at once | s of audio each | median wall s | per window s | runs |",
            "|---|---|---|---|---|",
        ]
        for r in res["decode"]:
            lines.append(
                f"| {r['requests_at_once']} | {r['seconds_per_window']} | {r['median_wall_s']} | "
                f"{r['per_window_s']} | {r['runs']} |"
            )
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = parse_args(argv)
    report = Report(
        args.out,
        {
            "mode": "smoke" if args.smoke else "gpu",
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "environment": {"client_python": platform.python_version()},
            "settings": {k: v for k, v in vars(args).items() if k not in ("out",)},
        },
    )
    report.save()

    def stop(signum, frame):
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    try:
        code = run(args, report)
    except SetupError as exc:
        print(exc, file=sys.stderr)
        report.data["error"] = str(exc)
        code = 2
    except SystemExit as exc:
        report.data["error"] = str(exc)
        code = 1
    except Exception as exc:  # a measurement broke: keep what was measured, say what broke
        traceback.print_exc()
        report.data["error"] = f"{type(exc).__name__}: {exc}"
        code = 1
    report.save()
    log(f"done: {os.path.join(args.out, 'triton.md')}")
    return code


if __name__ == "__main__":
    sys.exit(main())
