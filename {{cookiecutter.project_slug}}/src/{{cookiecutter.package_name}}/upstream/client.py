"""The shared client: created once in the lifespan, used by every request.

One `httpx.AsyncClient` is shared by every request, so connections to the
upstream are pooled and reused. It speaks through the aiohttp transport of
`httpx-aiohttp`: the same httpx API, with a connection pool that holds up
under concurrency (see README.md, "Why the aiohttp transport").
"""

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Annotated

import aiohttp
import httpx
from fastapi import Depends, Request
from httpx_aiohttp import AiohttpTransport

from {{ cookiecutter.package_name }}.feature import State
from {{ cookiecutter.package_name }}.tls import shared_tls_context
from {{ cookiecutter.package_name }}.upstream.settings import UpstreamSettings


class Upstream:
    """What calls to the upstream need: the shared client, the concurrency limit and the rules."""

    def __init__(self, client: httpx.AsyncClient, settings: UpstreamSettings) -> None:
        self.client = client
        self.base_url = httpx.URL(settings.upstream_base_url)
        self.timeout = settings.upstream_timeout
        self.slots = asyncio.Semaphore(settings.upstream_max_concurrency)
        # How the calls went, by outcome (relay.py), for whoever reports on them.
        self.outcomes = Counter[str]()


@asynccontextmanager
async def open_upstream_client(settings: UpstreamSettings) -> AsyncIterator[httpx.AsyncClient]:
    """Create the shared client once; close its connections at the end."""
    # httpx logs each request it sends at INFO, with the whole URL: a second
    # line per relayed request, and any secret a query string carries.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    tls = await shared_tls_context()

    def new_session() -> aiohttp.ClientSession:
        # Made by the transport at its first request. The client is shared by
        # every user, so it must keep no cookie: one user's upstream cookie
        # would otherwise be sent with the next user's request.
        connector = aiohttp.TCPConnector(limit=settings.upstream_max_connections, ssl=tls)
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    transport = AiohttpTransport(verify=tls, client=new_session)
    async with httpx.AsyncClient(
        transport=transport,
        timeout=settings.upstream_timeout,
        follow_redirects=False,
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),  # keeps nothing either
    ) as client:
        yield client


@asynccontextmanager
async def open_upstream(settings: UpstreamSettings) -> AsyncIterator[State]:
    """The upstream's lifespan part: `request.state.upstream`, for as long as the service runs."""
    async with open_upstream_client(settings) as client:
        yield {"upstream": Upstream(client, settings)}


async def get_upstream(request: Request) -> Upstream:
    upstream: Upstream = request.state.upstream
    return upstream


UpstreamDep = Annotated[Upstream, Depends(get_upstream)]
