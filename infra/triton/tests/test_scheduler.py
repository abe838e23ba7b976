"""The in-flight batching scheduler, driven by a fake executor (no torch)."""

import pytest

from musicgen_serving.scheduler import (
    Admission,
    ProgressEvent,
    QueueFullError,
    RequestStatus,
    Scheduler,
    SlotMove,
)


class FakeExecutor:
    """Plays the decoder: tracks which request sits in which slot and counts frames per request."""

    def __init__(self, scheduler):
        self.s = scheduler
        self.slots = {}
        self.frames = {}
        self.finished = []
        self.batches = []

    def run_step(self):
        plan = self.s.schedule()
        for m in plan.moves:
            assert self.slots.pop(m.src) == m.request_id
            self.slots[m.dst] = m.request_id
        for a in plan.admissions:
            assert a.slot not in self.slots
            self.slots[a.slot] = a.request_id
        assert sorted(self.slots) == list(range(plan.batch_size))
        if plan.is_empty:
            return plan, []
        self.batches.append(plan.batch_size)
        events = self.s.complete_step()
        for ev in events:
            assert self.slots[ev.slot] == ev.request_id
            assert ev.frame_start == self.frames.get(ev.request_id, 0)
            self.frames[ev.request_id] = ev.frame_end
            if ev.final:
                self.finished.append(ev.request_id)
                del self.slots[ev.slot]
        return plan, events


def test_single_request_emits_progress_then_final_with_exact_frames():
    s = Scheduler(max_slots=2, max_queue=4, progress_interval=4)
    s.add("a", num_frames=10)
    ex = FakeExecutor(s)
    events = []
    while s.has_work:
        events += ex.run_step()[1]
    assert events == [
        ProgressEvent("a", 0, 0, 4, False),
        ProgressEvent("a", 0, 4, 8, False),
        ProgressEvent("a", 0, 8, 10, True),
    ]
    assert len(ex.batches) == 10 + 3  # one step per frame plus the 3 delay steps


def test_first_plan_admits_and_reports_attention_length():
    s = Scheduler(max_slots=4, max_queue=4, progress_interval=50)
    s.add("a", num_frames=5, prompt_frames=7)
    s.add("b", num_frames=5)
    plan = s.schedule()
    assert plan.admissions == [Admission("a", 0), Admission("b", 1)]
    assert plan.moves == []
    assert (plan.batch_size, plan.max_length) == (2, 8)  # "a" feeds position 7 (after its prompt)


def test_requests_join_at_step_boundaries_and_leave_when_done():
    s = Scheduler(max_slots=2, max_queue=8, progress_interval=100)
    ex = FakeExecutor(s)
    s.add("short", num_frames=2)
    s.add("long", num_frames=20)
    s.add("late", num_frames=3)
    ex.run_step()
    assert s.requests["late"].status == RequestStatus.WAITING
    while "short" not in ex.finished:
        ex.run_step()
    plan, _ = ex.run_step()
    # "short" left slot 0; "long" moved down, "late" joined in slot 1
    assert plan.moves == [SlotMove("long", 1, 0, 5)]
    assert plan.admissions == [Admission("late", 1)]
    while s.has_work:
        ex.run_step()
    assert ex.frames == {"short": 2, "long": 20, "late": 3}
    assert ex.finished == ["short", "late", "long"]


def test_queue_full_is_a_clear_error():
    s = Scheduler(max_slots=1, max_queue=2, progress_interval=10)
    s.add("a", 5)
    s.add("b", 5)
    with pytest.raises(QueueFullError) as err:
        s.add("c", 5)
    assert str(err.value) == (
        "Cannot queue request 'c' as the queue is full: 2 requests are waiting (max_queue_size 2); retry later"
    )
    s.schedule()  # "a" leaves the queue for a slot
    s.add("c", 5)


def test_cancel_running_frees_its_slot_and_others_continue():
    s = Scheduler(max_slots=3, max_queue=8, progress_interval=100)
    ex = FakeExecutor(s)
    for rid in "abc":
        s.add(rid, num_frames=6)
    ex.run_step()
    assert s.cancel("a") is True
    assert s.cancel("a") is False
    plan, _ = ex.run_step()
    assert plan.moves == [SlotMove("c", 2, 0, 1)]
    assert plan.batch_size == 2
    while s.has_work:
        ex.run_step()
    assert ex.frames == {"b": 6, "c": 6}


def test_cancel_waiting_and_fail_one_running():
    s = Scheduler(max_slots=1, max_queue=8, progress_interval=100)
    ex = FakeExecutor(s)
    s.add("a", 4)
    s.add("b", 4)
    s.add("c", 4)
    ex.run_step()
    assert s.cancel("b") is True
    s.fail("a")
    del ex.slots[0]
    while s.has_work:
        ex.run_step()
    assert ex.finished == ["c"]


def test_many_requests_every_one_gets_exactly_its_frames():
    s = Scheduler(max_slots=4, max_queue=64, progress_interval=3)
    ex = FakeExecutor(s)
    want = {f"r{i}": 1 + (i * 7) % 13 for i in range(20)}
    for rid, n in want.items():
        s.add(rid, n)
    while s.has_work:
        ex.run_step()
    assert ex.frames == want
    assert max(ex.batches) == 4


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"max_slots": 0, "max_queue": 1, "progress_interval": 1},
            "Cannot create scheduler as 'max_slots' must be >= 1: current value is 0",
        ),
        (
            {"max_slots": 1, "max_queue": -1, "progress_interval": 1},
            "Cannot create scheduler as 'max_queue' must be >= 0: current value is -1",
        ),
        (
            {"max_slots": 1, "max_queue": 1, "progress_interval": 0},
            "Cannot create scheduler as 'progress_interval' must be >= 1: current value is 0",
        ),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError) as err:
        Scheduler(**kwargs)
    assert str(err.value) == message


def test_queue_positions_count_from_the_next_request_to_get_a_slot():
    s = Scheduler(max_slots=1, max_queue=8, progress_interval=50)
    for rid in ("a", "b", "c"):
        s.add(rid, num_frames=5)
    assert s.queue_positions() == {"a": 1, "b": 2, "c": 3}
    s.schedule()  # "a" gets the slot
    assert s.queue_positions() == {"b": 1, "c": 2}
    s.cancel("b")
    assert s.queue_positions() == {"c": 1}
