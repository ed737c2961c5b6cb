import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.settings import Settings
from tests.support.serving import client_for, server_timing

SERVER_TIMING = re.compile(r"app;dur=[\d.]+(, [a-z]+;dur=[\d.]+)*, total;dur=[\d.]+")


def assert_timed(response: httpx.Response) -> None:
    assert float(response.headers["x-process-time"]) >= 0
    assert SERVER_TIMING.fullmatch(response.headers["server-timing"])
    timing = server_timing(response)
    assert timing["total"] >= timing["app"]


@pytest.mark.parametrize(
    ("path", "status"),
    [("/health", 200), ("/no-such-route", 404), ("/needs-an-int?number=x", 422)],
    ids=["ok", "not-found", "invalid"],
)
async def test_every_response_carries_the_timing_headers(
    app: FastAPI, client: httpx.AsyncClient, path: str, status: int
) -> None:
    @app.get("/needs-an-int")
    async def needs_an_int(number: int) -> int:
        return number

    response = await client.get(path)

    assert response.status_code == status
    assert_timed(response)


async def test_a_crash_is_a_json_500_that_carries_the_timing_headers(app: FastAPI) -> None:
    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("a bug")

    async with client_for(app, raise_app_exceptions=False) as client:
        response = await client.get("/crash")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
    assert_timed(response)


@pytest.fixture
def echo_app(app: FastAPI) -> FastAPI:
    @app.post("/echo")
    async def echo(payload: dict[str, str]) -> dict[str, str]:
        return payload

    return app


async def test_a_body_within_the_limit_is_accepted(
    echo_app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await client.post("/echo", json={"text": "x" * 1000})

    assert response.status_code == 200


async def test_a_body_declared_too_large_is_refused_with_413(
    echo_app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await client.post("/echo", json={"text": "x" * 1_100_000})

    assert response.status_code == 413
    assert response.json() == {"detail": "request body is larger than 1048576 bytes"}
    assert_timed(response)


async def test_a_streamed_body_is_cut_off_with_413_once_too_large(
    echo_app: FastAPI, client: httpx.AsyncClient
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(20):
            yield b"x" * 100_000
        yield b'"}'

    response = await client.post("/echo", content=chunks())  # chunked: no Content-Length

    assert response.status_code == 413
    assert response.json() == {"detail": "request body is larger than 1048576 bytes"}


async def test_malformed_json_is_a_422_that_says_so(
    echo_app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        "/echo", content=b'{"text": ', headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert response.json()["detail"][0]["msg"] == "JSON decode error"


async def test_cross_origin_requests_are_refused_unless_configured(
    settings: Settings,
) -> None:
    preflight = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"}
    async with client_for(create_app(settings)) as client:
        closed = await client.options("/health", headers=preflight)
    allowed = settings.model_copy(update={"cors_allow_origins": ["https://app.example.com"]})
    async with client_for(create_app(allowed)) as client:
        opened = await client.options("/health", headers=preflight)

    assert "access-control-allow-origin" not in closed.headers
    assert opened.status_code == 200
    assert opened.headers["access-control-allow-origin"] == "https://app.example.com"
