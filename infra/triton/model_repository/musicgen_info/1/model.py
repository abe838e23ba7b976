"""Triton Python backend entry point for ``musicgen_info`` (model contract v1.3): facts known only after load.

Inputs: none.
Output:
    FACTS  BYTES  [1]   one UTF-8 JSON document: {"contract": "1.3", "models": {name: facts}}

Each instance of ``musicgen_lm`` and ``encodec_decode`` writes what it really serves (checkpoint,
revision, random or pretrained weights, device, dtypes, allocated limits) once it has loaded; every
request here reads the files of this very server (``musicgen_serving.facts``), so a model that has not
loaded yet is absent and nothing from an earlier server run is ever reported. The code lives in
``musicgen_serving``, imported from the sibling ``musicgen_lm`` model directory.
"""

import json
import os
import sys

import numpy as np
import triton_python_backend_utils as pb_utils

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "musicgen_lm", "1"))

from musicgen_serving.errors import INTERNAL, error_response  # noqa: E402
from musicgen_serving.facts import collect_facts  # noqa: E402


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for _ in requests:
            try:
                document = json.dumps(collect_facts()).encode("utf-8")
            except Exception as exc:
                responses.append(
                    error_response(pb_utils, INTERNAL, f"Cannot report facts as they could not be read: {exc}")
                )
                continue
            responses.append(
                pb_utils.InferenceResponse(
                    output_tensors=[pb_utils.Tensor("FACTS", np.array([document], dtype=object))]
                )
            )
        return responses
