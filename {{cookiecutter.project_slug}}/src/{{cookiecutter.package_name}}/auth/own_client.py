"""The signing keys, fetched through an HTTP client of their own (the service has no shared one)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.middleware import Middleware

from {{ cookiecutter.package_name }}.auth.callers import KnownCallerMiddleware
from {{ cookiecutter.package_name }}.auth.provider import keys_ready, open_verification
from {{ cookiecutter.package_name }}.auth.settings import AuthSettings
from {{ cookiecutter.package_name }}.feature import Feature, State
from {{ cookiecutter.package_name }}.tls import shared_tls_context


@asynccontextmanager
async def open_signing_keys(settings: AuthSettings) -> AsyncIterator[State]:
    tls = await shared_tls_context()
    async with (
        httpx.AsyncClient(verify=tls, follow_redirects=False) as client,
        open_verification(client, settings) as verification,
    ):
        yield verification


FEATURE = Feature(
    name="auth",
    lifespan=open_signing_keys,
    ready=keys_ready,
    middleware=(Middleware(KnownCallerMiddleware),),
)
