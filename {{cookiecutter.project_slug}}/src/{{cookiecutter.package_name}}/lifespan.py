"""Open the service's clients at start-up, hand them to requests, close them at shutdown.

Everything a request needs is created here once and yielded as lifespan
state: Starlette copies it into `request.state` for every request, and small
async dependencies read it from there. Nothing lives in module globals.
"""
{% if cookiecutter.database != "none" %}
import asyncio
{%- endif %}
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import TypedDict

from fastapi import FastAPI
{%- if cookiecutter.database != "none" %}
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
{%- endif %}

{% if cookiecutter.database != "none" -%}
from {{ cookiecutter.package_name }}.db import (
    create_connection_slots,
    create_read_sessionmaker,
    create_sessionmaker,
    open_engine,
)
{% endif -%}
{% if cookiecutter.examples == "yes" -%}
from {{ cookiecutter.package_name }}.examples.cpu import WorkerPool, open_worker_pool
from {{ cookiecutter.package_name }}.examples.jobs import JobBoard
from {{ cookiecutter.package_name }}.examples.rooms import Rooms
{% endif -%}
from {{ cookiecutter.package_name }}.loop_guard import LoopBlockGuard
from {{ cookiecutter.package_name }}.settings import Settings
{%- if cookiecutter.http_client == "yes" %}
from {{ cookiecutter.package_name }}.upstream import Upstream, open_upstream_client
{%- endif %}


class State(TypedDict):
    settings: Settings
{%- if cookiecutter.database != "none" %}
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    read_sessionmaker: async_sessionmaker[AsyncSession]
    connection_slots: asyncio.Semaphore
{%- endif %}
{%- if cookiecutter.http_client == "yes" %}
    upstream: Upstream
{%- endif %}
{%- if cookiecutter.examples == "yes" %}
    jobs: JobBoard
    rooms: Rooms
    worker_pool: WorkerPool
{%- endif %}


Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[State]]


def build_lifespan(settings: Settings) -> Lifespan:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[State]:
        async with AsyncExitStack() as resources:  # closed in reverse order at shutdown
            if settings.loop_block_threshold_ms:
                guard = LoopBlockGuard(settings.loop_block_threshold_ms / 1000)
                await resources.enter_async_context(guard.watching())
{%- if cookiecutter.database != "none" %}
            engine = await resources.enter_async_context(open_engine(settings))
{%- endif %}
{%- if cookiecutter.http_client == "yes" %}
            client = await resources.enter_async_context(open_upstream_client(settings))
{%- endif %}
{%- if cookiecutter.examples == "yes" %}
            worker_pool = await resources.enter_async_context(open_worker_pool(settings))
{%- endif %}
            yield State(
                settings=settings,
{%- if cookiecutter.database != "none" %}
                engine=engine,
                sessionmaker=create_sessionmaker(engine),
                read_sessionmaker=create_read_sessionmaker(engine),
                connection_slots=create_connection_slots(settings),
{%- endif %}
{%- if cookiecutter.http_client == "yes" %}
                upstream=Upstream(client, settings),
{%- endif %}
{%- if cookiecutter.examples == "yes" %}
                jobs=JobBoard(settings.examples_jobs_kept),
                rooms=Rooms(
                    settings.examples_room_max_clients,
                    settings.examples_message_max_bytes,
                    settings.examples_room_send_timeout,
                ),
                worker_pool=worker_pool,
{%- endif %}
            )

    return lifespan
