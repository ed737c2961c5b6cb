"""Serve an app to the tests the way uvicorn would: lifespan first, then requests."""

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI


@asynccontextmanager
async def client_for(
    app: FastAPI, *, raise_app_exceptions: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for `app`, with the app's lifespan running around it.

    `LifespanManager.app` hands the lifespan state to each request, as a
    server does. With `raise_app_exceptions=False` an unhandled error comes
    back as the 500 response a real client would get.
    """
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=raise_app_exceptions)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


def unused_port() -> int:
    """A port of 127.0.0.1 where nothing listens: connections to it are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_timing(response: httpx.Response) -> dict[str, float]:
    """The response's `Server-Timing` header as {name: milliseconds}."""
    entries = (entry.split(";dur=") for entry in response.headers["server-timing"].split(", "))
    return {name: float(milliseconds) for name, milliseconds in entries}
