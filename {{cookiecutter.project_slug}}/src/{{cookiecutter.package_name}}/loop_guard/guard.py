"""The guard: notices when something holds the event loop, says where, and says why.

Every request shares one event loop, so a blocking call inside `async def`
(`time.sleep`, `requests`, a synchronous driver, heavy computation) freezes all
of them, and nothing else reports it. The guard has two parts:

- a heartbeat task on the loop that sleeps a few milliseconds at a time and
  measures how late it wakes up;
- a watchdog thread that, while the heartbeat is overdue, looks at the loop
  thread: its Python stack (which request, which line) and what the kernel
  says it is doing (causes.py).

A late heartbeat's time is split into its causes. The kernel says how long
the loop thread ran and how long it waited for a CPU (a wait is weighed
against the samples that saw it ready to run); it slept the rest, and the
watchdog's samples say in what: a blocking call, a lock another thread held
(the interpreter's), or a stall in the kernel. Time running code, less
garbage collection, plus time in blocking calls is the code's: when it
reaches the threshold in one step of the loop (one callback, or one step
of one task), and the watchdog saw where, it is a **block**: a warning
naming the route and the stack, which fails the tests. A loop with hundreds
of requests ready runs them one short step after another, and the heartbeat
waits for all of them, but no step held the loop: a step is held to
account only for what the samples prove, the loop thread's CPU time
between two samples in a row that caught it (`step_held_longest`). So the
guard misses rather than blames: CPU work is seen from the first sample,
taken once the heartbeat is a quarter of the threshold late, and a step
that computes for little more than the threshold can pass as a pause. A late
heartbeat explained by the other causes is a **pause**, logged as such
(`<package>.loop_guard.pauses`) and never blamed on a route. So is one
during which the watchdog saw the loop stopped: its owner had stopped it
(pytest stops the loop between a test's setup, call and teardown, and runs
its own code meanwhile), so nothing was holding it; what the loop ran once
it ran again is judged on its own. Serving a request costs nothing extra:
the guard never touches the request path.
"""

import asyncio
import contextlib
import itertools
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from types import FrameType

from {{ cookiecutter.package_name }}.loop_guard.causes import (
    CollectionTimer,
    Moment,
    run_and_wait_times,
    thread_activity,
)
from {{ cookiecutter.package_name }}.loop_guard.reports import LoopBlock, LoopPause, report_block, report_pause
from {{ cookiecutter.package_name }}.loop_guard.stack import (
    format_stack,
    is_loop_waiting,
    loop_driver,
    route_being_served,
    step_being_run,
)

# What the loop thread may be asleep in, as `thread_activity` names it.
SLEEPS = ("in a blocking call", "waiting for a lock", "stalled")
# What the watchdog counts when it finds the loop not running at all.
STOPPED = "the loop was stopped"
# ... and when it finds the loop thread in the loop's own code, or in its
# select: woken, and ready to run the heartbeat, which is overdue.
IN_THE_LOOP = "in the loop's own code"
# How many samples it takes to weigh the kernel's count of a wait for a CPU.
WEIGHED_FROM = 2
# Told after every heartbeat how late it was (seconds) and what it was
# reported as, if anything: for whoever exports the loop's health as metrics.
HeartbeatListener = Callable[[float, LoopBlock | LoopPause | None], None]


@dataclass(frozen=True)
class Sample:
    """One look at the loop thread while its loop ran: in a step, or between steps."""

    step: FrameType | None  # `step_being_run`; None: the loop's own code, between steps
    # "in a blocking call"; "running" (on a CPU, or waiting for one, for a
    # lock or in the kernel: the step goes on once the thread does); or
    # IN_THE_LOOP, between steps.
    way: str
    ran: float  # the loop thread's CPU clock, seconds


@dataclass
class _Watch:
    """What the watchdog saw of the loop thread while one heartbeat was overdue."""

    heartbeat: float
    seen: Counter[str] = field(default_factory=Counter)  # activity -> times seen
    # In the order taken. Steps are kept by frame, not id, so that a finished
    # step's id is not reused for another while this lasts.
    samples: list[Sample] = field(default_factory=list)
    # Where, the first time it saw each step at work in each way: (route,
    # stack). A block names the way that held the loop longer: on a busy
    # machine the first sample can catch the code that merely led up to a
    # blocking call, waiting for a CPU.
    where: dict[tuple[FrameType, str], tuple[str, str]] = field(default_factory=dict)
    # When it saw the loop run again after a stop: the loop thread's clocks
    # then, from which what the loop ran since is judged.
    since: Moment | None = None


def believed_wait(waited: float, late: float, seen: Counter[str]) -> float:
    """The kernel's count of the loop thread's wait for a CPU, as far as the samples bear it out.

    The count can include time the thread slept: on a busy machine a
    route's `time.sleep(0.3)` can read as 300 ms of waiting for a CPU. A
    thread that waits for a CPU is ready to run, and the samples see it so
    ("running", or in the loop's own code), so the wait is believed only for
    their share. With fewer than `WEIGHED_FROM` samples there is nothing to
    weigh it against, and it is believed in full: a single sample that
    caught a short blocking call must not turn a wait into a block.
    """
    sampled = sum(seen.values())
    if sampled < WEIGHED_FROM:
        return waited
    return min(waited, late * (seen["running"] + seen[IN_THE_LOOP]) / sampled)


def step_held_longest(
    watch: _Watch | None, running: float, blocked: float
) -> tuple[FrameType, float] | None:
    """The step of the loop that held it longest, and how long, as far as the samples prove.

    - Time in blocking calls goes to the steps caught in one, in proportion:
      a blocking call is the code's doing, however many steps made them.
    - Time running goes to a step only where two samples in a row caught
      it: the loop thread's CPU clock between them is that step's. One
      sample proves nothing: a loop with hundreds of requests ready runs
      them one short step after another, and a single sample in one of them
      once took the blame for all 269 ms. Nor does the time between two
      samples count when the thread waited for a CPU, or for the
      interpreter lock: its CPU clock stood still.
    """
    if watch is None:
        return None
    steps = {sample.step for sample in watch.samples if sample.step is not None}
    if not steps:
        return None
    blocked_in = Counter(s.step for s in watch.samples if s.way == "in a blocking call")
    blocking_samples = sum(blocked_in.values())
    ran_in = dict.fromkeys(steps, 0.0)
    for before, after in itertools.pairwise(watch.samples):
        if before.step is not None and before.step is after.step:
            ran_in[before.step] += after.ran - before.ran

    def held_for(step: FrameType) -> float:
        held = blocked * blocked_in[step] / blocking_samples if blocking_samples else 0.0
        return held + min(ran_in[step], running)

    longest = max(steps, key=held_for)
    return longest, held_for(longest)


def where_held(watch: _Watch, step: FrameType, blocked: float, ran: float) -> tuple[str, str]:
    """(route, stack) of `step`, at the way the code held the loop longer, in a
    blocking call or running, or at the only way the watchdog saw."""
    longer = "in a blocking call" if blocked > ran else "running"
    other = "running" if longer == "in a blocking call" else "in a blocking call"
    return watch.where.get((step, longer)) or watch.where[step, other]


@dataclass(frozen=True)
class _LoopThread:
    """What the watchdog needs to look at the loop thread from its own."""

    ident: int  # threading.get_ident(), for its Python stack
    native_id: int  # the kernel's, for /proc
    cpu_clock: int | None  # its CPU clock, read without a file: none where unsupported
    driver: frozenset[FrameType]  # `loop_driver`

    @classmethod
    def this_one(cls) -> "_LoopThread":
        """The calling thread, which runs the loop; to be called from a coroutine."""
        ident = threading.get_ident()
        try:
            cpu_clock = time.pthread_getcpuclockid(ident)
        except (AttributeError, OSError):
            cpu_clock = None
        driver = loop_driver(sys._getframe(1))  # from the caller's frame, a coroutine's
        return cls(ident, threading.get_native_id(), cpu_clock, driver)

    def cpu_time(self) -> float:
        return time.clock_gettime(self.cpu_clock) if self.cpu_clock is not None else 0.0


class LoopBlockGuard:
    def __init__(self, threshold: float) -> None:
        """`threshold`: seconds the loop may be held before it counts as blocked."""
        self.threshold = threshold
        self.blocks: list[LoopBlock] = []
        self.pauses: list[LoopPause] = []
        self.listeners: list[HeartbeatListener] = []
        self._interval = min(threshold / 4, 0.02)
        self._collections = CollectionTimer()
        self._heartbeat = self._now()
        self._watch: _Watch | None = None
        self._stopped = threading.Event()

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator["LoopBlockGuard"]:
        """Watch the running loop until the block ends."""
        self._collections.install()
        beating = asyncio.create_task(self._beat())
        watchdog = threading.Thread(
            target=self._watch_loop,
            args=(asyncio.get_running_loop(), _LoopThread.this_one()),
            name="loop-block-guard",
            daemon=True,
        )
        watchdog.start()
        try:
            yield self
        finally:
            # A block that ended just now has not been reported by the heartbeat yet.
            self._check(self._heartbeat)
            self._stopped.set()
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
            await asyncio.to_thread(watchdog.join)
            self._collections.remove()

    def _now(self, loop_native_id: int | None = None) -> Moment:
        """The loop thread's clocks: read on it, or from the watchdog by its native id."""
        return Moment(
            time.monotonic(), *run_and_wait_times(loop_native_id), self._collections.seconds
        )

    async def _beat(self) -> None:
        while True:
            self._heartbeat = heartbeat = self._now()
            await asyncio.sleep(self._interval)
            self._check(heartbeat)

    def _check(self, heartbeat: Moment) -> None:
        """Split a heartbeat that came back too late into its causes, and report it."""
        now = self._now()
        late = now.wall - heartbeat.wall - self._interval
        if late < self.threshold:
            self._tell(late, None)
            return
        watch = self._watch if self._watch and self._watch.heartbeat == heartbeat.wall else None
        self._watch = None  # one report per late heartbeat
        seen = watch.seen if watch else Counter[str]()
        since = watch.since if watch else None
        report: LoopBlock | LoopPause
        if since and now.wall - since.wall >= self.threshold:
            # The loop was stopped, then late again once it ran (a test's first
            # step can block before the heartbeat gets a turn): each part is
            # reported as what it was.
            stopped_for = since.wall - heartbeat.wall - self._interval
            if stopped_for > 0:
                self._stopped_pause(stopped_for)
            report = self._attribute(now.wall - since.wall, since, now, watch, seen)
        elif since or seen[STOPPED]:
            # Whatever ran while the loop was stopped held up none of its work.
            report = self._stopped_pause(late)
        else:
            report = self._attribute(late, heartbeat, now, watch, seen)
        self._tell(late, report)

    def _stopped_pause(self, seconds: float) -> LoopPause:
        pause = report_pause(LoopPause(seconds, {STOPPED: seconds}))
        self.pauses.append(pause)
        return pause

    def _attribute(
        self, late: float, heartbeat: Moment, now: Moment, watch: _Watch | None, seen: Counter[str]
    ) -> LoopBlock | LoopPause:
        """A block when the code held the loop past the threshold; otherwise a pause, by cause."""
        ran, waited = now.ran - heartbeat.ran, now.waited - heartbeat.waited
        waited = believed_wait(waited, late, seen)
        collecting = min(now.collecting - heartbeat.collecting, ran)
        # Besides the heartbeat's own sleep, the loop thread slept this long;
        # the samples taken while it was overdue say in what, in proportion.
        slept = max(late - ran - waited, 0.0)
        asleep = sum(seen[kind] for kind in SLEEPS)
        share = {kind: slept * seen[kind] / asleep if asleep else 0.0 for kind in SLEEPS}
        code_time = ran - collecting + share["in a blocking call"]
        longest = step_held_longest(watch, ran - collecting, share["in a blocking call"])
        if watch and longest and longest[1] >= self.threshold:
            step, held_for = longest
            where = where_held(watch, step, share["in a blocking call"], ran - collecting)
            block = report_block(LoopBlock(*where, held_for))
            self.blocks.append(block)
            return block
        causes = {
            "garbage collection": collecting,
            "waiting for a CPU": waited,
            "waiting for a lock": share["waiting for a lock"],
            "stalled in the kernel": share["stalled"],
            "running code": code_time,
            "unexplained": slept if not asleep else 0.0,
        }
        pause = report_pause(LoopPause(late, {k: v for k, v in causes.items() if v > 0}))
        self.pauses.append(pause)
        return pause

    def _tell(self, late: float, report: LoopBlock | LoopPause | None) -> None:
        for listener in self.listeners:
            listener(max(late, 0.0), report)

    def _watch_loop(self, loop: asyncio.AbstractEventLoop, loop_thread: _LoopThread) -> None:
        while not self._stopped.wait(self._interval):
            heartbeat = self._heartbeat.wall
            if time.monotonic() - heartbeat - self._interval < self.threshold / 4:
                continue
            frame = sys._current_frames().get(loop_thread.ident)
            if frame is None:
                continue
            # Read right after the stack, before this thread lets go of the
            # interpreter lock: the loop thread, running Python, is where the
            # stack says. The step is read from the stack only after the
            # /proc reads below, by when the loop thread may have moved on;
            # a coroutine suspended meanwhile has lost its callers, and its
            # own frame then stands for the step.
            ran = loop_thread.cpu_time()
            if self._watch is None or self._watch.heartbeat != heartbeat:
                self._watch = _Watch(heartbeat)
            watch = self._watch
            running = loop.is_running()
            if running and watch.seen[STOPPED]:
                # The loop runs again after a stop: what it does from here on
                # is judged on its own, from the loop thread's clocks as of now.
                since = self._now(loop_thread.native_id)
                watch = self._watch = _Watch(heartbeat, since=since)
            if running and is_loop_waiting(frame):
                watch.seen[IN_THE_LOOP] += 1
                watch.samples.append(Sample(None, IN_THE_LOOP, ran))
                continue
            # Whatever the thread runs while its loop is stopped holds nothing up.
            activity = thread_activity(loop_thread.native_id) if running else STOPPED
            watch.seen[activity] += 1
            if activity == STOPPED:
                continue
            # A step caught waiting for a CPU, for the lock or in the kernel is
            # still that step: it goes on where it is once the thread runs.
            way = "in a blocking call" if activity == "in a blocking call" else "running"
            try:
                step = step_being_run(frame, loop_thread.driver)
                if (step, way) not in watch.where:
                    watch.where[step, way] = route_being_served(loop), format_stack(frame)
            except Exception:
                # The loop thread moved on while its frames were being read
                # (CPython does not freeze another thread's stack): look again.
                watch.seen[activity] -= 1
                continue
            watch.samples.append(Sample(step, way, ran))
