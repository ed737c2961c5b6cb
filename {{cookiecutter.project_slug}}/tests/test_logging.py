"""Request ids and log lines: one per request, JSON or text, tagged with the request's id."""

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import BackgroundTasks, FastAPI

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.settings import Settings
from tests.log_capture import capture
from tests.support.serving import client_for


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    stream, handler = capture("json")
    yield stream
    logging.getLogger().removeHandler(handler)


@pytest.fixture
def text_logs() -> Iterator[io.StringIO]:
    stream, handler = capture("text")
    yield stream
    logging.getLogger().removeHandler(handler)


async def test_a_safe_request_id_from_the_client_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "checkout-42:a.b_c"})

    assert response.headers["x-request-id"] == "checkout-42:a.b_c"


@pytest.mark.parametrize(
    "offered",
    [None, "", "x" * 129, "has space", "semi;colon", "a/b", "line\tbreak"],
    ids=["missing", "empty", "too-long", "space", "semicolon", "slash", "tab"],
)
async def test_otherwise_a_new_request_id_is_made(
    client: httpx.AsyncClient, offered: str | None
) -> None:
    headers = {"X-Request-ID": offered} if offered is not None else {}

    response = await client.get("/health", headers=headers)

    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_json_logs_have_one_line_per_request_and_the_id_on_every_line(
    app: FastAPI, client: httpx.AsyncClient, json_logs: io.StringIO
) -> None:
    @app.get("/work")
    async def work() -> str:
        logging.getLogger("{{ cookiecutter.package_name }}.work").info("working")
        return "done"

    await client.get("/work", headers={"X-Request-ID": "req-1"})

    entries = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    working = next(entry for entry in entries if entry["message"] == "working")
    request = next(entry for entry in entries if entry["logger"].endswith(".requests"))
    assert working["request_id"] == "req-1"
    assert request["request_id"] == "req-1"
    assert request["method"] == "GET"
    assert request["path"] == "/work"
    assert request["status"] == 200
    assert request["duration_ms"] >= 0
    assert request["level"] == "INFO"


async def test_work_after_the_response_is_not_counted_in_its_duration(
    app: FastAPI, client: httpx.AsyncClient, json_logs: io.StringIO
) -> None:
    @app.get("/then-more")
    async def then_more(background: BackgroundTasks) -> str:
        background.add_task(asyncio.sleep, 0.3)
        return "answered"

    await client.get("/then-more")  # returns once the background task is done too

    entries = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    request = next(entry for entry in entries if entry["logger"].endswith(".requests"))
    assert request["duration_ms"] < 300


async def test_a_crash_is_logged_with_status_500(app: FastAPI, json_logs: io.StringIO) -> None:
    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("a bug")

    async with client_for(app, raise_app_exceptions=False) as client:
        await client.get("/crash", headers={"X-Request-ID": "req-500"})

    entries = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    request = next(entry for entry in entries if entry["logger"].endswith(".requests"))
    assert (request["status"], request["request_id"]) == (500, "req-500")


async def test_text_logs_read_well_and_carry_the_id(
    client: httpx.AsyncClient, text_logs: io.StringIO
) -> None:
    await client.get("/health", headers={"X-Request-ID": "req-2"})

    assert re.search(
        # Fields features add (trace ids) follow the id inside the brackets.
        r"INFO \S+\.requests \[req-2( [^\]]+)?\] GET /health 200 \d+\.\dms",
        text_logs.getvalue(),
    )


async def test_the_request_log_line_can_be_switched_off(
    settings: Settings, json_logs: io.StringIO
) -> None:
    quiet = settings.model_copy(update={"log_requests": False})

    async with client_for(create_app(quiet)) as client:
        response = await client.get("/health", headers={"X-Request-ID": "req-3"})

    assert response.headers["x-request-id"] == "req-3"
    assert ".requests" not in json_logs.getvalue()
