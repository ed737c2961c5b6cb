import re

import httpx
import pytest
from fastapi import FastAPI

from tests.serving import client_for

SERVER_TIMING = re.compile(r"app;dur=\d+\.\d{3}")


def assert_timed(response: httpx.Response) -> None:
    assert float(response.headers["x-process-time"]) >= 0
    assert SERVER_TIMING.fullmatch(response.headers["server-timing"])


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
