"""Talks to a running Triton's three models over gRPC, the way the batch client does; prints a JSON report.

Run with the Python that has tritonclient (venv-triton, see scripts/env.sh):
``python triton_client.py HOST:PORT CODES.npy OUT.npz METRICS_PORT``. It streams three musicgen_lm
requests, decodes the seeded one's codes with encodec_decode, sends two equal-T decode requests
concurrently (the codes in CODES.npy, [2, 4, T]) and one bad one, and asks musicgen_info for its facts.
Then it keeps five 100-frame requests in flight on four slots and reads musicgen_lm's gauges from
/metrics at every progress response of the first one. Audio goes to OUT.npz.
"""

import json
import os
import queue
import sys

import numpy as np
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
from triton_server import read_metrics  # noqa: E402

GAUGES = ("musicgen_lm_slots_in_use", "musicgen_lm_waiting_requests", "musicgen_lm_slots")


def stream_lm(client):
    results = queue.Queue()
    client.start_stream(callback=lambda result, error: results.put((result, error)))

    def send(request_id, text, frames, **extra):
        inputs = []
        for name, dtype, array in [
            ("TEXT", "BYTES", np.array([text.encode()], dtype=object)),
            ("NUM_FRAMES", "INT32", np.array([frames], dtype=np.int32)),
        ] + [(k, v[0], v[1]) for k, v in extra.items()]:
            tensor = grpcclient.InferInput(name, list(array.shape), dtype)
            tensor.set_data_from_numpy(array)
            inputs.append(tensor)
        client.async_stream_infer("musicgen_lm", inputs, request_id=request_id, enable_empty_final_response=True)

    send("seeded", "lofi beat", 25, SEED=("INT64", np.array([1], np.int64)))
    send("bad", "jazz", 0)
    send(
        "continued",
        "calm piano",
        12,
        TEMPERATURE=("FP32", np.array([0.0], np.float32)),
        PROMPT_CODES=("INT32", np.arange(12, dtype=np.int32).reshape(4, 3)),
    )
    out = {"errors": []}
    finals = 0
    while finals < 3:
        result, error = results.get(timeout=120)
        if error is not None:
            out["errors"].append(str(error))
            finals += 1
            continue
        response = result.get_response()
        entry = out.setdefault(
            response.id,
            {"codes": [], "frames_done": [], "final_flags": [], "no_frames": [], "positions": [], "tokens": []},
        )
        final = response.parameters["triton_final_response"].bool_param
        entry["final_flags"].append(final)
        codes = result.as_numpy("CODES")
        if codes is not None:
            done = int(result.as_numpy("FRAMES_DONE")[0])
            entry["positions"].append(int(result.as_numpy("QUEUE_POSITION")[0]))
            entry["tokens"].append(result.as_numpy("TEXT_TOKENS").tolist())
            if codes.shape[1] == 0:  # the acknowledgement or a liveness response (contract v1.2)
                entry["no_frames"].append(done)
            else:
                entry["codes"].append(codes.tolist())
                entry["frames_done"].append(done)
        finals += int(final)
    client.stop_stream()
    return out


def gauges_while_busy(client, metrics_port, requests=5, frames=100):
    """musicgen_lm's gauges as read from /metrics at each progress response of the first request."""
    results = queue.Queue()
    client.start_stream(callback=lambda result, error: results.put((result, error)))
    for i in range(requests):
        inputs = []
        for name, dtype, array in [
            ("TEXT", "BYTES", np.array([b"busy"], dtype=object)),
            ("NUM_FRAMES", "INT32", np.array([frames], dtype=np.int32)),
            ("SEED", "INT64", np.array([i], dtype=np.int64)),
        ]:
            tensor = grpcclient.InferInput(name, list(array.shape), dtype)
            tensor.set_data_from_numpy(array)
            inputs.append(tensor)
        client.async_stream_infer("musicgen_lm", inputs, request_id=f"busy{i}", enable_empty_final_response=True)
    seen, finals = [], 0
    while finals < requests:
        result, error = results.get(timeout=120)
        if error is not None:
            raise error
        response = result.get_response()
        final = response.parameters["triton_final_response"].bool_param
        codes = result.as_numpy("CODES")
        if response.id == "busy0" and not final and codes is not None and codes.shape[1] > 0:
            samples = {name: value for (name, _), value in read_metrics(metrics_port).items() if name in GAUGES}
            seen.append([samples[name] for name in GAUGES])
        finals += int(final)
    client.stop_stream()
    idle = {name: value for (name, _), value in read_metrics(metrics_port).items() if name in GAUGES}
    return {"busy": seen, "idle": [idle[name] for name in GAUGES]}


def codes_input(codes):
    tensor = grpcclient.InferInput("CODES", list(codes.shape), "INT32")
    tensor.set_data_from_numpy(np.ascontiguousarray(codes, dtype=np.int32))
    return tensor


def decode_concurrently(client, batch):
    """Sends each [4, T] of ``batch`` as its own request at once; returns the AUDIO arrays in order."""
    results = queue.Queue()
    for i, codes in enumerate(batch):
        client.async_infer("encodec_decode", [codes_input(codes[None])], partial(results.put, i), request_id=f"pair{i}")
    audio = [None] * len(batch)
    for _ in batch:
        i, result, error = results.get(timeout=120)
        if error is not None:
            raise error
        audio[i] = result.as_numpy("AUDIO")
    return audio


def partial(put, i):
    return lambda result, error: put((i, result, error))


def main(url, codes_path, out_path, metrics_port):
    client = grpcclient.InferenceServerClient(url)
    report = {"lm": stream_lm(client)}
    seeded = np.concatenate([np.array(c, np.int32) for c in report["lm"]["seeded"]["codes"]], axis=1)
    audio = client.infer("encodec_decode", [codes_input(seeded[None])]).as_numpy("AUDIO")
    arrays = {"seeded_codes": seeded, "seeded_audio": audio}
    pair = np.load(codes_path)
    for i, audio in enumerate(decode_concurrently(client, pair)):
        arrays[f"pair_audio_{i}"] = audio
    bad = np.zeros((1, 4, 5), np.int32)
    bad[0, 1, 2] = 4096
    try:
        client.infer("encodec_decode", [codes_input(bad)])
        report["decode_error"] = None
    except InferenceServerException as exc:
        report["decode_error"] = {"status": exc.status(), "message": exc.message()}
    report["facts"] = json.loads(client.infer("musicgen_info", []).as_numpy("FACTS")[0])
    config = client.get_model_config("encodec_decode", as_json=True)["config"]
    report["decode_config"] = {"max_batch_size": config["max_batch_size"], "parameters": config["parameters"]}
    report["gauges"] = gauges_while_busy(client, int(metrics_port))
    np.savez(out_path, **arrays)
    print(json.dumps(report))


if __name__ == "__main__":
    main(*sys.argv[1:5])
