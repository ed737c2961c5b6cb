import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.database.sessions import SessionDep
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.settings import Settings
from tests.support.serving import client_for, server_timing


async def create(client: httpx.AsyncClient, name: str, description: str | None = None) -> int:
    response = await client.post("/items", json={"name": name, "description": description})
    assert response.status_code == 201, response.text
    item_id: int = response.json()["id"]
    return item_id


async def test_a_created_item_can_be_read_back(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", json={"name": "lamp", "description": "brass"})

    assert response.status_code == 201
    created = response.json()
    assert created == {"id": created["id"], "name": "lamp", "description": "brass"}
    assert (await client.get(f"/items/{created['id']}")).json() == created


async def test_items_are_listed_in_id_order_with_limit_and_offset(
    client: httpx.AsyncClient,
) -> None:
    ids = [await create(client, f"item {number}") for number in range(5)]

    page = await client.get("/items", params={"limit": 2, "offset": 1})

    assert page.status_code == 200
    assert [item["id"] for item in page.json()] == ids[1:3]
    assert len((await client.get("/items")).json()) == 5


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"offset": -1}], ids=["zero", "too-many", "negative"]
)
async def test_out_of_range_paging_is_refused(
    client: httpx.AsyncClient, params: dict[str, int]
) -> None:
    assert (await client.get("/items", params=params)).status_code == 422


async def test_a_missing_item_is_a_json_404(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/items/999"),
        await client.patch("/items/999", json={"name": "x"}),
        await client.delete("/items/999"),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "item 999 not found"}


@pytest.mark.parametrize(
    "path",
    ["/items/0", "/items/2147483648", "/items?offset=2147483648"],
    ids=["zero", "huge", "offset"],
)
async def test_ids_and_offsets_outside_the_column_range_are_refused(
    client: httpx.AsyncClient, path: str
) -> None:
    assert (await client.get(path)).status_code == 422


async def test_patch_changes_only_the_fields_sent(client: httpx.AsyncClient) -> None:
    item_id = await create(client, "lamp", "brass")

    response = await client.patch(f"/items/{item_id}", json={"description": None})

    assert response.status_code == 200
    assert response.json() == {"id": item_id, "name": "lamp", "description": None}
    assert (await client.get(f"/items/{item_id}")).json() == response.json()


async def test_a_deleted_item_is_gone(client: httpx.AsyncClient) -> None:
    item_id = await create(client, "lamp")

    response = await client.delete(f"/items/{item_id}")

    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(f"/items/{item_id}")).status_code == 404


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "x" * 256}, {"name": 7}, {"name": "a\x00b"}],
    ids=["missing-name", "empty-name", "long-name", "number-name", "nul-character"],
)
async def test_an_invalid_item_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    response = await client.post("/items", json=body)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", "name"]
    assert (await client.get("/items")).json() == []


@pytest.mark.parametrize(
    "body",
    [{"name": None}, {"name": ""}, {"name": "a\x00b"}],
    ids=["null-name", "empty-name", "nul-character"],
)
async def test_an_invalid_patch_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    item_id = await create(client, "lamp")

    response = await client.patch(f"/items/{item_id}", json=body)

    assert response.status_code == 422
    assert (await client.get(f"/items/{item_id}")).json()["name"] == "lamp"


async def test_a_request_that_fails_commits_nothing(
    app: FastAPI, client_headers: dict[str, str]
) -> None:
    @app.post("/items-then-crash")
    async def add_then_crash(session: SessionDep) -> None:
        session.add(Item(name="half-done"))
        await session.flush()  # the row is sent to the database, in the open transaction
        raise RuntimeError("a bug after the write")

    async with client_for(app, raise_app_exceptions=False, headers=client_headers) as client:
        crashed = await client.post("/items-then-crash")
        remaining = await client.get("/items")

    assert crashed.status_code == 500
    assert remaining.json() == []


async def test_items_answer_503_when_the_database_is_unreachable(
    settings: Settings,
    unreachable_database_url: str,
    client_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    unreachable = settings.model_copy(update={"database_url": SecretStr(unreachable_database_url)})

    async with client_for(create_app(unreachable), headers=client_headers) as client:
        responses = [await client.get("/items"), await client.post("/items", json={"name": "x"})]

    for response in responses:
        assert response.status_code == 503
        assert response.json()["detail"].startswith("database unavailable")
    logged = [r.getMessage() for r in caplog.records if r.name.endswith(".errors")]
    assert len(logged) == 2
    assert all(message.startswith("database unavailable: ") for message in logged)


async def test_server_timing_shows_the_time_spent_on_queries(client: httpx.AsyncClient) -> None:
    await create(client, "lamp")

    timing = server_timing(await client.get("/items"))

    assert timing["db"] > 0
    assert timing["app"] + timing["db"] == pytest.approx(timing["total"], abs=0.01)
