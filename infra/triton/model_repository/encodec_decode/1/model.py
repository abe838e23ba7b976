"""Triton Python backend entry point for ``encodec_decode`` (model contract v1): codes to 32 kHz audio.

Input (``max_batch_size`` > 0: the leading dimension is Triton's batch dimension, 1 per request):
    CODES  INT32  [1, 4, T]      EnCodec codes without the delay pattern, 1 <= T <= max_frames, 0..2047
Output:
    AUDIO  FP32   [1, T * 640]   mono 32 kHz samples

Requests that Triton's dynamic batcher hands one ``execute()`` are decoded together where their T is
equal (``musicgen_serving.decode_batch``); a bad request gets its own ``[INVALID_ARG]`` error and the
others are decoded. The code lives in ``musicgen_serving``, imported from the sibling ``musicgen_lm``
model directory (the repository ships as one unit), so both models share one loader and one checkpoint.
Its numbers (requests, frames decoded, codec calls, their rows and time) are exported as Prometheus
metrics on Triton's metrics port (``musicgen_serving.metrics``), updated before ``execute()`` returns.
"""

import json
import os
import sys

import triton_python_backend_utils as pb_utils

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "musicgen_lm", "1"))

from musicgen_serving import facts  # noqa: E402
from musicgen_serving.decode_batch import decode_all  # noqa: E402
from musicgen_serving.decode_config import DecodeConfig  # noqa: E402
from musicgen_serving.decode_request import parse_codes  # noqa: E402
from musicgen_serving.errors import INVALID_ARG, error_response  # noqa: E402
from musicgen_serving.metrics import DECODE_METRICS, MetricsPublisher, create_metrics  # noqa: E402
from musicgen_serving.request import InvalidInputError  # noqa: E402
from musicgen_serving.stats import DecodeStats  # noqa: E402


class TritonPythonModel:
    def initialize(self, args):
        import torch

        from musicgen_serving.checkpoint import locate
        from musicgen_serving.codec import CodecDecoder, load_codec
        from musicgen_serving.loader import torch_dtype

        self.config = DecodeConfig.from_model_config(json.loads(args["model_config"]))
        if args.get("model_instance_kind") == "GPU" and torch.cuda.is_available():
            device = torch.device("cuda", int(args.get("model_instance_device_id", 0)))
            torch.cuda.set_device(device)
        else:
            device = torch.device("cpu")
        checkpoint = locate(self.config.resolved_model_id, self.config.hf_local_files_only, "encodec_decode")
        dtype = torch_dtype(self.config.dtype, device)
        if device.type == "cuda" and dtype == torch.float32:  # float32 means float32: no TF32 convolutions
            torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
        self.decoder = CodecDecoder(load_codec(checkpoint, device, dtype))
        served = facts.decode_facts(
            checkpoint,
            device=str(device),
            dtype=str(dtype).replace("torch.", ""),
            max_frames=self.config.max_frames,
            max_batch_size=self.config.max_batch_size,
        )
        self.facts_path = facts.write_facts(args["model_name"], args["model_instance_name"], served)
        self.stats = DecodeStats()
        self.metrics = create_metrics(pb_utils, DECODE_METRICS, args["model_name"], args["model_version"])
        self.publisher = MetricsPublisher(
            DECODE_METRICS, self.metrics.metrics, lambda: self.stats, log=pb_utils.Logger.log_error
        )
        pb_utils.Logger.log_info(f"encodec_decode ready: {json.dumps(served)}")

    def execute(self, requests):
        responses = [None] * len(requests)
        valid, codes = [], []
        for i, request in enumerate(requests):
            tensor = pb_utils.get_input_tensor_by_name(request, "CODES")
            try:
                codes.append(parse_codes(None if tensor is None else tensor.as_numpy(), self.config.max_frames))
                valid.append(i)
            except InvalidInputError as exc:
                self.stats.failed[INVALID_ARG] += 1
                responses[i] = error_response(pb_utils, INVALID_ARG, str(exc))
        outcomes = decode_all(
            codes, self.decoder.decode, self.config.max_batch_size, log=pb_utils.Logger.log_error, stats=self.stats
        )
        for i, request_codes, outcome in zip(valid, codes, outcomes):
            if outcome.audio is None:
                self.stats.failed[outcome.error_class] += 1
                responses[i] = error_response(pb_utils, outcome.error_class, outcome.error)
            else:
                self.stats.completed += 1
                self.stats.frames_decoded += request_codes.shape[0] * request_codes.shape[2]
                responses[i] = pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("AUDIO", outcome.audio)])
        self.publisher.flush()  # before the responses leave: a client that has its audio sees it counted
        return responses

    def finalize(self):
        facts.remove_facts(getattr(self, "facts_path", None))
        if getattr(self, "publisher", None) is not None:
            self.publisher.stop()
            self.metrics.close()
