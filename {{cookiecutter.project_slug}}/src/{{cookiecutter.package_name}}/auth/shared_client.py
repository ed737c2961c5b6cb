"""The signing keys, fetched through the upstream's shared HTTP client.

That client is opened by the upstream's lifespan part, so the keys open in
the instrumentation phase, once every lifespan part is open (feature.py).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.middleware import Middleware

from {{ cookiecutter.package_name }}.auth.callers import KnownCallerMiddleware
from {{ cookiecutter.package_name }}.auth.provider import keys_ready, open_verification
from {{ cookiecutter.package_name }}.auth.settings import AuthSettings
from {{ cookiecutter.package_name }}.feature import Feature, State
from {{ cookiecutter.package_name }}.upstream.client import Upstream


@asynccontextmanager
async def open_signing_keys(settings: AuthSettings, state: State) -> AsyncIterator[State]:
    upstream: Upstream = state["upstream"]
    async with open_verification(upstream.client, settings) as verification:
        yield verification


FEATURE = Feature(
    name="auth",
    instrumentation=open_signing_keys,
    ready=keys_ready,
    middleware=(Middleware(KnownCallerMiddleware),),
)
