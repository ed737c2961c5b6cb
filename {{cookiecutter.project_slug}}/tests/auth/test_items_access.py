"""The items with authentication: reading needs a valid token, writing the scope items:write."""

import httpx
import pytest

from tests.auth.fixtures import bearer
from tests.support.identity_provider import IdentityProvider

WRITES = [
    ("POST", "/items", {"name": "lamp"}),
    ("PATCH", "/items/1", {"name": "desk"}),
    ("DELETE", "/items/1", None),
]
READS = [("GET", "/items"), ("GET", "/items/1")]


@pytest.mark.parametrize(("method", "path"), [*READS, *((m, p) for m, p, _ in WRITES)])
async def test_every_item_route_refuses_a_request_without_a_token(
    anonymous_client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await anonymous_client.request(
        method, path, json={"name": "x"} if method != "GET" else None
    )

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_a_token_without_items_write_reads_items_but_cannot_change_them(
    anonymous_client: httpx.AsyncClient, identity_provider: IdentityProvider
) -> None:
    writer = bearer(identity_provider.token())
    created = await anonymous_client.post("/items", json={"name": "lamp"}, headers=writer)
    reader = bearer(identity_provider.token(scope="items:read"))

    read = await anonymous_client.get(f"/items/{created.json()['id']}", headers=reader)
    refused = [
        await anonymous_client.request(method, path, json=body, headers=reader)
        for method, path, body in WRITES
    ]

    assert created.status_code == 201
    assert read.json() == created.json()
    assert [response.status_code for response in refused] == [403] * 3
    assert all(
        response.json() == {"detail": "the token lacks the scope items:write"}
        for response in refused
    )


async def test_the_schema_declares_the_bearer_scheme_and_its_errors_on_every_item_route(
    anonymous_client: httpx.AsyncClient,
) -> None:
    schema = (await anonymous_client.get("/openapi.json")).json()

    operations = [
        *schema["paths"]["/items"].values(),
        *schema["paths"]["/items/{item_id}"].values(),
    ]
    assert len(operations) == 5
    for operation in operations:
        assert operation["security"] == [{"HTTPBearer": []}]
        assert {"401", "403", "503"} <= set(operation["responses"])
