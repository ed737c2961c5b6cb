"""The event-loop guard as a feature: its setting, and the lifespan part that runs it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import NonNegativeFloat
from pydantic_settings import BaseSettings

from {{ cookiecutter.package_name }}.feature import Feature, State
from {{ cookiecutter.package_name }}.loop_guard.guard import LoopBlockGuard


class LoopGuardSettings(BaseSettings):
    # Warn, naming the route and the stack, when the event loop is held longer
    # than this (milliseconds); 0 turns the guard off.
    loop_block_threshold_ms: NonNegativeFloat = 100


@asynccontextmanager
async def watch_the_loop(settings: LoopGuardSettings) -> AsyncIterator[State]:
    """Watch the event loop for as long as the service runs."""
    if not settings.loop_block_threshold_ms:
        yield {}
        return
    guard = LoopBlockGuard(settings.loop_block_threshold_ms / 1000)
    async with guard.watching():
        yield {"loop_guard": guard}


FEATURE = Feature(name="loop_guard", lifespan=watch_the_loop)
