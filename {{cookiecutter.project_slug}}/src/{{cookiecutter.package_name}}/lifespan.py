"""Open every feature's resources at start-up, hand them to requests, close them at shutdown.

Each feature's lifespan yields what requests need of it (its clients, its
pools, ...); their entries are merged into the lifespan state, which
Starlette copies into `request.state` for every request, where small async
dependencies read them. Nothing lives in module globals.
"""

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.feature import Feature
from {{ cookiecutter.package_name }}.settings import Settings

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[dict[str, Any]]]


def build_lifespan(settings: Settings, features: Sequence[Feature]) -> Lifespan:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        state: dict[str, Any] = {"settings": settings}
        async with AsyncExitStack() as resources:  # closed in reverse order at shutdown
            for feature in features:
                if feature.lifespan is not None:
                    state |= await resources.enter_async_context(feature.lifespan(settings))
            state["readiness_checks"] = {f.name: f.ready for f in features if f.ready}
            yield state

    return lifespan
