"""Asks a running Triton, through the official gRPC client, whether each model answers.

Run with the Python that has tritonclient (venv-triton): ``python served_models.py HOST:PORT MODEL...``.
Prints one JSON object: each model's readiness, plus what musicgen_lm and encodec_decode return for a
small request when they are in the list.
"""

import json
import queue
import sys

import numpy as np
import tritonclient.grpc as grpcclient


def tensor(name, dtype, array):
    t = grpcclient.InferInput(name, list(array.shape), dtype)
    t.set_data_from_numpy(array)
    return t


def stream_codes(client, frames):
    results = queue.Queue()
    client.start_stream(callback=lambda result, error: results.put((result, error)))
    inputs = [
        tensor("TEXT", "BYTES", np.array([b"calm piano"], dtype=object)),
        tensor("NUM_FRAMES", "INT32", np.array([frames], dtype=np.int32)),
        tensor("SEED", "INT64", np.array([7], dtype=np.int64)),
    ]
    client.async_stream_infer("musicgen_lm", inputs, request_id="one", enable_empty_final_response=True)
    chunks = []
    while True:
        result, error = results.get(timeout=120)
        if error is not None:
            raise RuntimeError(str(error))
        codes = result.as_numpy("CODES")
        if codes is not None:
            chunks.append(codes)
        if result.get_response().parameters["triton_final_response"].bool_param:
            break
    client.stop_stream()
    return np.concatenate(chunks, axis=1)


def main(url, names):
    client = grpcclient.InferenceServerClient(url)
    out = {"ready": {name: client.is_model_ready(name) for name in names}}
    if "musicgen_lm" in names:
        codes = stream_codes(client, 5)
        out["musicgen_lm"] = {"shape": list(codes.shape), "in_range": bool(codes.min() >= 0 and codes.max() < 2048)}
    if "encodec_decode" in names:
        codes = np.zeros((1, 4, 5), dtype=np.int32)
        result = client.infer("encodec_decode", [tensor("CODES", "INT32", codes)])
        out["encodec_decode"] = {"shape": list(result.as_numpy("AUDIO").shape)}
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
