#!/usr/bin/env python3
"""The EnCodec decode's share of a window's time, per decoder backend: what a faster decoder can buy.

    python infra/bench/decode_share.py --out decode-share.json                   # CUDA, released codec shape, 30 s
    python infra/bench/decode_share.py --smoke --out /tmp/decode-share.json      # CPU, tiny-32k-slim: measures nothing

Times one decode of ``batch`` windows (codes ``[batch, 4, frames]`` in host memory, audio back in host
memory, as ``encodec_decode`` serves them), median of ``--repeats`` after one warm-up, for

- ``pytorch``: the decoder ``encodec_decode`` serves (``musicgen_serving.codec``), per ``--dtype``;
- ``onnxruntime``: the ONNX graph of ``musicgen_serving.codec_onnx`` (exported on the way unless ``--onnx``
  names one), float32, with ONNX Runtime's CUDA provider on a GPU (``onnxruntime-gpu``) or its CPU one;
  ``max_abs_diff`` is against the pytorch float32 audio of the same codes,

and divides by the batch: seconds per window. The codec is the released 32 kHz shape with random
weights (same cost as the released ones) unless ``--checkpoint`` names one. Against the LM's seconds
per window (``--lm``; defaults from the H200 run of 2026-11-30 in docs/performance.md: 30 s at 4.45
audio seconds per second with 1 prompt = 6.74 s, at 93.8 with 64 prompts = 0.32 s):

    ratio_to_lm = decode / lm              the issue's "4 to 14 %"
    share       = decode / (lm + decode)   the part of a window spent decoding when the two take turns on
                                           the GPU: the most that any faster decoder can give back

Writes JSON to ``--out`` and a Markdown table to stdout. Exit status 0, or 2 for a usage error.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "triton", "model_repository", "musicgen_lm", "1"))

FRAMES_PER_SECOND = 50
DEFAULT_LM = "1 prompt=6.74,64 prompts=0.32"
BACKENDS = ("pytorch", "onnxruntime")


def decode_share(decode_seconds: float, lm_seconds: float) -> dict:
    """``{"ratio_to_lm": decode / lm, "share": decode / (lm + decode)}``, rounded to 4 places.

    Example: ``decode_share(0.013, 0.32) == {"ratio_to_lm": 0.0406, "share": 0.039}``
    """
    return {
        "ratio_to_lm": round(decode_seconds / lm_seconds, 4),
        "share": round(decode_seconds / (lm_seconds + decode_seconds), 4),
    }


def parse_lm(text: str) -> list:
    """``"NAME=SECONDS,..."`` -> ``[(name, seconds), ...]``; raises ``argparse.ArgumentTypeError``."""
    out = []
    for item in text.split(","):
        name, _, value = item.partition("=")
        try:
            seconds = float(value)
        except ValueError:
            seconds = 0.0
        if not name.strip() or not seconds > 0:
            raise argparse.ArgumentTypeError(
                f"Cannot read --lm as each item must be NAME=SECONDS with SECONDS > 0: current value is {item!r}"
            )
        out.append((name.strip(), seconds))
    return out


def positive(kind):
    """An argparse type: ``kind(text)`` when it is above 0."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not value > 0:
            what = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"must be {what} above 0: current value is {text!r}")
        return value

    return parse


def positive_ints(text: str) -> list:
    """An argparse type: comma-separated integers above 0."""
    return [positive(int)(item) for item in text.split(",")]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="the JSON file to write")
    p.add_argument("--smoke", action="store_true", help="CPU, tiny-32k-slim codec, 1 s windows, batch 1 and 2")
    p.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    p.add_argument("--checkpoint", help="a local checkpoint directory (default: random weights)")
    p.add_argument("--onnx", help="an ONNX file of that checkpoint's decoder (default: export one)")
    p.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated: pytorch, onnxruntime")
    p.add_argument("--dtype", help="pytorch dtypes, comma-separated (default float32,float16 on cuda)")
    p.add_argument("--batch", type=positive_ints, help="comma-separated batch sizes (default 1,8)")
    p.add_argument("--seconds", type=positive(float), help="audio per window (default 30)")
    p.add_argument("--repeats", type=positive(int), help="timed calls per case, median taken (default 3)")
    p.add_argument("--threads", type=positive(int), help="CPU threads of torch and ONNX Runtime (default: theirs)")
    p.add_argument("--lm", type=parse_lm, default=parse_lm(DEFAULT_LM), help=f"LM seconds per window ({DEFAULT_LM})")
    args = p.parse_args(argv)
    unknown = sorted(set(args.backends.split(",")) - set(BACKENDS))
    if unknown:
        p.error(f"Cannot measure as --backends must name {', '.join(BACKENDS)}: current value is {args.backends!r}")
    if args.smoke:
        args.device = "cpu"
    cuda = args.device == "cuda"
    args.dtype = args.dtype or ("float32,float16" if cuda else "float32")
    allowed = ("float32", "float16", "bfloat16") if cuda else ("float32",)  # a CPU encodec_decode runs float32
    if not set(args.dtype.split(",")) <= set(allowed):
        p.error(
            f"Cannot measure as --dtype on {args.device} must be among {', '.join(allowed)}: "
            f"current value is {args.dtype!r}"
        )
    args.batch = args.batch or ([1, 2] if args.smoke else [1, 8])
    args.seconds = args.seconds or (1.0 if args.smoke else 30.0)
    args.repeats = args.repeats or (1 if args.smoke else 3)
    return args


def build_codec(args, torch):
    """(EncodecModel on the CPU in float32, description): the checkpoint's, or random weights whose
    codebooks are random too (transformers starts them at zero: every code would give the same audio)."""
    import transformers
    from transformers import EncodecConfig, EncodecModel

    from musicgen_serving.checkpoint import locate
    from musicgen_serving.codec import fold_weight_norm, load_codec
    from musicgen_serving.random_model import build_config

    transformers.logging.set_verbosity_error()  # random_model's configs warn about the pad token
    if args.checkpoint:
        return load_codec(locate(args.checkpoint), torch.device("cpu"), torch.float32), args.checkpoint
    size = "tiny-32k-slim" if args.smoke else "tiny-32k"
    torch.manual_seed(0)
    model = EncodecModel(EncodecConfig.from_dict(build_config(size).audio_encoder.to_dict())).eval()
    model.encoder = None
    with torch.no_grad():
        for layer in model.quantizer.layers:
            layer.codebook.embed.normal_()
    fold_weight_norm(model)
    return model, f"random weights, {size} codec shape"


def timed(fn, repeats: int):
    """(median seconds of ``repeats`` calls after one warm-up call, the last result)."""
    fn()
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def onnx_session(args, codec, report: dict):
    """An ONNX Runtime session of the decoder, or None with the reason in ``report["onnx"]``."""
    try:
        import onnxruntime as ort
    except ImportError:
        report["onnx"] = {"skipped": "onnxruntime is not installed"}
        return None
    provider = "CUDAExecutionProvider" if args.device == "cuda" else "CPUExecutionProvider"
    report["environment"]["onnxruntime"] = ort.__version__
    if provider not in ort.get_available_providers():
        report["onnx"] = {"skipped": f"onnxruntime has no {provider} here (onnxruntime-gpu has it)"}
        return None
    missing = [m for m in ("onnx", "onnxscript") if importlib.util.find_spec(m) is None]
    if not args.onnx and missing:
        report["onnx"] = {"skipped": f"exporting the graph needs {' and '.join(missing)} (or pass --onnx)"}
        return None
    path, start = args.onnx, time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        if not path:
            from musicgen_serving.codec_onnx import export_decoder_onnx

            path = os.path.join(tmp, "encodec_decoder.onnx")
            export_decoder_onnx(codec, path)
        options = ort.SessionOptions()
        if args.threads:
            options.intra_op_num_threads = args.threads
        session = ort.InferenceSession(path, options, providers=[provider])
    report["onnx"] = {"file": args.onnx or "exported here", "seconds": round(time.perf_counter() - start, 1)}
    report["onnx"]["provider"] = session.get_providers()[0]
    return session


def measure(args, batch: int, frames: int, decoders: dict, session, provider) -> list:
    """The decode rows of one batch size: pytorch per asked dtype, then onnxruntime."""
    import numpy as np

    codes = np.random.default_rng(batch).integers(0, 2048, size=(batch, 4, frames), dtype=np.int64)
    rows, reference = [], None
    for name, decoder in decoders.items():
        seconds, audio = timed(lambda d=decoder: d.decode(codes), args.repeats)
        diff = None if reference is None else float(np.abs(audio - reference).max())
        reference = audio if reference is None else reference  # float32 comes first
        if "pytorch" in args.backends.split(",") and name in args.dtype.split(","):
            rows.append({"backend": "pytorch", "dtype": name, "device": str(decoder.device), "max_abs_diff": diff})
            rows[-1].update(batch=batch, seconds=seconds)
    if session is not None:
        seconds, audio = timed(lambda: session.run(None, {"codes": codes})[0], args.repeats)
        diff = float(np.abs(audio[:, 0] - reference).max())
        rows.append({"backend": "onnxruntime", "dtype": "float32", "device": provider, "max_abs_diff": diff})
        rows[-1].update(batch=batch, seconds=seconds)
    for row in rows:
        row["seconds_per_window"] = row["seconds"] / batch
    return rows


def markdown(report: dict) -> str:
    lines = [
        f"EnCodec decode per {report['codec']['seconds_per_window']:g} s window ({report['mode']}, "
        f"{report['environment']['device']}; {report['codec']['weights']})",
        "",
        "| backend | dtype | batch | s per window | LM s per window | ratio to LM | share of the window |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in report["share"]:
        lines.append(
            f"| {r['backend']} | {r['dtype']} | {r['batch']} | {r['decode_seconds_per_window']:.4f} | "
            f"{r['lm_seconds_per_window']:g} ({r['lm']}) | {100 * r['ratio_to_lm']:.1f} % | {100 * r['share']:.1f} % |"
        )
    if "skipped" in report["onnx"]:
        lines += ["", f"onnxruntime: skipped, {report['onnx']['skipped']}"]
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch

    from musicgen_serving.codec import CodecDecoder

    if args.device == "cuda" and not torch.cuda.is_available():
        print("Cannot measure on cuda as CUDA is not available here: use --device cpu or --smoke", file=sys.stderr)
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False  # as encodec_decode (float32)
    device = torch.device("cuda", 0) if args.device == "cuda" else torch.device("cpu")
    frames = int(round(args.seconds * FRAMES_PER_SECOND))
    codec, weights = build_codec(args, torch)
    report = {
        "mode": "smoke" if args.smoke else "full",
        "environment": {
            "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
            "torch": torch.__version__,
            "onnxruntime": None,
        },
        "codec": {"weights": weights, "frames_per_window": frames, "seconds_per_window": args.seconds},
        "lm": [{"name": name, "seconds_per_window": s} for name, s in args.lm],
        "onnx": {"skipped": "not asked for (--backends)"},
        "decode": [],
    }
    backends, dtypes = args.backends.split(","), args.dtype.split(",")
    session = onnx_session(args, codec, report) if "onnxruntime" in backends else None
    # the float32 decoder is timed whenever anything is: its audio is the reference of max_abs_diff
    decoders = {
        name: CodecDecoder(copy.deepcopy(codec).to(device=device, dtype=getattr(torch, name)))
        for name in dict.fromkeys(["float32", *(dtypes if "pytorch" in backends else [])])
    }
    for batch in args.batch:
        report["decode"] += measure(args, batch, frames, decoders, session, report["onnx"].get("provider"))
    report["share"] = [
        {
            "lm": name,
            "lm_seconds_per_window": lm,
            **{k: row[k] for k in ("backend", "dtype", "batch")},
            "decode_seconds_per_window": row["seconds_per_window"],
            **decode_share(row["seconds_per_window"], lm),
        }
        for name, lm in args.lm
        for row in report["decode"]
    ]
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
