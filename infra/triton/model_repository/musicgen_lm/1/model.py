"""Triton Python backend entry point for ``musicgen_lm`` (decoupled; model contract v1.3).

Inputs (``max_batch_size: 0``, shapes without a batch dimension):
    TEXT            BYTES  [1]     UTF-8 prompt; empty string = unconditional        (required)
    NUM_FRAMES      INT32  [1]     frames to generate, >= 1, NUM_FRAMES + P <= 1500   (required)
    PROMPT_CODES    INT32  [4, P]  frames to continue from, values 0..2047            (optional)
    SEED            INT64  [1]     sampling seed                                      (optional)
    GUIDANCE_SCALE  FP32   [1]     classifier-free guidance, default 3.0              (optional)
    TOP_K           INT32  [1]     default 250, 0 disables                            (optional)
    TOP_P           FP32   [1]     default 0 (off); > 0 takes precedence over TOP_K  (optional)
    TEMPERATURE     FP32   [1]     default 1.0, 0 = greedy                            (optional)
Outputs, streamed (one response every ``progress_interval_frames`` frames, the last one FINAL):
    CODES           INT32  [4, n]  frames completed since the previous response (no delay pattern)
    FRAMES_DONE     INT32  [1]     frames completed so far
    QUEUE_POSITION  INT32  [1]     0 once the request holds a slot; k >= 1 while it waits, k-th in line
    TEXT_TOKENS     INT32  [2]     T5 tokens of the prompt, and how many the model reads (<= max_text_tokens)

Liveness (contract v1.2): every accepted request is acknowledged at once with a response of no frames
(CODES [4, 0], FRAMES_DONE unchanged), and gets another whenever ``liveness_interval_ms`` passed without
a response, while it waits for a slot or between progress responses; the engine's loop sends them,
so they stop when the engine stops making progress.

All the work happens in ``musicgen_serving``; this class only converts between Triton objects and
that package: it validates each request, hands it to the engine, and turns engine results into
responses. Every error message starts with its class tag (contract v1.1, ``musicgen_serving.errors``):
a bad request gets ``[INVALID_ARG]`` of its own; a full queue or a shutdown ``[UNAVAILABLE]``; an
engine failure ``[INTERNAL]``. After loading, the instance checks that the text encoder gives finite
states (``musicgen_serving.self_test``), hashes the checkpoint's files
(``musicgen_serving.checkpoint_files``), publishes what it really serves, both included, for
``musicgen_info`` (``musicgen_serving.facts``), and exports the engine's numbers as Prometheus metrics
on Triton's metrics port (``musicgen_serving.metrics``: slots, queue, requests, frames, step time).
"""

import json
import os
import sys

import numpy as np
import triton_python_backend_utils as pb_utils

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from musicgen_serving import facts, self_test  # noqa: E402
from musicgen_serving.checkpoint_files import file_hashes  # noqa: E402
from musicgen_serving.config import ServingConfig  # noqa: E402
from musicgen_serving.errors import INVALID_ARG, UNAVAILABLE, error_response  # noqa: E402
from musicgen_serving.metrics import LM_METRICS, MetricsPublisher, create_metrics  # noqa: E402
from musicgen_serving.request import InvalidInputError, parse_request  # noqa: E402
from musicgen_serving.scheduler import QueueFullError  # noqa: E402

INPUT_NAMES = ("TEXT", "NUM_FRAMES", "PROMPT_CODES", "SEED", "GUIDANCE_SCALE", "TOP_K", "TOP_P", "TEMPERATURE")


class _Sink:
    """Streams one request's results through its response sender."""

    def __init__(self, sender):
        self.sender = sender

    def emit(self, codes, frames_done, final, queue_position, text_tokens):
        if self.sender.is_cancelled():
            self.sender.send(flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
            return False
        response = pb_utils.InferenceResponse(
            output_tensors=[
                pb_utils.Tensor("CODES", np.ascontiguousarray(codes, dtype=np.int32)),
                pb_utils.Tensor("FRAMES_DONE", np.array([frames_done], dtype=np.int32)),
                pb_utils.Tensor("QUEUE_POSITION", np.array([queue_position], dtype=np.int32)),
                pb_utils.Tensor("TEXT_TOKENS", np.array(text_tokens, dtype=np.int32)),
            ]
        )
        self.sender.send(response, flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL if final else 0)
        return True

    def error(self, error_class, message):
        _send_error(self.sender, error_class, message)

    def cancelled(self):
        self.sender.send(flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)


def _send_error(sender, error_class, message):
    sender.send(error_response(pb_utils, error_class, message), flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)


class TritonPythonModel:
    def initialize(self, args):
        import torch

        from musicgen_serving.loader import engine_from_config

        config = json.loads(args["model_config"])
        if not pb_utils.using_decoupled_model_transaction_policy(config):
            raise pb_utils.TritonModelException("musicgen_lm needs model_transaction_policy { decoupled: true }")
        self.config = ServingConfig.from_parameters(config.get("parameters", {}))
        if args.get("model_instance_kind") == "GPU" and torch.cuda.is_available():
            device = torch.device("cuda", int(args.get("model_instance_device_id", 0)))
            torch.cuda.set_device(device)
        else:
            device = torch.device("cpu")
        self.engine, checkpoint = engine_from_config(self.config, device, log=pb_utils.Logger.log_error)
        check = self_test.text_encoder_check(self.engine.decoder)
        if not check["finite"]:
            pb_utils.Logger.log_error(
                f"musicgen_lm: the text encoder gave {check['non_finite']} non-finite values on its self-test "
                f"({check['dtype']}): takes will be noise or silence; set text_encoder_dtype to float32"
            )
        self.metrics = create_metrics(pb_utils, LM_METRICS, args["model_name"], args["model_version"])
        self.publisher = MetricsPublisher(
            LM_METRICS, self.metrics.metrics, self.engine.stats, log=pb_utils.Logger.log_error
        )
        self.engine.listener = self.publisher
        self.publisher.start()
        self.engine.start()
        self._next_id = 0
        decoder = self.engine.decoder
        served = facts.lm_facts(
            checkpoint,
            device=str(device),
            dtypes={
                "text_encoder": str(next(decoder.text_encoder.parameters()).dtype).replace("torch.", ""),
                "decoder": str(decoder.dtype).replace("torch.", ""),
            },
            max_concurrent_requests=self.engine.scheduler.max_slots,
            max_queue_size=self.config.max_queue_size,
            max_text_tokens=decoder.options.max_text_tokens,
            max_total_frames=decoder.options.max_frames,
            liveness_interval_ms=self.config.liveness_interval_ms,
            files=file_hashes(checkpoint.source),
            text_encoder_check=check,
        )
        self.facts_path = facts.write_facts(args["model_name"], args["model_instance_name"], served)
        pb_utils.Logger.log_info(f"musicgen_lm ready: {json.dumps(served)}")

    def execute(self, requests):
        for request in requests:
            sender = request.get_response_sender()
            if request.is_cancelled():
                self.engine.count_cancelled()
                sender.send(flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
                continue
            inputs = {}
            for name in INPUT_NAMES:
                tensor = pb_utils.get_input_tensor_by_name(request, name)
                inputs[name] = None if tensor is None else tensor.as_numpy()
            try:
                generation = parse_request(inputs)
            except InvalidInputError as exc:
                self.engine.count_refused(INVALID_ARG)
                _send_error(sender, INVALID_ARG, str(exc))
                continue
            self._next_id += 1
            request_id = f"{request.request_id() or 'request'}#{self._next_id}"
            try:
                self.engine.submit(request_id, generation, _Sink(sender))
            except QueueFullError as exc:
                _send_error(sender, UNAVAILABLE, str(exc))
        return None

    def finalize(self):
        facts.remove_facts(getattr(self, "facts_path", None))
        engine = getattr(self, "engine", None)
        if engine is not None:
            engine.stop()
        if getattr(self, "publisher", None) is not None:
            self.publisher.stop()
            self.metrics.close()
