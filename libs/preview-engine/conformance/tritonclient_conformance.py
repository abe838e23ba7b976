"""Conformance of the preview engine with Triton's official Python client (tritonclient[grpc]).

Usage: python tritonclient_conformance.py --url HOST:PORT --expected expected.json

expected.json (written by the TypeScript test from the engine's deterministic reference):
  {"window": {"text", "frames", "seed", "codes": [[...] x4]},
   "decode": {"codes": [[...] x4], "audio": [...]},
   "max_frames": int}

Every check asserts; the script prints one line per check and "CONFORMANCE OK: <n> checks" at the end,
and exits 1 on the first failure.
"""

import argparse
import json
import queue
import sys

import numpy as np
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

checks = 0


def check(name, condition, detail=""):
    global checks
    if not condition:
        print(f"FAILED: {name} {detail}", flush=True)
        sys.exit(1)
    checks += 1
    print(f"ok: {name}", flush=True)


def expect_error(name, call, status, message):
    try:
        call()
    except InferenceServerException as error:
        check(name, error.status() == status and error.message() == message, f"got {error.status()} {error.message()!r}")
        return
    check(name, False, "no error raised")


def lm_inputs(text, frames, seed=None):
    inputs = [grpcclient.InferInput("TEXT", [1], "BYTES"), grpcclient.InferInput("NUM_FRAMES", [1], "INT32")]
    inputs[0].set_data_from_numpy(np.array([text.encode("utf-8")], dtype=np.object_))
    inputs[1].set_data_from_numpy(np.array([frames], dtype=np.int32))
    if seed is not None:
        seed_input = grpcclient.InferInput("SEED", [1], "INT64")
        seed_input.set_data_from_numpy(np.array([seed], dtype=np.int64))
        inputs.append(seed_input)
    return inputs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--expected", required=True)
    args = parser.parse_args()
    with open(args.expected, encoding="utf-8") as f:
        expected = json.load(f)

    client = grpcclient.InferenceServerClient(url=args.url)

    # health
    check("is_server_live", client.is_server_live() is True)
    check("is_server_ready", client.is_server_ready() is True)
    check("is_model_ready musicgen_lm", client.is_model_ready("musicgen_lm") is True)
    check("is_model_ready encodec_decode", client.is_model_ready("encodec_decode") is True)
    check("is_model_ready unknown", client.is_model_ready("nope") is False)

    # metadata
    server = client.get_server_metadata(as_json=True)
    check("server metadata name", server["name"] == "musicgen-preview", server)
    lm = client.get_model_metadata("musicgen_lm", as_json=True)
    check("model metadata platform", lm["platform"] == "preview", lm)
    check(
        "model metadata inputs",
        [(t["name"], t["datatype"], [int(d) for d in t["shape"]]) for t in lm["inputs"]]
        == [
            ("TEXT", "BYTES", [1]),
            ("NUM_FRAMES", "INT32", [1]),
            ("PROMPT_CODES", "INT32", [4, -1]),
            ("SEED", "INT64", [1]),
            ("GUIDANCE_SCALE", "FP32", [1]),
            ("TOP_K", "INT32", [1]),
            ("TOP_P", "FP32", [1]),
            ("TEMPERATURE", "FP32", [1]),
        ],
        lm["inputs"],
    )
    check(
        "model metadata outputs",
        [(t["name"], t["datatype"]) for t in lm["outputs"]]
        == [("CODES", "INT32"), ("FRAMES_DONE", "INT32"), ("QUEUE_POSITION", "INT32"), ("TEXT_TOKENS", "INT32")],
    )
    expect_error(
        "unknown model metadata",
        lambda: client.get_model_metadata("nope"),
        "StatusCode.NOT_FOUND",
        "Request for unknown model: 'nope' is not found",
    )

    # config
    lm_config = client.get_model_config("musicgen_lm").config
    check("lm config decoupled", lm_config.model_transaction_policy.decoupled is True)
    check("lm config max_batch_size", lm_config.max_batch_size == 0)
    check("lm config inputs", [i.name for i in lm_config.input][:2] == ["TEXT", "NUM_FRAMES"])
    decode_config = client.get_model_config("encodec_decode", as_json=True)["config"]
    check(
        "decode config max_frames",
        decode_config["parameters"]["max_frames"]["string_value"] == str(expected["max_frames"]),
        decode_config,
    )

    # unary infer on encodec_decode
    codes = np.array(expected["decode"]["codes"], dtype=np.int32)[np.newaxis, :, :]
    codes_input = grpcclient.InferInput("CODES", list(codes.shape), "INT32")
    codes_input.set_data_from_numpy(codes)
    result = client.infer("encodec_decode", [codes_input], outputs=[grpcclient.InferRequestedOutput("AUDIO")])
    audio = result.as_numpy("AUDIO")
    frames = codes.shape[2]
    check("decode AUDIO shape", audio.shape == (1, frames * 640), audio.shape)
    check("decode AUDIO dtype", audio.dtype == np.float32, audio.dtype)
    check("decode AUDIO equals reference", np.array_equal(audio[0], np.array(expected["decode"]["audio"], dtype=np.float32)))
    bad = np.full((1, 4, 2), 4000, dtype=np.int32)
    bad_input = grpcclient.InferInput("CODES", [1, 4, 2], "INT32")
    bad_input.set_data_from_numpy(bad)
    expect_error(
        "decode rejects out-of-range codes",
        lambda: client.infer("encodec_decode", [bad_input]),
        "StatusCode.INVALID_ARGUMENT",
        "[INVALID_ARG] CODES value out of range 0..2047 at [0, 0, 0]: got 4000",
    )
    expect_error(
        "unary infer on the decoupled model",
        lambda: client.infer("musicgen_lm", lm_inputs("x", 5)),
        "StatusCode.UNIMPLEMENTED",
        "ModelInfer RPC doesn't support models with decoupled transaction policy",
    )

    # streaming infer on musicgen_lm
    window = expected["window"]
    responses = queue.Queue()
    client.start_stream(callback=lambda result, error: responses.put((result, error)))
    client.async_stream_infer(
        "musicgen_lm",
        lm_inputs(window["text"], window["frames"], window["seed"]),
        request_id="window",
        enable_empty_final_response=True,
    )
    client.async_stream_infer("musicgen_lm", lm_inputs("bad", 0), request_id="bad", enable_empty_final_response=True)
    chunks, errors, finals, empty_finals = [], [], 0, 0
    while finals + len(errors) < 2:
        result, error = responses.get(timeout=60)
        if error is not None:
            errors.append(error)
            continue
        response = result.get_response()
        final = response.parameters["triton_final_response"].bool_param
        codes_chunk = result.as_numpy("CODES")
        if codes_chunk is not None:
            check("stream response id", response.id == "window", response.id)
            chunks.append(codes_chunk)
        elif final:
            empty_finals += 1
        if final:
            finals += 1
    client.stop_stream()
    streamed = np.concatenate(chunks, axis=1)
    check("stream frame count", streamed.shape == (4, window["frames"]), streamed.shape)
    check("stream codes equal reference", np.array_equal(streamed, np.array(window["codes"], dtype=np.int32)))
    check("stream empty final response", empty_finals == 1, empty_finals)
    check(
        "stream error for the bad request only",
        len(errors) == 1
        and errors[0].message()
        == "[INVALID_ARG] NUM_FRAMES must be between 1 and 1500 - P (P = 0 prompt frames): got 0",
        [e.message() for e in errors],
    )
    client.close()
    print(f"CONFORMANCE OK: {checks} checks", flush=True)


if __name__ == "__main__":
    main()
