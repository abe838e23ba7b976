"""metrics.py: the metric specs, their registration through (a stand-in of) pb_utils.MetricFamily, and
the publisher that copies numbers into them as increments."""

import time

import fake_pb_utils
import pytest

from musicgen_serving.errors import INTERNAL, INVALID_ARG, UNAVAILABLE
from musicgen_serving.metrics import (
    COUNTER,
    DECODE_METRICS,
    GAUGE,
    LM_METRICS,
    MetricsPublisher,
    create_metrics,
)
from musicgen_serving.stats import DecodeStats, EngineStats

LABELS = (("model", "musicgen_lm"), ("version", "1"))


@pytest.fixture
def pb():
    fake_pb_utils.MetricFamily.reset()
    yield fake_pb_utils
    fake_pb_utils.MetricFamily.reset()


def lm_series(values):
    """{name or name{reason}: value} of the musicgen_lm series."""
    out = {}
    for (name, labels), value in values.items():
        labels = dict(labels)
        assert (labels.pop("model"), labels.pop("version")) == ("musicgen_lm", "1")
        out[name + (f"{{{labels['reason']}}}" if labels else "")] = value
    return out


ZERO = {
    "musicgen_lm_slots_in_use": 0,
    "musicgen_lm_slots": 0,
    "musicgen_lm_waiting_requests": 0,
    "musicgen_lm_requests_completed_total": 0,
    "musicgen_lm_requests_failed_total{INVALID_ARG}": 0,
    "musicgen_lm_requests_failed_total{UNAVAILABLE}": 0,
    "musicgen_lm_requests_failed_total{INTERNAL}": 0,
    "musicgen_lm_requests_cancelled_total": 0,
    "musicgen_lm_frames_generated_total": 0,
    "musicgen_lm_decode_steps_total": 0,
    "musicgen_lm_decode_step_seconds_total": 0,
}


def busy_stats(**changes):
    stats = EngineStats(
        slots_total=8,
        slots_in_use=3,
        waiting=2,
        completed=5,
        failed={INVALID_ARG: 1, UNAVAILABLE: 0, INTERNAL: 2},
        cancelled=1,
        frames_generated=760,
        decode_steps=300,
        decode_step_seconds=1.5,
    )
    for key, value in changes.items():
        setattr(stats, key, value)
    return stats


BUSY = {
    "musicgen_lm_slots_in_use": 3,
    "musicgen_lm_slots": 8,
    "musicgen_lm_waiting_requests": 2,
    "musicgen_lm_requests_completed_total": 5,
    "musicgen_lm_requests_failed_total{INVALID_ARG}": 1,
    "musicgen_lm_requests_failed_total{UNAVAILABLE}": 0,
    "musicgen_lm_requests_failed_total{INTERNAL}": 2,
    "musicgen_lm_requests_cancelled_total": 1,
    "musicgen_lm_frames_generated_total": 760,
    "musicgen_lm_decode_steps_total": 300,
    "musicgen_lm_decode_step_seconds_total": 1.5,
}


def test_specs_follow_prometheus_names():
    for spec in LM_METRICS + DECODE_METRICS:
        assert spec.kind in (COUNTER, GAUGE)
        assert spec.name.endswith("_total") == (spec.kind == COUNTER), spec.name
        assert spec.name.startswith(("musicgen_lm_", "encodec_decode_"))
    assert [s.name for s in LM_METRICS if s.kind == GAUGE] == [
        "musicgen_lm_slots_in_use",
        "musicgen_lm_slots",
        "musicgen_lm_waiting_requests",
    ]


def test_registers_every_series_with_model_and_version_labels(pb):
    metric_set = create_metrics(pb, LM_METRICS, "musicgen_lm", "1")
    assert lm_series(pb.MetricFamily.values()) == ZERO
    assert pb.MetricFamily.kinds["musicgen_lm_slots_in_use"] == ("GAUGE", "Decode slots holding a running request")
    assert pb.MetricFamily.kinds["musicgen_lm_requests_failed_total"][0] == "COUNTER"
    assert len(metric_set.families) == 9 and len(metric_set.metrics) == 11
    publisher = MetricsPublisher(LM_METRICS, metric_set.metrics, lambda: busy_stats())
    metric_set.close()  # drops the metric objects the publisher holds too
    assert (metric_set.families, metric_set.metrics, publisher.metrics) == ([], {}, {})


def test_publishes_increments_and_takes_its_gauges_back_on_stop(pb):
    metric_set = create_metrics(pb, LM_METRICS, "musicgen_lm", "1")
    current = [busy_stats()]
    publisher = MetricsPublisher(LM_METRICS, metric_set.metrics, lambda: current[0])
    publisher.flush()
    assert lm_series(pb.MetricFamily.values()) == BUSY
    current[0] = busy_stats(slots_in_use=1, waiting=0, completed=7, frames_generated=900)
    publisher.flush()
    assert lm_series(pb.MetricFamily.values()) == {
        **BUSY,
        "musicgen_lm_slots_in_use": 1,
        "musicgen_lm_waiting_requests": 0,
        "musicgen_lm_requests_completed_total": 7,
        "musicgen_lm_frames_generated_total": 900,
    }
    publisher.stop()
    gauges_gone = {"musicgen_lm_slots_in_use": 0, "musicgen_lm_slots": 0, "musicgen_lm_waiting_requests": 0}
    assert lm_series(pb.MetricFamily.values()) == {
        **BUSY,
        "musicgen_lm_requests_completed_total": 7,
        "musicgen_lm_frames_generated_total": 900,
        **gauges_gone,
    }


def test_two_instances_add_up_in_one_series(pb):
    first = create_metrics(pb, LM_METRICS, "musicgen_lm", "1")
    second = create_metrics(pb, LM_METRICS, "musicgen_lm", "1")
    a = MetricsPublisher(LM_METRICS, first.metrics, lambda: busy_stats())
    b = MetricsPublisher(LM_METRICS, second.metrics, lambda: busy_stats(slots_in_use=0, completed=1))
    a.flush()
    b.flush()
    both = lm_series(pb.MetricFamily.values())
    assert (both["musicgen_lm_slots"], both["musicgen_lm_slots_in_use"]) == (16, 3)
    assert both["musicgen_lm_requests_completed_total"] == 6
    b.stop()  # one instance unloads: its gauges leave, its counts stay
    left = lm_series(pb.MetricFamily.values())
    assert (left["musicgen_lm_slots"], left["musicgen_lm_requests_completed_total"]) == (8, 6)


def test_the_thread_publishes_changes_within_the_interval(pb):
    metric_set = create_metrics(pb, LM_METRICS, "musicgen_lm", "1")
    current = [busy_stats()]
    publisher = MetricsPublisher(LM_METRICS, metric_set.metrics, lambda: current[0], interval_s=0.05)
    publisher.start()
    try:
        assert lm_series(pb.MetricFamily.values())["musicgen_lm_decode_steps_total"] == 300  # start() flushes
        current[0] = busy_stats(decode_steps=301, decode_step_seconds=1.75)
        publisher.changed()
        deadline = time.monotonic() + 5
        while lm_series(pb.MetricFamily.values())["musicgen_lm_decode_steps_total"] != 301:
            assert time.monotonic() < deadline, "not published"
            time.sleep(0.01)
        assert lm_series(pb.MetricFamily.values())["musicgen_lm_decode_step_seconds_total"] == 1.75
    finally:
        publisher.stop()


def test_changes_within_an_interval_become_one_publish(pb):
    calls = []

    class Counting:
        def increment(self, value):
            calls.append(value)

    spec = next(s for s in LM_METRICS if s.name == "musicgen_lm_decode_steps_total")
    steps = [0]
    publisher = MetricsPublisher([spec], {spec: Counting()}, lambda: busy_stats(decode_steps=steps[0]), 0.2)
    publisher.start()
    try:
        for _ in range(50):  # 50 steps in about 0.05 s
            steps[0] += 1
            publisher.changed()
            time.sleep(0.001)
        time.sleep(0.5)
    finally:
        publisher.stop()
    assert sum(calls) == 50 and 1 <= len(calls) <= 2


def test_a_failing_metric_is_logged_once_and_never_raises(pb):
    class Broken:
        def increment(self, value):
            raise pb.TritonModelException("Failed to increment metric value: gone")

    logs = []
    metrics = {spec: Broken() for spec in LM_METRICS}
    publisher = MetricsPublisher(LM_METRICS, metrics, lambda: busy_stats(), log=logs.append)
    publisher.flush()
    publisher.flush()
    publisher.stop()
    assert len(logs) == 1
    assert logs[0].startswith("Cannot update metric musicgen_lm_slots_in_use (logged once):\n")
    assert "Failed to increment metric value: gone" in logs[0]


def test_decode_metrics(pb):
    metric_set = create_metrics(pb, DECODE_METRICS, "encodec_decode", "1")
    stats = DecodeStats(completed=3, frames_decoded=4500)
    stats.failed[INVALID_ARG] = 2
    stats.record_call(2, 0.25)
    stats.record_call(1, 0.5)
    MetricsPublisher(DECODE_METRICS, metric_set.metrics, lambda: stats).flush()
    assert pb.MetricFamily.values() == {
        (name, (("model", "encodec_decode"), *extra, ("version", "1"))): value
        for name, extra, value in [
            ("encodec_decode_requests_completed_total", (), 3),
            ("encodec_decode_requests_failed_total", (("reason", "INVALID_ARG"),), 2),
            ("encodec_decode_requests_failed_total", (("reason", "INTERNAL"),), 0),
            ("encodec_decode_frames_decoded_total", (), 4500),
            ("encodec_decode_codec_calls_total", (), 2),
            ("encodec_decode_codec_rows_total", (), 3),
            ("encodec_decode_codec_seconds_total", (), 0.75),
        ]
    }
