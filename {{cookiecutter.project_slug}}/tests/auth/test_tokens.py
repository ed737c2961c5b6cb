"""Tokens: what a valid one grants, and how every hostile one is refused."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from {{ cookiecutter.package_name }}.auth.dependencies import PrincipalDep, require_scopes
from tests.auth.fixtures import bearer
from tests.auth.hostile import HOSTILE_TOKENS, HostileToken
from tests.support.identity_provider import IdentityProvider

INVALID_TOKEN = 'Bearer error="invalid_token"'


@pytest.mark.parametrize("case", HOSTILE_TOKENS, ids=[case.name for case in HOSTILE_TOKENS])
async def test_a_hostile_token_is_refused_with_401_and_the_reason(
    anonymous_client: httpx.AsyncClient, identity_provider: IdentityProvider, case: HostileToken
) -> None:
    token = case.build(identity_provider)

    for method, path, body in [("GET", "/items", None), ("POST", "/items", {"name": "x"})]:
        response = await anonymous_client.request(method, path, json=body, headers=bearer(token))

        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == INVALID_TOKEN
        assert response.json() == {"detail": case.detail}


def test_the_table_of_hostile_tokens_has_every_case_the_issue_names() -> None:
    names = {case.name for case in HOSTILE_TOKENS}
    assert len(names) == len(HOSTILE_TOKENS) >= 15
    assert {
        "alg-none", "hs256-keyed-with-the-public-key", "expired", "not-valid-yet", "wrong-issuer",
        "wrong-audience", "missing-kid", "unknown-kid", "tampered-payload", "truncated",
        "not-base64", "10-kb-header", "deeply-nested-claims",
    } <= names  # fmt: skip


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer ", "Basic dXNlcjpwYXNzd29yZA==", "token-without-a-scheme"],
    ids=["none", "bare-scheme", "empty", "basic", "no-scheme"],
)
async def test_a_request_without_a_bearer_token_is_refused_with_401(
    anonymous_client: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}

    response = await anonymous_client.get("/items", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == INVALID_TOKEN
    assert response.json() == {"detail": "a bearer token is required"}


async def test_a_token_without_the_write_scope_reads_but_cannot_write(
    anonymous_client: httpx.AsyncClient, identity_provider: IdentityProvider
) -> None:
    reader = bearer(identity_provider.token(scope="items:read profile"))

    listed = await anonymous_client.get("/items", headers=reader)
    created = await anonymous_client.post("/items", json={"name": "lamp"}, headers=reader)

    assert listed.status_code == 200
    assert created.status_code == 403
    assert created.headers["www-authenticate"] == (
        'Bearer error="insufficient_scope", scope="items:write"'
    )
    assert created.json() == {"detail": "the token lacks the scope items:write"}


async def test_scopes_may_come_as_an_scp_list(
    anonymous_client: httpx.AsyncClient, identity_provider: IdentityProvider
) -> None:
    writer = bearer(identity_provider.token(scope=None, scp=["items:write"]))

    assert (await anonymous_client.post("/items", json={"name": "lamp"}, headers=writer)).status_code == 201


async def test_a_route_reads_the_principal_and_another_feature_finds_it_on_the_request(
    app: FastAPI, anonymous_client: httpx.AsyncClient, identity_provider: IdentityProvider
) -> None:
    @app.get("/me", dependencies=[require_scopes("profile")])
    async def me(principal: PrincipalDep, request: Request) -> dict[str, Any]:
        return {"subject": principal.subject, "stored": request.state.principal.subject}

    granted = await anonymous_client.get(
        "/me", headers=bearer(identity_provider.token(sub="ada", scope="profile"))
    )
    refused = await anonymous_client.get("/me", headers=bearer(identity_provider.token()))

    assert granted.json() == {"subject": "ada", "stored": "ada"}
    assert refused.status_code == 403


@pytest.mark.parametrize("path", ["/health", "/health/ready", "/docs", "/openapi.json"])
async def test_health_and_docs_stay_open(anonymous_client: httpx.AsyncClient, path: str) -> None:
    assert (await anonymous_client.get(path)).status_code == 200


async def test_the_schema_declares_the_bearer_scheme_on_the_item_routes(
    anonymous_client: httpx.AsyncClient,
) -> None:
    schema = (await anonymous_client.get("/openapi.json")).json()

    schemes = schema["components"]["securitySchemes"]
    assert schemes == {"HTTPBearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
    for operation in [*schema["paths"]["/items"].values(), *schema["paths"]["/items/{item_id}"].values()]:
        assert operation["security"] == [{"HTTPBearer": []}]
        assert {"401", "403"} <= set(operation["responses"])
    assert "security" not in schema["paths"]["/health"]["get"]
