"""The examples as a feature: their settings, their lifespan part and their routes."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from {{ cookiecutter.package_name }}.examples.cpu import open_worker_pool
from {{ cookiecutter.package_name }}.examples.jobs import JobBoard
from {{ cookiecutter.package_name }}.examples.rooms import Rooms
from {{ cookiecutter.package_name }}.examples.router import EXAMPLE_ROUTERS
from {{ cookiecutter.package_name }}.examples.settings import ExamplesSettings
from {{ cookiecutter.package_name }}.feature import Feature, State

__all__ = ["FEATURE", "ExamplesSettings"]


@asynccontextmanager
async def open_examples(settings: ExamplesSettings) -> AsyncIterator[State]:
    """The process pool, the record of jobs and the rooms, for as long as the service runs."""
    async with open_worker_pool(settings) as worker_pool:
        yield {
            "jobs": JobBoard(settings.examples_jobs_kept),
            "rooms": Rooms(
                settings.examples_room_max_clients,
                settings.examples_message_max_bytes,
                settings.examples_room_send_timeout,
            ),
            "worker_pool": worker_pool,
        }


FEATURE = Feature(name="examples", lifespan=open_examples, routers=EXAMPLE_ROUTERS)
