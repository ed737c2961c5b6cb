"""A caller is known before routing once its token has been verified (callers.py)."""

import httpx
from fastapi import FastAPI, Request

from tests.auth.fixtures import bearer, with_guarded_routes
from tests.support.identity_provider import IdentityProvider
from tests.support.serving import client_for


def with_open_route(app: FastAPI) -> FastAPI:
    """`app` with `/who`, which needs no token and tells whom the request was known as."""

    @app.get("/who")
    async def who(request: Request) -> dict[str, str | None]:
        principal = getattr(request.state, "principal", None)
        return {"subject": None if principal is None else principal.subject}

    return app


async def who(client: httpx.AsyncClient, token: str) -> str | None:
    response = await client.get("/who", headers=bearer(token))
    assert response.status_code == 200
    subject: str | None = response.json()["subject"]
    return subject


async def test_a_token_verified_once_names_its_caller_before_routing(
    app: FastAPI, identity_provider: IdentityProvider
) -> None:
    token = identity_provider.token(sub="alice")
    async with client_for(with_open_route(with_guarded_routes(app))) as client:
        assert await who(client, token) is None  # not verified yet: nothing to go by
        assert (await client.get("/guarded", headers=bearer(token))).status_code == 200
        assert await who(client, token) == "alice"
        assert (await client.get("/who")).json() == {"subject": None}


async def test_a_token_that_failed_its_checks_names_no_one(
    app: FastAPI, identity_provider: IdentityProvider
) -> None:
    expired = identity_provider.token(sub="mallory", exp=1)
    async with client_for(with_open_route(with_guarded_routes(app))) as client:
        assert (await client.get("/guarded", headers=bearer(expired))).status_code == 401
        assert await who(client, expired) is None
        assert await who(client, "not-a-token") is None
