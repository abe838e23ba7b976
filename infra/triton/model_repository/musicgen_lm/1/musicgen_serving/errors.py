"""Error classes that survive Triton's gRPC stream (model contract v1.1).

Triton forwards a decoupled model's error to the stream as a bare message (the client sees gRPC
UNKNOWN), so every error message a model returns starts with a stable class tag, and carries the
matching ``pb_utils.TritonError`` code as well::

    [INVALID_ARG] Cannot decode as input 'CODES' must hold values in 0..2047: current value is 4096

- ``INVALID_ARG``: the request is wrong; sending it again will fail again.
- ``UNAVAILABLE``: the server cannot take it now (queue full, shutting down); retry later.
- ``INTERNAL``: the model failed while serving a valid request.
"""

from __future__ import annotations

INVALID_ARG = "INVALID_ARG"
UNAVAILABLE = "UNAVAILABLE"
INTERNAL = "INTERNAL"
ERROR_CLASSES = (INVALID_ARG, UNAVAILABLE, INTERNAL)


def tagged(error_class: str, message: str) -> str:
    """The message with its class tag in front.

    Example::

        tagged(UNAVAILABLE, "Cannot queue request 'a' as the queue is full")
        # "[UNAVAILABLE] Cannot queue request 'a' as the queue is full"
    """
    if error_class not in ERROR_CLASSES:
        raise ValueError(
            f"Cannot tag an error as its class must be one of {ERROR_CLASSES}: current value is {error_class!r}"
        )
    return f"[{error_class}] {message}"


def triton_error(pb_utils, error_class: str, message: str):
    """A ``pb_utils.TritonError`` with the tagged message and the TritonError code of the same name.

    ``pb_utils`` is ``triton_python_backend_utils`` (passed in: it only exists inside Triton's stub).
    """
    return pb_utils.TritonError(tagged(error_class, message), getattr(pb_utils.TritonError, error_class))


def error_response(pb_utils, error_class: str, message: str):
    """A ``pb_utils.InferenceResponse`` that carries only the tagged error."""
    return pb_utils.InferenceResponse(error=triton_error(pb_utils, error_class, message))
