"""Waiting, in the tests, for something that happens on its own time."""

import asyncio
import time
from collections.abc import Callable
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
