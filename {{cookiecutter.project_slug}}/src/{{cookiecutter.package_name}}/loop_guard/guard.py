"""The guard: notices when something holds the event loop, and says where.

Every request shares one event loop, so a blocking call inside `async def`
(`time.sleep`, `requests`, a synchronous driver, heavy computation) freezes all
of them, and nothing else reports it. The guard has two parts:

- a heartbeat task on the loop that sleeps a few milliseconds at a time and
  measures how late it wakes up: lateness beyond the threshold is a block;
- a watchdog thread that, while the heartbeat is overdue, looks at the loop
  thread's stack: it finds the request being served and where the code is.

A block is reported (a warning with the route and the stack, and a count)
only when the watchdog saw the loop running code. Time the loop thread spent
waiting for a CPU, on a busy machine, is not counted as blocking. Serving a
request costs nothing extra: the guard never touches the request path.
"""

import asyncio
import contextlib
import logging
import sys
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from {{ cookiecutter.package_name }}.loop_guard.stack import format_stack, is_loop_waiting, route_being_served

# The package's logger: every warning of the guard comes from `<package>.loop_guard`.
logger = logging.getLogger(__package__)

SCHEDSTAT = "/proc/thread-self/schedstat"  # Linux: CPU time, then time waiting for a CPU


@dataclass(frozen=True)
class LoopBlock:
    route: str  # e.g. "GET /items/{item_id}", or "outside any request"
    stack: str  # where the loop thread was, innermost frame last
    held_for: float  # seconds


@dataclass(frozen=True)
class _Sighting:
    heartbeat: float  # the heartbeat that was overdue when the loop was seen
    route: str
    stack: str


class LoopBlockGuard:
    def __init__(self, threshold: float) -> None:
        """`threshold`: seconds the loop may be held before it counts as blocked."""
        self.threshold = threshold
        self.blocks: list[LoopBlock] = []
        self._interval = min(threshold / 4, 0.02)
        self._heartbeat = time.monotonic()
        self._cpu_wait_at_heartbeat = cpu_wait()
        self._sighting: _Sighting | None = None
        self._stopped = threading.Event()

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator["LoopBlockGuard"]:
        """Watch the running loop until the block ends."""
        beating = asyncio.create_task(self._beat())
        watchdog = threading.Thread(
            target=self._watch, args=(threading.get_ident(),), name="loop-block-guard", daemon=True
        )
        watchdog.start()
        try:
            yield self
        finally:
            # A block that ended just now has not been reported by the heartbeat yet.
            self._check(self._heartbeat, self._cpu_wait_at_heartbeat)
            self._stopped.set()
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
            await asyncio.to_thread(watchdog.join)

    async def _beat(self) -> None:
        while True:
            self._heartbeat = heartbeat = time.monotonic()
            self._cpu_wait_at_heartbeat = cpu_wait_at_heartbeat = cpu_wait()
            await asyncio.sleep(self._interval)
            self._check(heartbeat, cpu_wait_at_heartbeat)

    def _check(self, heartbeat: float, cpu_wait_at_heartbeat: float) -> None:
        """Report a block when the loop came back later than the threshold allows."""
        late = time.monotonic() - heartbeat - self._interval
        held_for = late - (cpu_wait() - cpu_wait_at_heartbeat)
        if held_for >= self.threshold:
            self._report(heartbeat, held_for)

    def _watch(self, loop_thread: int) -> None:
        while not self._stopped.wait(self._interval):
            heartbeat = self._heartbeat
            overdue = time.monotonic() - heartbeat - self._interval >= self.threshold / 2
            if not overdue or (self._sighting and self._sighting.heartbeat == heartbeat):
                continue
            frame = sys._current_frames().get(loop_thread)
            if frame is None or is_loop_waiting(frame):
                continue
            try:
                route, stack = route_being_served(frame), format_stack(frame)
            except Exception:
                # The loop thread moved on while its frames were being read
                # (CPython does not freeze another thread's stack): look again.
                continue
            self._sighting = _Sighting(heartbeat, route, stack)

    def _report(self, heartbeat: float, held_for: float) -> None:
        sighting = self._sighting
        if sighting is None or sighting.heartbeat != heartbeat:
            return  # the loop was never seen running code: it waited, it was not blocked
        self._sighting = None  # one report per block
        block = LoopBlock(sighting.route, sighting.stack, held_for)
        self.blocks.append(block)
        logger.warning(
            "event loop blocked for %.0f ms by %s; move blocking work to "
            "asyncio.to_thread or a process pool. The loop was here:\n%s",
            held_for * 1000,
            block.route,
            block.stack,
        )


def cpu_wait() -> float:
    """Seconds the calling thread has spent ready to run but waiting for a CPU."""
    try:
        with open(SCHEDSTAT, "rb") as schedstat:
            return int(schedstat.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):  # not Linux: count every delay
        return 0.0
