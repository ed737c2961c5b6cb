"""Tokens verified lately: their next requests skip the signature check, until they expire."""

import asyncio
import time

import pytest

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.auth import verified
from {{ cookiecutter.package_name }}.auth.tokens import Principal
from {{ cookiecutter.package_name }}.auth.verified import VerifiedTokens
from {{ cookiecutter.package_name }}.settings import Settings
from tests.auth.fixtures import bearer, with_guarded_routes
from tests.support.identity_provider import IdentityProvider
from tests.support.serving import client_for


async def test_a_remembered_token_still_expires(
    settings: Settings, identity_provider: IdentityProvider
) -> None:
    strict = settings.model_copy(update={"auth_leeway": 0.0})
    expires = int(time.time()) + 2
    token = bearer(identity_provider.token(exp=expires))

    async with client_for(with_guarded_routes(create_app(strict))) as client:
        before = [(await client.get("/guarded", headers=token)).status_code for _ in range(3)]
        await asyncio.sleep(expires + 0.2 - time.time())
        after = await client.get("/guarded", headers=token)

    assert before == [200, 200, 200]
    assert after.status_code == 401
    assert after.json() == {"detail": "the token has expired"}


def principal(subject: str) -> Principal:
    return Principal(subject=subject, scopes=frozenset(), claims={"exp": time.time() + 600})


def test_the_oldest_token_is_forgotten_first_when_the_memory_is_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(verified, "MAX_ENTRIES", 3)
    tokens = VerifiedTokens()
    for number in range(4):
        tokens.add(f"token-{number}", principal(f"user-{number}"))

    assert tokens.get("token-0") is None
    remembered = [tokens.get(f"token-{number}") for number in (1, 2, 3)]
    assert [found.subject for found in remembered if found] == ["user-1", "user-2", "user-3"]


def test_a_token_is_remembered_for_a_minute_at_most() -> None:
    now = [time.time()]
    tokens = VerifiedTokens(clock=lambda: now[0])
    tokens.add("token", principal("ada"))  # valid for ten minutes

    now[0] += verified.MAX_SECONDS - 1
    assert tokens.get("token") is not None
    now[0] += 2
    assert tokens.get("token") is None
