"""What else can hold the event loop besides the code: the collector, the scheduler, the kernel.

The guard splits a late heartbeat's time with these before it calls it a
block: a team's code is not to blame for a garbage collection, for a busy
machine that left the loop thread waiting for a CPU, for another thread
holding the interpreter lock, or for a thread stuck in the kernel on a disk
read or a page fault. The kernel counts the loop thread's time on a CPU and
waiting for one (`run_and_wait_times`); the rest it slept, and what it slept
in is sampled while the heartbeat is overdue (`thread_activity`).
"""

import gc
import threading
import time
from dataclasses import dataclass
from typing import Any

# The loop thread's state, seen from another thread (Linux; elsewhere nothing is known).
TASK = "/proc/self/task/{tid}/"


class CollectionTimer:
    """Seconds the loop thread spent in garbage collection, since it was installed.

    Only its own collections count: one that another thread runs while the
    loop thread sleeps in a blocking call delays nothing, and one it runs
    while the loop thread waits to run shows as a wait for the interpreter
    lock (`thread_activity`).
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0
        self._loop_thread = 0

    def __call__(self, phase: str, _info: dict[str, Any]) -> None:
        if threading.get_ident() != self._loop_thread:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def install(self) -> None:
        """Time the collections of the calling thread, the loop's."""
        self._loop_thread = threading.get_ident()
        gc.callbacks.append(self)

    def remove(self) -> None:
        gc.callbacks.remove(self)


@dataclass(frozen=True)
class Moment:
    """The clocks the guard compares between two heartbeats."""

    wall: float  # time.monotonic()
    ran: float  # seconds the loop thread has run on a CPU
    waited: float  # seconds it was ready to run but had no CPU
    collecting: float  # seconds of its garbage collection: CollectionTimer's total


def run_and_wait_times(tid: int | None = None) -> tuple[float, float]:
    """Seconds thread `tid` (the calling one by default) has run on a CPU, and waited for one.

    Linux only. Elsewhere both stay 0: the guard then counts every late
    heartbeat's time as sleep, and the watchdog's samples divide it.
    """
    path = "/proc/thread-self/" if tid is None else TASK.format(tid=tid)
    try:
        with open(path + "schedstat", "rb") as schedstat:
            ran, waited = schedstat.read().split()[:2]
    except (OSError, ValueError):
        return 0.0, 0.0
    return int(ran) / 1e9, int(waited) / 1e9


def thread_activity(tid: int) -> str:
    """What thread `tid` is doing, as far as the kernel says.

    - "running": on a CPU, or ready to run;
    - "stalled": in uninterruptible sleep: a disk read, a page fault, memory
      being reclaimed;
    - "waiting for a lock": asleep on a futex, which is how a thread waits
      for the interpreter lock that another thread holds (or for any lock);
    - "in a blocking call": asleep in any other call (`time.sleep`, a
      blocking socket): what a blocking route looks like.
    """
    try:
        with open(TASK.format(tid=tid) + "stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[1].split()[0]
        with open(TASK.format(tid=tid) + "wchan", "rb") as wchan:
            waits_in = wchan.read()
    except (OSError, IndexError):
        return "in a blocking call"
    # The kernel gives no wait channel ("0") for a thread that is running: it
    # woke between the two reads. Taking that for a blocking call would blame
    # the code for a wait on the interpreter lock (it happened under load).
    if state == b"R" or waits_in.strip() == b"0":
        return "running"
    if state == b"D":
        return "stalled"
    if b"futex" in waits_in:
        return "waiting for a lock"
    return "in a blocking call"
