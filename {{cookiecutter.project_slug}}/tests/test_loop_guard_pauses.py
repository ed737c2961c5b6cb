"""Pauses the code did not cause are reported as pauses, never as a blocking route.

These run the guard on an event loop of their own, with a low threshold, and
make each kind of pause happen on purpose: a stop of the loop (what pytest
does between a test's phases), a long garbage collection on the loop thread;
and they check how a thread's state is read from /proc, how far the
kernel's count of its wait for a CPU is believed, and how a late heartbeat
is divided among the loop's steps. test_loop_guard.py
shows the other side: a real block is still named.
"""

import asyncio
import contextlib
import gc
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import pytest
import uvloop

import {{ cookiecutter.package_name }}.loop_guard.guard as guard_module
from {{ cookiecutter.package_name }}.loop_guard import causes
from {{ cookiecutter.package_name }}.loop_guard.causes import thread_activity
from {{ cookiecutter.package_name }}.loop_guard.guard import (
    IN_THE_LOOP,
    STOPPED,
    LoopBlockGuard,
    Sample,
    _Watch,
    believed_wait,
    step_held_longest,
    where_held,
)
from {{ cookiecutter.package_name }}.loop_guard.stack import loop_driver, step_being_run

THRESHOLD = 0.05  # seconds


def busy_for(seconds: float) -> None:
    """Run Python code on this thread, without sleeping, for `seconds` of CPU time.

    CPU time, not wall time: on a busy machine the thread waits for a CPU
    too, and the guard rightly does not count that wait as the code's.
    """
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        pass


def test_work_done_while_the_loop_is_stopped_is_not_a_block(
    caplog: pytest.LogCaptureFixture,
) -> None:
    guard = LoopBlockGuard(THRESHOLD)
    with asyncio.Runner() as runner:
        watching = contextlib.AsyncExitStack()
        runner.run(watching.enter_async_context(guard.watching()))
        runner.run(asyncio.sleep(0.05))
        # The loop is stopped; its thread is busy with other things, as
        # pytest is between a test's call and its fixtures' teardown.
        busy_for(4 * THRESHOLD)
        runner.run(asyncio.sleep(0.05))
        runner.run(watching.aclose())

    assert guard.blocks == []
    assert [pause.causes for pause in guard.pauses if STOPPED in pause.causes] != []
    assert not [r for r in caplog.records if r.name.endswith(".loop_guard")]


def test_work_done_while_the_loop_runs_is_still_a_block(caplog: pytest.LogCaptureFixture) -> None:
    """The same work as above, on the running loop: the guard must name it."""
    guard = LoopBlockGuard(THRESHOLD)

    async def hold_the_loop() -> None:
        async with guard.watching():
            await asyncio.sleep(0.05)
            busy_for(4 * THRESHOLD)
            await asyncio.sleep(0.05)

    asyncio.run(hold_the_loop())

    assert len(guard.blocks) == 1
    assert guard.blocks[0].held_for >= THRESHOLD
    assert "busy_for(4 * THRESHOLD)" in guard.blocks[0].stack
    caplog.clear()  # the block was on purpose: the conftest check must not fail this test


# How a late heartbeat's time is divided among the loop's steps, from what the
# watchdog's samples caught: tested on samples made up here, since how many
# samples a watchdog takes depends on the machine (under the guard stress's
# collection storm, sometimes one in a second).


def a_step() -> FrameType:
    """A frame of its own, standing for one step of the loop."""
    return sys._getframe()


def watch_of(*samples: tuple[FrameType | None, str, float]) -> _Watch:
    """A watch whose samples caught (step, way, the loop thread's CPU clock), in that order."""
    watch = _Watch(heartbeat=0.0)
    for step, way, ran in samples:
        watch.samples.append(Sample(step, way, ran))
        if step is not None:
            watch.where.setdefault((step, way), (f"route of {way}", f"stack of {way}"))
    return watch


@pytest.mark.parametrize("loop_factory", [asyncio.new_event_loop, uvloop.new_event_loop])
def test_steps_of_the_loop_are_told_apart(
    loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    """Callbacks, and tasks, are steps of their own, under asyncio and under
    uvloop, which uvicorn runs. uvloop calls steps from C: once, every step
    it ran was taken for one, the thread's outermost frame, and at 256
    connections the guard added up hundreds of requests' short steps."""

    async def steps_seen() -> list[FrameType]:
        loop = asyncio.get_running_loop()
        driver = loop_driver(sys._getframe())

        async def a_task() -> FrameType:
            return step_being_run(sys._getframe(), driver)

        def a_callback(seen: asyncio.Future[FrameType]) -> None:
            seen.set_result(step_being_run(sys._getframe(), driver))

        callbacks = [loop.create_future() for _ in range(2)]
        for seen in callbacks:
            loop.call_soon(a_callback, seen)
        return [*await asyncio.gather(*callbacks), *await asyncio.gather(a_task(), a_task())]

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        steps = runner.run(steps_seen())

    assert len({id(step) for step in steps}) == len(steps)
    # Handle._run under asyncio; the callback's or the task's own frame under uvloop.
    assert {step.f_code.co_name for step in steps} <= {"_run", "a_callback", "a_task"}


def test_each_step_of_a_task_is_a_step_of_its_own_under_asyncio() -> None:
    """asyncio runs every step in a call of its own: a task's steps are told apart."""

    async def two_steps_of_one_task() -> tuple[FrameType, FrameType]:
        driver = loop_driver(sys._getframe())
        first = step_being_run(sys._getframe(), driver)
        await asyncio.sleep(0)
        return first, step_being_run(sys._getframe(), driver)

    first, second = asyncio.run(two_steps_of_one_task())

    assert first is not second


def test_many_short_steps_each_caught_once_are_credited_nothing() -> None:
    """A loop with many requests ready runs them one short step after another:
    a served service at 256 connections was once reported "blocked for 135 ms
    by GET /items/{item_id}" for that. A single sample proves no time."""
    watch = watch_of(*((a_step(), "running", n * 0.05) for n in range(5)))

    longest = step_held_longest(watch, running=0.25, blocked=0.0)

    assert longest is not None
    assert longest[1] == 0.0


def test_a_step_caught_in_samples_in_a_row_is_credited_the_cpu_time_between_them() -> None:
    short, long, other = a_step(), a_step(), a_step()
    watch = watch_of(
        (short, "running", 0.0),
        *((long, "running", ran) for ran in (0.01, 0.05, 0.09, 0.13)),
        (other, "running", 0.2),
    )

    longest = step_held_longest(watch, running=0.25, blocked=0.0)

    assert longest is not None
    assert longest[0] is long
    assert longest[1] == pytest.approx(0.12)


def test_a_step_caught_again_after_another_is_credited_nothing_in_between() -> None:
    """Under uvloop a task's steps share one frame: between two samples in the
    same task, other steps may have run, and the CPU time is theirs too."""
    task, other = a_step(), a_step()
    watch = watch_of((task, "running", 0.0), (other, "running", 0.1), (task, "running", 0.2))

    longest = step_held_longest(watch, running=0.25, blocked=0.0)

    assert longest is not None
    assert longest[1] == 0.0


def test_the_loop_between_two_samples_of_a_step_proves_it_ended_in_between() -> None:
    step = a_step()
    watch = watch_of((step, "running", 0.0), (None, IN_THE_LOOP, 0.1), (step, "running", 0.2))

    assert step_held_longest(watch, running=0.25, blocked=0.0) == (step, 0.0)


def test_a_step_that_waited_for_a_cpu_is_credited_only_what_it_ran() -> None:
    """Two samples 300 ms apart on the wall clock, but the loop thread ran
    20 ms between them: a busy machine made a short step long."""
    step = a_step()
    watch = watch_of((step, "running", 1.0), (step, "running", 1.02))

    longest = step_held_longest(watch, running=0.3, blocked=0.0)

    assert longest is not None
    assert longest[0] is step
    assert longest[1] == pytest.approx(0.02)


def test_a_step_is_credited_no_more_than_the_loop_thread_ran_code() -> None:
    """The CPU clock counts garbage collection too; the code's running time does not."""
    step = a_step()
    watch = watch_of((step, "running", 0.0), (step, "running", 0.3))

    assert step_held_longest(watch, running=0.05, blocked=0.0) == (step, 0.05)


def test_time_in_blocking_calls_goes_to_the_steps_caught_in_one() -> None:
    """However sparse the samples: a blocking call is the code's doing."""
    sleeper, runner = a_step(), a_step()
    watch = watch_of(
        (runner, "running", 0.0),
        (sleeper, "in a blocking call", 0.01),
        (sleeper, "in a blocking call", 0.01),
        (runner, "in a blocking call", 0.01),
    )

    longest = step_held_longest(watch, running=0.01, blocked=0.3)

    assert longest is not None
    assert longest[0] is sleeper
    assert longest[1] == pytest.approx(0.2)


def test_a_block_names_the_way_the_code_held_the_loop_longer() -> None:
    """Code that runs a little, then sleeps long: the block names the sleep.

    The first sample can catch the code that leads up to a blocking call: on
    a busy machine test_loop_guard.py's `time.sleep(0.3)` was reported with
    a stack in `re`'s parser, which ran before it, waiting for a CPU.
    """
    step = a_step()
    watch = watch_of((step, "running", 0.0), (step, "in a blocking call", 0.01))

    assert where_held(watch, step, blocked=0.3, ran=0.05) == (
        "route of in a blocking call",
        "stack of in a blocking call",
    )
    running = where_held(watch, step, blocked=0.05, ran=0.3)
    assert running == ("route of running", "stack of running")


def test_a_block_as_soon_as_the_loop_runs_again_is_still_a_block(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The loop is stopped, then blocked by the first thing it runs: the stop hides nothing.

    The heartbeat due during the stop gets its turn only after the block, and
    comes back late for both. That is a test whose first step blocks, right
    after pytest starts the loop again for it.
    """
    guard = LoopBlockGuard(THRESHOLD)

    async def hold_the_loop_at_once() -> None:
        busy_for(4 * THRESHOLD)

    with asyncio.Runner() as runner:
        watching = contextlib.AsyncExitStack()
        runner.run(watching.enter_async_context(guard.watching()))
        runner.run(asyncio.sleep(0.05))
        busy_for(4 * THRESHOLD)  # while the loop is stopped
        runner.run(hold_the_loop_at_once())
        runner.run(asyncio.sleep(0.05))
        runner.run(watching.aclose())

    assert len(guard.blocks) == 1, guard.pauses
    assert guard.blocks[0].held_for >= THRESHOLD
    assert "in hold_the_loop_at_once" in guard.blocks[0].stack
    caplog.clear()  # the block was on purpose: the conftest check must not fail this test


def test_a_long_garbage_collection_on_the_loop_is_a_pause() -> None:
    guard = LoopBlockGuard(THRESHOLD)
    # Enough containers that one full collection outlasts the threshold;
    # built with the collector off, which would otherwise scan them as they grow.
    gc.disable()
    try:
        heap: list[list[int]] = [[] for _ in range(2_000_000)]
    finally:
        gc.enable()

    async def collect_on_the_loop() -> float:
        async with guard.watching():
            await asyncio.sleep(0.05)
            # gc.collect() returns at once while another thread's collection is
            # under way (it happened under the stress script's collection storm).
            for _attempt in range(20):
                started = time.perf_counter()
                gc.collect()
                took = time.perf_counter() - started
                if took > THRESHOLD:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)
        return took

    took = asyncio.run(collect_on_the_loop())
    del heap

    assert took > THRESHOLD, f"the collection took {took * 1000:.0f} ms: grow the heap"
    assert guard.blocks == []
    # On a busy machine the same pause also holds time spent waiting for a CPU.
    collecting = [pause.causes.get("garbage collection", 0.0) for pause in guard.pauses]
    assert max(collecting, default=0.0) >= THRESHOLD / 2


@pytest.fixture
def counters_that_call_everything_a_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel's counters, as they read when they take a sleep for a wait for a CPU.

    That cannot be made to happen on purpose, so these say the loop thread
    never ran and waited for a CPU all the time.
    """
    monkeypatch.setattr(
        guard_module, "run_and_wait_times", lambda _tid=None: (0.0, time.monotonic())
    )


@pytest.mark.usefixtures("counters_that_call_everything_a_wait")
def test_a_sleep_the_counters_call_a_wait_for_a_cpu_is_still_a_block(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The watchdog saw the thread asleep in a blocking call: the wait is not believed.

    The loop thread sleeps in a read of a pipe until the watchdog has seen it
    asleep 5 times, and 4 thresholds more: the watchdog is a Python thread,
    and on a busy machine it can go a long while without a turn to look.
    """
    seen_asleep = threading.Event()
    times_seen_asleep = 0

    def activity(tid: int) -> str:
        nonlocal times_seen_asleep
        seen = thread_activity(tid)
        times_seen_asleep += seen == "in a blocking call"
        if times_seen_asleep >= 5:
            seen_asleep.set()
        return seen

    monkeypatch.setattr(guard_module, "thread_activity", activity)
    unread, writer = os.pipe()

    def wake_the_loop() -> None:
        seen_asleep.wait(timeout=30)
        time.sleep(4 * THRESHOLD)
        os.write(writer, b".")

    waking = threading.Thread(target=wake_the_loop, daemon=True)
    waking.start()
    guard = LoopBlockGuard(THRESHOLD)

    async def sleep_on_the_loop() -> None:
        async with guard.watching():
            await asyncio.sleep(0.05)
            os.read(unread, 1)  # the block under test
            await asyncio.sleep(0.05)

    try:
        asyncio.run(sleep_on_the_loop())
    finally:
        waking.join()
        os.close(unread)
        os.close(writer)

    assert seen_asleep.is_set()
    assert len(guard.blocks) == 1, guard.pauses
    assert guard.blocks[0].held_for >= THRESHOLD
    assert "os.read(unread, 1)" in guard.blocks[0].stack
    caplog.clear()  # the block was on purpose: the conftest check must not fail this test


@pytest.mark.usefixtures("counters_that_call_everything_a_wait")
def test_a_wait_for_a_cpu_the_watchdog_saw_is_a_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same counters, and a watchdog that sees the thread ready to run: the wait is believed.

    What the watchdog sees is made up too: under load a busy thread is also
    seen waiting for the interpreter lock, which the guard rightly believes
    over the counters.
    """
    monkeypatch.setattr(guard_module, "thread_activity", lambda _tid: "running")
    guard = LoopBlockGuard(THRESHOLD)

    async def stay_ready_to_run() -> None:
        async with guard.watching():
            await asyncio.sleep(0.05)
            busy_for(4 * THRESHOLD)
            await asyncio.sleep(0.05)

    asyncio.run(stay_ready_to_run())

    assert guard.blocks == []
    waiting = [pause.causes.get("waiting for a CPU", 0.0) for pause in guard.pauses]
    assert max(waiting, default=0.0) >= THRESHOLD


@pytest.mark.parametrize(
    ("seen", "believed"),
    [
        pytest.param({}, 0.3, id="no samples: all of it"),
        pytest.param({"in a blocking call": 1}, 0.3, id="one sample: all of it"),
        pytest.param({"in a blocking call": 4}, 0.0, id="asleep throughout: none"),
        pytest.param({"running": 1, "in a blocking call": 3}, 0.1, id="a quarter ready"),
        pytest.param({IN_THE_LOOP: 2, "waiting for a lock": 2}, 0.2, id="the loop's code: ready"),
        pytest.param({"running": 4}, 0.3, id="never more than counted"),
    ],
)
def test_a_wait_is_believed_as_far_as_the_samples_saw_the_thread_ready_to_run(
    seen: dict[str, int], believed: float
) -> None:
    """0.3 s counted as waiting, in a heartbeat 0.4 s late."""
    assert believed_wait(0.3, 0.4, Counter(seen)) == pytest.approx(believed)


def activity_once_asleep(tid: int) -> str:
    """`thread_activity` once the thread has gone to sleep: on a busy machine a
    new thread may wait a while for a CPU before it gets there."""
    deadline = time.monotonic() + 10
    activity = thread_activity(tid)
    while activity == "running" and time.monotonic() < deadline:
        time.sleep(0.01)
        activity = thread_activity(tid)
    return activity


def test_a_thread_asleep_in_a_blocking_call_is_told_from_one_waiting_for_a_lock() -> None:
    lock = threading.Lock()
    lock.acquire()
    unread, writer = os.pipe()
    reading = threading.Thread(target=os.read, args=(unread, 1), daemon=True)
    waiting = threading.Thread(target=lock.acquire, daemon=True)
    reading.start()
    waiting.start()

    try:
        assert activity_once_asleep(reading.native_id or 0) == "in a blocking call"
        assert activity_once_asleep(waiting.native_id or 0) == "waiting for a lock"
        assert thread_activity(threading.get_native_id()) == "running"
    finally:
        os.write(writer, b".")  # both threads end
        lock.release()
        reading.join()
        waiting.join()
        os.close(unread)
        os.close(writer)


def test_a_thread_that_woke_between_the_two_reads_is_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/proc said "asleep" in `stat`, then gave no wait channel: the thread had woken.

    The race cannot be timed on purpose, so this one reads files written as
    the kernel would have left them.
    """
    task = tmp_path / "42"
    task.mkdir()
    (task / "stat").write_bytes(b"42 (python) S 1 42 42 0 -1 4194560 0 0\n")
    (task / "wchan").write_bytes(b"0")
    monkeypatch.setattr(causes, "TASK", str(tmp_path / "{tid}") + "/")

    assert thread_activity(42) == "running"
