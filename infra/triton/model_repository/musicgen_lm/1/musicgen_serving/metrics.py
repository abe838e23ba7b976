"""Prometheus metrics of ``musicgen_lm`` and ``encodec_decode``, exported through Triton's metrics port.

Each metric is a :class:`MetricSpec` that reads one number from :class:`stats.EngineStats` or
:class:`stats.DecodeStats`; :func:`create_metrics` registers them with the Python backend's custom
metrics API (``pb_utils.MetricFamily``, Triton 2.51: counters, gauges, histograms) with the labels
``model`` and ``version`` that Triton's own metrics carry. :class:`MetricsPublisher` copies numbers into
them as increments, never as absolute values: every instance of a model adds its share to the same
series (Triton merges families and metrics of the same name and labels across stub processes, seen
with 2.51), so a gauge is the sum over instances, like Triton's own per-model metrics. On stop an
instance takes its share of each gauge back out.

Each metric operation is a round trip to the Triton process (about 20 to 55 microseconds, measured on
the CPU tritonserver), so the decode loop never makes one per step: it calls ``changed()`` (sets an
event) and a publisher thread copies the counters at most every ``interval_s``. When requests join or
leave, ``flush()`` publishes at once, before any final response goes out.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from .errors import ERROR_CLASSES, INTERNAL, INVALID_ARG

COUNTER = "COUNTER"
GAUGE = "GAUGE"


@dataclass(frozen=True)
class MetricSpec:
    """One series: family name, kind, help text, extra labels, and how to read its value from the stats."""

    name: str
    kind: str
    description: str
    read: Callable[[object], float]
    labels: Tuple[Tuple[str, str], ...] = ()


def _failed(prefix: str, classes: Iterable[str], what: str) -> List[MetricSpec]:
    return [
        MetricSpec(
            f"{prefix}_requests_failed_total",
            COUNTER,
            f"{what} ended with an error, by error class (reason: INVALID_ARG, UNAVAILABLE, INTERNAL)",
            lambda s, c=c: s.failed[c],
            (("reason", c),),
        )
        for c in classes
    ]


LM_METRICS: Tuple[MetricSpec, ...] = (
    MetricSpec(
        "musicgen_lm_slots_in_use",
        GAUGE,
        "Decode slots holding a running request",
        lambda s: s.slots_in_use,
    ),
    MetricSpec(
        "musicgen_lm_slots",
        GAUGE,
        "Decode slots allocated (the resolved max_concurrent_requests)",
        lambda s: s.slots_total,
    ),
    MetricSpec(
        "musicgen_lm_waiting_requests",
        GAUGE,
        "Requests queued for a free slot",
        lambda s: s.waiting,
    ),
    MetricSpec(
        "musicgen_lm_requests_completed_total",
        COUNTER,
        "Requests that received all their frames",
        lambda s: s.completed,
    ),
    *_failed("musicgen_lm", ERROR_CLASSES, "Requests that"),
    MetricSpec(
        "musicgen_lm_requests_cancelled_total",
        COUNTER,
        "Requests cancelled by the client, before or while running",
        lambda s: s.cancelled,
    ),
    MetricSpec(
        "musicgen_lm_frames_generated_total",
        COUNTER,
        "Frames (4 codes each, 50 per second of audio) produced by decode steps",
        lambda s: s.frames_generated,
    ),
    MetricSpec(
        "musicgen_lm_decode_steps_total",
        COUNTER,
        "Batched decode steps run",
        lambda s: s.decode_steps,
    ),
    MetricSpec(
        "musicgen_lm_decode_step_seconds_total",
        COUNTER,
        "Wall seconds of the engine iterations that ran a decode step (divide by the steps for the mean)",
        lambda s: s.decode_step_seconds,
    ),
)

DECODE_METRICS: Tuple[MetricSpec, ...] = (
    MetricSpec(
        "encodec_decode_requests_completed_total",
        COUNTER,
        "Requests answered with audio",
        lambda s: s.completed,
    ),
    *_failed("encodec_decode", (INVALID_ARG, INTERNAL), "Requests that"),
    MetricSpec(
        "encodec_decode_frames_decoded_total",
        COUNTER,
        "Frames decoded for completed requests (640 samples each)",
        lambda s: s.frames_decoded,
    ),
    MetricSpec(
        "encodec_decode_codec_calls_total",
        COUNTER,
        "Batched codec calls that returned audio (one per group of equal T)",
        lambda s: s.codec_calls,
    ),
    MetricSpec(
        "encodec_decode_codec_rows_total",
        COUNTER,
        "Rows decoded by those calls (divide by the calls for the mean batch size)",
        lambda s: s.codec_rows,
    ),
    MetricSpec(
        "encodec_decode_codec_seconds_total",
        COUNTER,
        "Wall seconds of those calls, audio copied to the host included",
        lambda s: s.codec_seconds,
    ),
)


class MetricSet:
    """The Triton metric objects of some specs; keeps their families alive until :meth:`close`."""

    def __init__(self, families: List[object], metrics: Dict[MetricSpec, object]) -> None:
        self.families = families
        self.metrics = metrics

    def close(self) -> None:
        """Drops the metrics, then their families: the order the Python backend needs. Call it in
        ``finalize``: metric objects still alive when the stub's interpreter exits crash the stub
        (seen with Triton 2.51: a segfault at every shutdown)."""
        self.metrics.clear()  # the publisher holds this very dict
        self.families.clear()


def create_metrics(pb_utils, specs: Iterable[MetricSpec], model: str, version: str) -> MetricSet:
    """Registers ``specs`` through ``pb_utils.MetricFamily`` with labels ``model`` and ``version``.

    ``pb_utils`` is ``triton_python_backend_utils`` (passed in: it only exists inside Triton's stub).
    """
    families: Dict[str, object] = {}
    metrics: Dict[MetricSpec, object] = {}
    for spec in specs:
        family = families.get(spec.name)
        if family is None:
            kind = getattr(pb_utils.MetricFamily, spec.kind)
            family = pb_utils.MetricFamily(name=spec.name, description=spec.description, kind=kind)
            families[spec.name] = family
        metrics[spec] = family.Metric(labels={"model": model, "version": version, **dict(spec.labels)})
    return MetricSet(list(families.values()), metrics)


class MetricsPublisher:
    """Copies numbers from ``read()`` into metric objects as increments.

    ``flush()`` publishes now (thread-safe); ``changed()`` only marks the numbers as changed, and the
    publisher's thread (:meth:`start`) publishes them within ``interval_s``. Metric errors are logged
    once and never raised: metrics must not fail requests.

    Example::

        publisher = MetricsPublisher(LM_METRICS, metric_set.metrics, engine.stats, interval_s=0.1)
        engine.listener = publisher
        publisher.start()
        ...
        publisher.stop()      # last flush, then this instance's share of each gauge taken back out
    """

    def __init__(
        self,
        specs: Iterable[MetricSpec],
        metrics: Dict[MetricSpec, object],
        read: Callable[[], object],
        interval_s: float = 0.1,
        log: Optional[Callable[[str], None]] = None,
    ) -> None:
        self.specs = tuple(specs)
        self.metrics = metrics
        self.read = read
        self.interval_s = interval_s
        self.log = log or (lambda msg: None)
        self.published: Dict[MetricSpec, float] = {s: 0 for s in self.specs}
        self._lock = threading.Lock()
        self._changed = threading.Event()
        self._stopping = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._logged = False

    def changed(self) -> None:
        self._changed.set()

    def flush(self) -> None:
        with self._lock:  # read inside the lock: a later reading is never overwritten by an earlier one
            stats = self.read()
            self._publish({s: s.read(stats) for s in self.specs})

    def start(self) -> None:
        self.flush()
        self._thread = threading.Thread(target=self._run, name="metrics-publisher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._changed.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        self.flush()
        with self._lock:
            self._publish({s: (self.published[s] if s.kind == COUNTER else 0) for s in self.specs})

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._changed.wait()
            self._stopping.wait(self.interval_s)  # gather the changes of one interval into one publish
            self._changed.clear()
            self.flush()

    def _publish(self, values: Dict[MetricSpec, float]) -> None:
        for spec, value in values.items():
            delta = value - self.published[spec]
            if not delta:
                continue
            try:
                self.metrics[spec].increment(delta)
            except Exception:
                if not self._logged:
                    self._logged = True
                    self.log(f"Cannot update metric {spec.name} (logged once):\n{traceback.format_exc()}")
                continue
            self.published[spec] = value
