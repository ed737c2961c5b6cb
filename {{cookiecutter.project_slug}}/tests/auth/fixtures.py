"""Authentication's fixtures: a real identity provider on 127.0.0.1, and a token of it
on the requests of the shared `client`."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from {{ cookiecutter.package_name }}.auth.dependencies import PrincipalDep, require_scopes
from tests.support.identity_provider import AUDIENCE, IdentityProvider
from tests.support.serving import client_for

REQUIRED_ENVIRONMENT = {"AUTH_ISSUER": "https://login.example.com/", "AUTH_AUDIENCE": AUDIENCE}


@pytest.fixture(scope="session")
def identity_provider_server() -> Iterator[IdentityProvider]:
    with IdentityProvider().running() as provider:
        yield provider


@pytest.fixture
def identity_provider(identity_provider_server: IdentityProvider) -> IdentityProvider:
    """The shared provider, its counts cleared; tests that rotate or stop it make their own."""
    identity_provider_server.jwks_fetches = identity_provider_server.discovery_fetches = 0
    return identity_provider_server


@pytest.fixture
def auth_settings(identity_provider: IdentityProvider) -> dict[str, Any]:
    return {
        "auth_issuer": identity_provider.issuer,
        "auth_audience": AUDIENCE,
        "auth_provider_timeout": 2.0,
        # Each request that names an unknown key refreshes: the tests count those fetches.
        "auth_jwks_min_refresh_interval": 0.0,
    }


@pytest.fixture
def auth_client_headers(identity_provider: IdentityProvider) -> dict[str, str]:
    """What the shared `client` sends: a token that may read and write."""
    return bearer(identity_provider.token())


def with_guarded_routes(app: FastAPI) -> FastAPI:
    """`app` with `/guarded`: GET needs a valid token, POST the scope things:write too."""

    @app.get("/guarded")
    async def read_guarded(principal: PrincipalDep, request: Request) -> dict[str, str]:
        # What another feature (a rate limit by caller) would read.
        return {"subject": principal.subject, "stored": request.state.principal.subject}

    @app.post("/guarded", dependencies=[require_scopes("things:write")])
    async def write_guarded() -> None:
        pass

    return app


@pytest.fixture
async def anonymous_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app, with `/guarded`, that sends no token unless a test gives one."""
    async with client_for(with_guarded_routes(app)) as client:
        yield client


@pytest.fixture
def own_identity_provider() -> Iterator[IdentityProvider]:
    """A provider of this test alone, to rotate, stop or slow down."""
    with IdentityProvider().running() as provider:
        yield provider


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
