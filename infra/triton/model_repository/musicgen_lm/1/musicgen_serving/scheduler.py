"""In-flight batching scheduler for the MusicGen LM, kept apart from model execution.

The scheduler knows nothing about torch. Each decode step feeds one delayed-pattern step for every
running request, so a request's progress is fully determined by how many steps it has been fed:
after ``k`` decode steps, ``min(max(k - 3, 0), num_frames)`` new frames are complete (the 4-codebook
delay pattern needs 3 extra steps). That lets the scheduler plan admissions, finishes and progress
reports on the CPU without reading anything back from the device.

Slots are kept compact: running requests always occupy slots ``0..n-1``, so a decode step can run on
a contiguous batch. When a request leaves, the request in the highest slot is moved into the hole
(``SlotMove``); the executor copies that slot's cache rows.
"""

from __future__ import annotations

import collections
import enum
from dataclasses import dataclass, field
from typing import Deque, Dict, List, Optional

DELAY_STEPS = 3  # num_codebooks - 1 for MusicGen's delays [0, 1, 2, 3]


class RequestStatus(enum.IntEnum):
    """Ordered life cycle of a request; values above RUNNING are final."""

    WAITING = 0
    RUNNING = 1
    FINISHED = 2
    CANCELLED = 3
    FAILED = 4

    @property
    def is_final(self) -> bool:
        return self > RequestStatus.RUNNING


class QueueFullError(RuntimeError):
    """Raised by :meth:`Scheduler.add` when the waiting queue is at capacity."""

    code = "QUEUE_FULL"


@dataclass
class ScheduledRequest:
    """Scheduler-side view of one request."""

    request_id: str
    num_frames: int
    prompt_frames: int = 0
    status: RequestStatus = RequestStatus.WAITING
    slot: Optional[int] = None
    steps_done: int = 0
    frames_reported: int = 0

    @property
    def total_steps(self) -> int:
        return self.num_frames + DELAY_STEPS

    @property
    def frames_done(self) -> int:
        return min(max(self.steps_done - DELAY_STEPS, 0), self.num_frames)

    @property
    def position(self) -> int:
        """Cache position of the token fed at the next step (BOS step + prompt + steps done)."""
        return self.prompt_frames + self.steps_done


@dataclass(frozen=True)
class SlotMove:
    request_id: str
    src: int
    dst: int
    length: int  # cache positions written so far by the moved request (its next position)


@dataclass(frozen=True)
class Admission:
    request_id: str
    slot: int


@dataclass
class StepPlan:
    """What the executor must do before running one decode step."""

    moves: List[SlotMove] = field(default_factory=list)
    admissions: List[Admission] = field(default_factory=list)
    batch_size: int = 0  # running requests, in slots 0..batch_size-1
    max_length: int = 0  # cache positions the step attends to (max position + 1)

    @property
    def is_empty(self) -> bool:
        return self.batch_size == 0


@dataclass(frozen=True)
class ProgressEvent:
    """Frames [frame_start, frame_end) of a request are ready to be sent; final ends the request."""

    request_id: str
    slot: int
    frame_start: int
    frame_end: int
    final: bool


class Scheduler:
    """Admits waiting requests into free slots at step boundaries and retires finished ones.

    Example::

        s = Scheduler(max_slots=2, max_queue=8, progress_interval=50)
        s.add("a", num_frames=100)
        plan = s.schedule()          # admits "a" into slot 0
        events = s.complete_step()   # after the executor ran one decode step
    """

    def __init__(self, max_slots: int, max_queue: int, progress_interval: int) -> None:
        if max_slots < 1:
            raise ValueError(f"Cannot create scheduler as 'max_slots' must be >= 1: current value is {max_slots}")
        if max_queue < 0:
            raise ValueError(f"Cannot create scheduler as 'max_queue' must be >= 0: current value is {max_queue}")
        if progress_interval < 1:
            raise ValueError(
                f"Cannot create scheduler as 'progress_interval' must be >= 1: current value is {progress_interval}"
            )
        self.max_slots = max_slots
        self.max_queue = max_queue
        self.progress_interval = progress_interval
        self.waiting: Deque[ScheduledRequest] = collections.deque()
        self.slots: List[Optional[ScheduledRequest]] = [None] * max_slots
        self.requests: Dict[str, ScheduledRequest] = {}
        self.frames_generated = 0  # frames completed by decode steps, over all requests ever run

    # -- queue side -------------------------------------------------------------------------------
    def add(self, request_id: str, num_frames: int, prompt_frames: int = 0) -> ScheduledRequest:
        if request_id in self.requests:
            raise ValueError(f"Cannot add request as its id is already in use: current value is {request_id!r}")
        if len(self.waiting) >= self.max_queue:
            raise QueueFullError(
                f"Cannot queue request {request_id!r} as the queue is full: {len(self.waiting)} requests are "
                f"waiting (max_queue_size {self.max_queue}); retry later"
            )
        req = ScheduledRequest(request_id, num_frames, prompt_frames)
        self.requests[request_id] = req
        self.waiting.append(req)
        return req

    def cancel(self, request_id: str) -> bool:
        """Marks a request cancelled; a running one frees its slot at the next :meth:`schedule`."""
        req = self.requests.get(request_id)
        if req is None or req.status.is_final:
            return False
        self._retire(req, RequestStatus.CANCELLED)
        return True

    def fail(self, request_id: str) -> None:
        """Drops one request after an error that concerns it alone (e.g. its prefill failed)."""
        req = self.requests.get(request_id)
        if req is not None and not req.status.is_final:
            self._retire(req, RequestStatus.FAILED)

    def fail_running(self) -> List[str]:
        """Drops every running request (a batched step failed); returns their ids."""
        ids = [r.request_id for r in self.slots if r is not None]
        for rid in ids:
            self.fail(rid)
        return ids

    @property
    def num_running(self) -> int:
        return sum(r is not None for r in self.slots)

    @property
    def num_waiting(self) -> int:
        return len(self.waiting)

    def queue_positions(self) -> Dict[str, int]:
        """Each waiting request's place in the queue: 1 for the next one to get a slot."""
        return {req.request_id: i + 1 for i, req in enumerate(self.waiting)}

    @property
    def has_work(self) -> bool:
        return bool(self.waiting) or self.num_running > 0

    # -- step side --------------------------------------------------------------------------------
    def schedule(self) -> StepPlan:
        """Compacts slots, admits waiting requests and describes the next decode step."""
        plan = StepPlan()
        self._compact(plan)
        n = self.num_running
        while self.waiting and n < self.max_slots:
            req = self.waiting.popleft()
            req.status = RequestStatus.RUNNING
            req.slot = n
            self.slots[n] = req
            plan.admissions.append(Admission(req.request_id, n))
            n += 1
        plan.batch_size = n
        plan.max_length = max((r.position + 1 for r in self.slots[:n] if r is not None), default=0)
        return plan

    def complete_step(self) -> List[ProgressEvent]:
        """Records one executed decode step; returns the progress and final events it produced."""
        events: List[ProgressEvent] = []
        for req in self.slots:
            if req is None:
                continue
            before = req.frames_done
            req.steps_done += 1
            done = req.frames_done
            self.frames_generated += done - before
            final = req.steps_done >= req.total_steps
            if final or done - req.frames_reported >= self.progress_interval:
                events.append(ProgressEvent(req.request_id, req.slot, req.frames_reported, done, final))
                req.frames_reported = done
            if final:
                self._retire(req, RequestStatus.FINISHED)
        return events

    # -- internals --------------------------------------------------------------------------------
    def _retire(self, req: ScheduledRequest, status: RequestStatus) -> None:
        if req.status == RequestStatus.WAITING:
            self.waiting.remove(req)
        elif req.slot is not None:
            self.slots[req.slot] = None
        req.status = status
        del self.requests[req.request_id]

    def _compact(self, plan: StepPlan) -> None:
        lo, hi = 0, self.max_slots - 1
        while True:
            while lo < self.max_slots and self.slots[lo] is not None:
                lo += 1
            while hi >= 0 and self.slots[hi] is None:
                hi -= 1
            if lo >= hi:
                return
            req = self.slots[hi]
            plan.moves.append(SlotMove(req.request_id, hi, lo, req.position))
            self.slots[lo], self.slots[hi] = req, None
            req.slot = lo
