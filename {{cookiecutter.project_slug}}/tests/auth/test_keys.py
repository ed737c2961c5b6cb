"""The provider's keys: fetched once for many waiters, rate-limited, and kept while it is down."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.settings import Settings
from tests.auth.fixtures import bearer, with_guarded_routes
from tests.auth.hostile import FOREIGN_KEY, signed
from tests.support.identity_provider import IdentityProvider
from tests.support.ports import free_port
from tests.support.serving import client_for
from tests.support.waiting import polled

# Well formed, with a key id: it needs the keys before it can be judged.
FOREIGN_TOKEN = signed(FOREIGN_KEY, {"alg": "RS256", "kid": FOREIGN_KEY.kid}, {"sub": "x"})

ClientFor = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client_of(settings: Settings) -> ClientFor:
    """A client of an app whose auth settings are the test's own."""

    def open_client(**auth: Any) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        return client_for(with_guarded_routes(create_app(settings.model_copy(update=auth))))

    return open_client


@pytest.fixture
async def provider_client(
    client_of: ClientFor, own_identity_provider: IdentityProvider
) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(auth_issuer=own_identity_provider.issuer) as client:
        yield client


async def test_a_rotated_key_is_fetched_once_for_50_concurrent_requests(
    provider_client: httpx.AsyncClient, own_identity_provider: IdentityProvider
) -> None:
    provider = own_identity_provider
    assert (
        await provider_client.get("/guarded", headers=bearer(provider.token()))
    ).status_code == 200
    assert provider.jwks_fetches == 1
    await asyncio.to_thread(provider.rotate)  # a new RSA key takes a while to make
    provider.delay = 0.3  # every request arrives while the one fetch is under way

    token = bearer(provider.token())
    answers = await asyncio.gather(
        *(provider_client.get("/guarded", headers=token) for _ in range(50))
    )

    assert [answer.status_code for answer in answers] == [200] * 50
    assert provider.jwks_fetches == 2
    assert provider.discovery_fetches == 1  # the key set's URL is discovered once


async def test_an_unknown_key_costs_one_refresh_then_401(
    provider_client: httpx.AsyncClient, own_identity_provider: IdentityProvider
) -> None:
    provider = own_identity_provider
    await provider_client.get("/guarded", headers=bearer(provider.token()))

    stranger = bearer(provider.token(key=FOREIGN_KEY))
    for expected_fetches in (2, 3):
        response = await provider_client.get("/guarded", headers=stranger)
        assert response.status_code == 401
        assert response.json() == {"detail": "the token's signing key is unknown"}
        assert provider.jwks_fetches == expected_fetches


async def test_refreshes_are_rate_limited(
    client_of: ClientFor, own_identity_provider: IdentityProvider
) -> None:
    provider = own_identity_provider
    async with client_of(auth_issuer=provider.issuer, auth_jwks_min_refresh_interval=60) as client:
        await client.get("/guarded", headers=bearer(provider.token()))
        made_up = [{"kid": f"made-up-{number}"} for number in range(5)]
        strangers = [bearer(provider.token(key=FOREIGN_KEY, headers=kid)) for kid in made_up]
        answers = [await client.get("/guarded", headers=stranger) for stranger in strangers]
        await asyncio.to_thread(provider.rotate)
        rotated_too_soon = await client.get("/guarded", headers=bearer(provider.token()))

    assert [answer.status_code for answer in answers] == [401] * 5
    assert rotated_too_soon.status_code == 401
    assert provider.jwks_fetches == 1


async def test_with_the_provider_down_at_start_up_requests_get_503_until_it_is_back(
    provider_client: httpx.AsyncClient, own_identity_provider: IdentityProvider
) -> None:
    provider = own_identity_provider
    provider.failing = True
    token = bearer(provider.token())

    down = await provider_client.get("/guarded", headers=token)
    not_ready = await provider_client.get("/health/ready")
    provider.failing = False
    back = await provider_client.get("/guarded", headers=token)

    assert down.status_code == 503
    assert down.json() == {
        "detail": "identity provider unavailable (no signing keys), try again later"
    }
    assert not_ready.status_code == 503
    assert back.status_code == 200


async def test_an_unreachable_provider_is_a_503_never_a_500(client_of: ClientFor) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    async with client_of(auth_issuer=nowhere) as client:
        response = await client.get("/guarded", headers={"Authorization": "Bearer a.b.c"})
        # A token that is refused before any key is needed is still a 401.
        assert response.status_code == 401
        response = await client.get("/guarded", headers=bearer(FOREIGN_TOKEN))

    assert response.status_code == 503


async def test_cached_keys_keep_working_while_the_provider_is_down(
    client_of: ClientFor, own_identity_provider: IdentityProvider
) -> None:
    provider = own_identity_provider
    provider.max_age = 1
    async with client_of(auth_issuer=provider.issuer) as client:
        await client.get("/guarded", headers=bearer(provider.token()))
        provider.failing = True
        await asyncio.sleep(1.1)  # the cache is stale now

        stale = [await client.get("/guarded", headers=bearer(provider.token())) for _ in range(3)]
        # The stale keys answered at once; refreshing them went on in the background.
        assert await polled(lambda: provider.jwks_fetches >= 2)
        unknown = await client.get("/guarded", headers=bearer(provider.token(key=FOREIGN_KEY)))
        ready = await client.get("/health/ready")

    assert [response.status_code for response in stale] == [200] * 3
    assert unknown.status_code == 401
    assert ready.status_code == 200


async def test_a_direct_key_set_url_skips_discovery(
    client_of: ClientFor, own_identity_provider: IdentityProvider
) -> None:
    provider = own_identity_provider
    async with client_of(
        auth_issuer=provider.issuer, auth_jwks_url=f"{provider.url}/jwks"
    ) as client:
        response = await client.get("/guarded", headers=bearer(provider.token()))

    assert response.status_code == 200
    assert (provider.discovery_fetches, provider.jwks_fetches) == (0, 1)


async def test_a_discovery_document_of_another_issuer_is_not_used(
    client_of: ClientFor, own_identity_provider: IdentityProvider
) -> None:
    provider = own_identity_provider
    # The document says "http://127.0.0.1:<port>", without the slash.
    async with client_of(auth_issuer=provider.issuer + "/") as client:
        response = await client.get(
            "/guarded", headers=bearer(provider.token(iss=provider.issuer + "/"))
        )

    assert response.status_code == 503
    assert provider.jwks_fetches == 0
