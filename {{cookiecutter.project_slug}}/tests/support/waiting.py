"""Waiting, in the tests, for something that happens on its own time."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

Value = TypeVar("Value")


async def polled(condition: Callable[[], Value], seconds: float = 5.0) -> Value:
    """`condition()` once it is true, or its last value after `seconds`.

    The caller asserts on the value, so running out of time fails with what was seen.
    """
    deadline = time.monotonic() + seconds
    value = condition()
    while not value and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
        value = condition()
    return value


async def wait_for(what: str, check: Callable[[], Awaitable[bool]], seconds: float = 10) -> None:
    """Await `check()` until it is true; fail naming `what` when `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:g} s")
        await asyncio.sleep(0.05)


def wait_until(what: str, condition: Callable[[], bool], seconds: float = 10) -> None:
    """Block until `condition()` is true; fail naming `what` when `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:g} s")
        time.sleep(0.01)
