"""Concurrent upstream calls against the real upstream server: partial failures, bounded time."""

import time

import httpx
import pytest

from {{ cookiecutter.package_name }}.examples.fanout import MAX_PATHS
from tests.support.upstream_server import UpstreamServer


async def fan_out(client: httpx.AsyncClient, *paths: str) -> httpx.Response:
    return await client.get("/examples/fanout", params=[("path", path) for path in paths])


async def test_each_outcome_is_listed_in_the_order_asked(client: httpx.AsyncClient) -> None:
    response = await fan_out(client, "first", "second?color=blue", "status/404")

    assert response.status_code == 200
    answer = response.json()
    paths = [call["path"] for call in answer["calls"]]
    assert paths == ["first", "second?color=blue", "status/404"]
    assert [call["status_code"] for call in answer["calls"]] == [200, 200, 404]
    assert answer["calls"][1]["body"] == '{"path": "/second", "query": "color=blue"}'
    assert answer["failed"] == 0


async def test_the_calls_run_at_once_so_the_time_is_the_slowest_not_the_sum(
    client: httpx.AsyncClient, upstream: UpstreamServer
) -> None:
    started = time.perf_counter()
    response = await fan_out(client, *["slow?seconds=0.3"] * 3)
    elapsed = time.perf_counter() - started

    assert response.status_code == 200
    assert upstream.peak_in_flight == 3  # all three were at the upstream together
    assert elapsed < 0.9  # one after another would take at least 3 x 0.3 s


async def test_a_failed_or_slow_call_is_reported_and_the_others_still_count(
    client: httpx.AsyncClient,
) -> None:
    started = time.perf_counter()
    response = await fan_out(client, "fine", "status/500", "slow?seconds=1")
    elapsed = time.perf_counter() - started

    assert response.status_code == 200
    fine, failed, slow = response.json()["calls"]
    assert fine["answered"]
    assert (failed["answered"], failed["status_code"]) == (False, 502)
    assert failed["error"] == "upstream failed with status 500"
    assert (slow["answered"], slow["status_code"]) == (False, 504)
    assert slow["error"] == "upstream did not answer within 0.5 s"
    assert response.json()["failed"] == 2
    assert elapsed < 0.9  # the 1 s call was cut at its 0.5 s limit, not waited for


async def test_when_every_call_fails_the_answer_is_502_with_each_reason(
    client: httpx.AsyncClient,
) -> None:
    response = await fan_out(client, "status/503", "slow?seconds=1")

    assert response.status_code == 502
    assert [call["status_code"] for call in response.json()["calls"]] == [502, 504]
    assert response.json()["failed"] == 2


@pytest.mark.parametrize(
    ("paths", "status"),
    [(["fine", "../admin"], 400), (["fine", "x" * 3000], 414), (["p"] * (MAX_PATHS + 1), 422)],
    ids=["dot-dot", "too-long", "too-many"],
)
async def test_a_bad_path_fails_the_request_before_any_call(
    client: httpx.AsyncClient, upstream: UpstreamServer, paths: list[str], status: int
) -> None:
    response = await fan_out(client, *paths)

    assert response.status_code == status
    assert upstream.received == []
