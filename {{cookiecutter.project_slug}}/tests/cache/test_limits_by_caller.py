"""With authentication on, each caller has its own rate limit, whatever its address."""

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.cache.settings import RateLimit
from {{ cookiecutter.package_name }}.settings import Settings
from tests.auth.fixtures import bearer, with_guarded_routes
from tests.support.identity_provider import IdentityProvider
from tests.support.serving import client_for


async def test_callers_behind_one_address_have_a_limit_each(
    settings: Settings, identity_provider: IdentityProvider
) -> None:
    values = {"rate_limits": {"/guarded": RateLimit(requests=3, per_seconds=60)}}
    app: FastAPI = with_guarded_routes(
        create_app(Settings.model_validate(settings.model_dump() | values))
    )
    alice = bearer(identity_provider.token(sub="alice"))
    bob = bearer(identity_provider.token(sub="bob"))

    async with client_for(app) as client:  # every request from the same address
        # Each token's first request verifies it; until then it counts against the address.
        assert (await client.get("/guarded", headers=alice)).status_code == 200
        assert (await client.get("/guarded", headers=bob)).status_code == 200
        alices = [(await client.get("/guarded", headers=alice)).status_code for _ in range(4)]
        bobs = [(await client.get("/guarded", headers=bob)).status_code for _ in range(3)]
        # The address has one request left of its own: the two first ones took two.
        anonymous = [(await client.get("/guarded")).status_code for _ in range(2)]

    assert alices == [200, 200, 200, 429]
    assert bobs == [200, 200, 200]
    assert anonymous == [401, 429]
