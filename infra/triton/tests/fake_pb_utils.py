"""A stand-in for ``triton_python_backend_utils`` (only provided inside Triton's Python stub).

Implements just what model.py uses, recording everything a response sender receives.
"""

import sys
import threading
import types

import numpy as np

TRITONSERVER_RESPONSE_COMPLETE_FINAL = 1


class TritonError:
    UNKNOWN, INTERNAL, NOT_FOUND, INVALID_ARG, UNAVAILABLE, UNSUPPORTED, ALREADY_EXISTS, CANCELLED = range(8)

    def __init__(self, message, code=1):
        self._message, self._code = message, code

    def message(self):
        return self._message

    def code(self):
        return self._code


class TritonModelException(Exception):
    pass


class Tensor:
    def __init__(self, name, array):
        self._name, self._array = name, np.asarray(array)

    def name(self):
        return self._name

    def as_numpy(self):
        return self._array


class InferenceResponse:
    def __init__(self, output_tensors=None, error=None, parameters=None):
        self._outputs, self._error = list(output_tensors or []), error

    def output_tensors(self):
        return self._outputs

    def has_error(self):
        return self._error is not None

    def error(self):
        return self._error


class ResponseSender:
    def __init__(self):
        self.sent = []  # (response or None, flags)
        self.cancelled = False
        self.cancel_after_sends = None  # the client "goes away" after this many responses
        self.done = threading.Event()

    def send(self, response=None, flags=0):
        if self.done.is_set():
            raise RuntimeError("send after the final flag")
        self.sent.append((response, flags))
        if self.cancel_after_sends is not None and len(self.sent) >= self.cancel_after_sends:
            self.cancelled = True
        if flags & TRITONSERVER_RESPONSE_COMPLETE_FINAL:
            self.done.set()

    def is_cancelled(self):
        return self.cancelled


class InferenceRequest:
    def __init__(self, inputs, request_id=""):
        self._inputs = {k: Tensor(k, v) for k, v in inputs.items()}
        self._id = request_id
        self.sender = ResponseSender()

    def request_id(self):
        return self._id

    def get_response_sender(self):
        return self.sender

    def is_cancelled(self):
        return self.sender.cancelled


def get_input_tensor_by_name(request, name):
    return request._inputs.get(name)


def using_decoupled_model_transaction_policy(config):
    return bool(config.get("model_transaction_policy", {}).get("decoupled"))


class Logger:
    lines = []

    @classmethod
    def log_info(cls, msg):
        cls.lines.append(("info", msg))

    @classmethod
    def log_warn(cls, msg):
        cls.lines.append(("warn", msg))

    @classmethod
    def log_error(cls, msg):
        cls.lines.append(("error", msg))


class MetricFamily:
    """Custom metrics as in the Python backend: one registry per server, so families and metrics of
    the same name and labels are shared (two instances add to one series, as Triton 2.51 does)."""

    COUNTER, GAUGE, HISTOGRAM = "COUNTER", "GAUGE", "HISTOGRAM"
    registry = {}  # (family name, sorted label items) -> value
    kinds = {}  # family name -> (kind, description)

    def __init__(self, name, description, kind):
        if kind not in (self.COUNTER, self.GAUGE):
            raise ValueError(f"the fake supports counters and gauges only: {kind}")
        known = MetricFamily.kinds.setdefault(name, (kind, description))
        if known != (kind, description):
            raise ValueError(f"family {name} registered again with another kind or description")
        self.name, self.kind = name, kind

    def Metric(self, labels=None):
        if not isinstance(labels, dict):
            raise TypeError("Failed to create metric. Labels must be a dictionary.")
        return Metric(self, tuple(sorted(labels.items())))

    @classmethod
    def values(cls):
        """{(name, ((label, value), ...)): value} of every metric created so far."""
        return dict(cls.registry)

    @classmethod
    def reset(cls):
        cls.registry.clear()
        cls.kinds.clear()


class Metric:
    def __init__(self, family, labels):
        self.family, self.key = family, (family.name, labels)
        MetricFamily.registry.setdefault(self.key, 0.0)

    def increment(self, value):
        if self.family.kind == MetricFamily.COUNTER and value < 0:
            raise TritonModelException(
                "Failed to increment metric value: TRITONSERVER_METRIC_KIND_COUNTER can only be incremented "
                "monotonically by non-negative values."
            )
        MetricFamily.registry[self.key] += value

    def set(self, value):
        if self.family.kind != MetricFamily.GAUGE:
            raise TritonModelException(
                "Failed to set metric value: TRITONSERVER_METRIC_KIND_COUNTER does not support Set"
            )
        MetricFamily.registry[self.key] = value

    def value(self):
        return MetricFamily.registry[self.key]


def install():
    """Registers this module as ``triton_python_backend_utils`` and returns it."""
    module = types.ModuleType("triton_python_backend_utils")
    for name, value in globals().items():
        if not name.startswith("_") and name not in ("install", "sys", "types", "np", "threading"):
            setattr(module, name, value)
    sys.modules["triton_python_backend_utils"] = module
    return module
