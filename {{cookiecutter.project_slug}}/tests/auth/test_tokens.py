"""Tokens: what a valid one grants, and how every hostile one is refused."""

from typing import Any

import httpx
import pytest

from tests.auth.fixtures import bearer
from tests.auth.hostile import HOSTILE_TOKENS, HostileToken
from tests.support.identity_provider import IdentityProvider

REFUSED_CHALLENGE = 'Bearer error="invalid_token"'


@pytest.mark.parametrize("case", HOSTILE_TOKENS, ids=[case.name for case in HOSTILE_TOKENS])
async def test_a_hostile_token_is_refused_with_401_and_the_reason(
    anonymous_client: httpx.AsyncClient, identity_provider: IdentityProvider, case: HostileToken
) -> None:
    token = case.build(identity_provider)

    for method in ("GET", "POST"):
        response = await anonymous_client.request(method, "/guarded", headers=bearer(token))

        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == REFUSED_CHALLENGE
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

    response = await anonymous_client.get("/guarded", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == REFUSED_CHALLENGE
    assert response.json() == {"detail": "a bearer token is required"}


async def test_a_valid_token_names_its_caller_to_the_route_and_on_the_request(
    anonymous_client: httpx.AsyncClient, identity_provider: IdentityProvider
) -> None:
    response = await anonymous_client.get(
        "/guarded", headers=bearer(identity_provider.token(sub="ada"))
    )

    assert response.json() == {"subject": "ada", "stored": "ada"}


async def test_a_token_without_the_scope_a_route_requires_gets_403(
    anonymous_client: httpx.AsyncClient, identity_provider: IdentityProvider
) -> None:
    reader = bearer(identity_provider.token(scope="things:read profile"))

    read = await anonymous_client.get("/guarded", headers=reader)
    written = await anonymous_client.post("/guarded", headers=reader)

    assert read.status_code == 200
    assert written.status_code == 403
    assert written.headers["www-authenticate"] == (
        'Bearer error="insufficient_scope", scope="things:write"'
    )
    assert written.json() == {"detail": "the token lacks the scope things:write"}


@pytest.mark.parametrize(
    "granted",
    [
        {"scope": "profile things:write"},
        {"scope": None, "scp": ["things:write"]},
        {"scope": None, "scp": "things:write"},
    ],
    ids=["scope", "scp-list", "scp-string"],
)
async def test_scopes_are_read_from_scope_or_scp(
    anonymous_client: httpx.AsyncClient,
    identity_provider: IdentityProvider,
    granted: dict[str, Any],
) -> None:
    writer = bearer(identity_provider.token(**granted))

    assert (await anonymous_client.post("/guarded", headers=writer)).status_code == 200


@pytest.mark.parametrize("path", ["/health", "/health/ready", "/docs", "/openapi.json"])
async def test_health_and_docs_stay_open(anonymous_client: httpx.AsyncClient, path: str) -> None:
    assert (await anonymous_client.get(path)).status_code == 200


async def test_the_schema_declares_the_bearer_scheme_so_swagger_ui_can_authorize(
    anonymous_client: httpx.AsyncClient,
) -> None:
    schema = (await anonymous_client.get("/openapi.json")).json()

    schemes = schema["components"]["securitySchemes"]
    assert schemes == {"HTTPBearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
    assert schema["paths"]["/guarded"]["get"]["security"] == [{"HTTPBearer": []}]
    assert "security" not in schema["paths"]["/health"]["get"]
