"""Streams three requests to a running Triton's musicgen_lm over gRPC; prints what came back as JSON.

Run with the Python that has tritonclient (venv-triton, see scripts/env.sh): ``python triton_client.py HOST:PORT``.
"""

import json
import queue
import sys

import numpy as np
import tritonclient.grpc as grpcclient


def main(url):
    results = queue.Queue()
    client = grpcclient.InferenceServerClient(url)
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
        entry = out.setdefault(response.id, {"codes": [], "frames_done": [], "final_flags": []})
        final = response.parameters["triton_final_response"].bool_param
        entry["final_flags"].append(final)
        codes = result.as_numpy("CODES")
        if codes is not None:
            entry["codes"].append(codes.tolist())
            entry["frames_done"].append(int(result.as_numpy("FRAMES_DONE")[0]))
        finals += int(final)
    client.stop_stream()
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
