"""The upstream service: its settings, the shared client and the relay helpers.

One `httpx.AsyncClient` is created in the lifespan and shared by every
request, so connections to the upstream are pooled and reused. It speaks
through the aiohttp transport of `httpx-aiohttp`: the same httpx API, with a
connection pool that holds up under concurrency (see README.md, "Why the
aiohttp transport").
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Annotated
from urllib.parse import quote, urlsplit

import aiohttp
import httpx
from fastapi import Depends, HTTPException, Request, status
from httpx_aiohttp import AiohttpTransport
from pydantic import AfterValidator, PositiveFloat, PositiveInt
from pydantic_settings import BaseSettings

from {{ cookiecutter.package_name }}.timing import waiting_on

# Longest relayed path we accept; longer ones are refused with 414.
MAX_PATH_LENGTH = 2048
# Characters that may stay unescaped in a path segment (RFC 3986 "pchar").
# Everything else, '/', '?', '#', '%' and '\' included, is percent-encoded.
SEGMENT_SAFE = "-._~!$&'()*+,;=:@"


def _is_http_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http:// or https:// URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("must not carry credentials, a query or a fragment")
    return url


class UpstreamSettings(BaseSettings):
    """The upstream that `/upstream/...` relays to."""

    upstream_base_url: Annotated[str, AfterValidator(_is_http_base_url)]
    # Seconds for a whole upstream call, waiting for a free slot included.
    upstream_timeout: PositiveFloat = 5.0
    # At most this many upstream calls at once; the others wait their turn.
    upstream_max_concurrency: PositiveInt = 100
    # Connections the client keeps to the upstream.
    upstream_max_connections: PositiveInt = 100


@asynccontextmanager
async def open_upstream_client(settings: UpstreamSettings) -> AsyncIterator[httpx.AsyncClient]:
    """Create the shared client once; close its connections at the end."""
    # Loading the CA bundle for TLS takes long enough to block the event loop.
    tls = await asyncio.to_thread(httpx.create_ssl_context)

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


class Upstream:
    """What the relay needs: the shared client, the concurrency limit and the rules."""

    def __init__(self, client: httpx.AsyncClient, settings: UpstreamSettings) -> None:
        self.client = client
        self.base_url = httpx.URL(settings.upstream_base_url)
        self.timeout = settings.upstream_timeout
        self.slots = asyncio.Semaphore(settings.upstream_max_concurrency)


async def get_upstream(request: Request) -> Upstream:
    upstream: Upstream = request.state.upstream
    return upstream


UpstreamDep = Annotated[Upstream, Depends(get_upstream)]


def build_upstream_url(base_url: httpx.URL, path: str, query: bytes) -> httpx.URL:
    """Put a client-supplied path under the upstream's base URL.

    The scheme, host and port always come from `base_url`: the path only ever
    becomes percent-encoded segments under the base path, so no `//host`,
    `http://...`, `@`, backslash or encoded slash can move the request to
    another host. `.` and `..` segments and control characters are refused.
    """
    if len(path) > MAX_PATH_LENGTH:
        raise HTTPException(status.HTTP_414_URI_TOO_LONG, "upstream path is too long")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in path):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "upstream path has control characters")
    segments = path.split("/")
    if any(segment in (".", "..") for segment in segments):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "upstream path has '.' or '..' segments")
    relative = "/".join(quote(segment, safe=SEGMENT_SAFE) for segment in segments)
    base_path = base_url.raw_path.split(b"?")[0].rstrip(b"/")
    raw_path = base_path + b"/" + relative.encode("ascii") + (b"?" + query if query else b"")
    return base_url.copy_with(raw_path=raw_path)


async def relay_to_upstream(
    upstream: Upstream, url: httpx.URL, time_limit: float | None = None
) -> httpx.Response:
    """GET `url` through the shared client, bounded in concurrency and in time.

    `time_limit` (seconds) shortens the upstream's own timeout for this call.
    Raises 502 when the upstream cannot be connected to or answers with a
    server error, and 504 when it does not answer in time. Client errors (4xx)
    are the upstream's answer and are returned as they are.
    """
    timeout = upstream.timeout if time_limit is None else min(time_limit, upstream.timeout)
    try:
        async with asyncio.timeout(timeout), upstream.slots:
            with waiting_on("upstream"):
                response = await upstream.client.get(url)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        # Checked first: the aiohttp transport reports a refused or dropped
        # connection as ConnectTimeout, which would otherwise read as slowness.
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"upstream connection failed ({type(exc).__name__})"
        ) from None
    except (TimeoutError, httpx.TimeoutException):
        raise HTTPException(
            status.HTTP_504_GATEWAY_TIMEOUT,
            f"upstream did not answer within {timeout:g} s",
        ) from None
    except (httpx.HTTPError, aiohttp.ClientError) as exc:
        # aiohttp.ClientError: an answer that is not HTTP at all, which the
        # transport passes on untranslated.
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"upstream connection failed ({type(exc).__name__})"
        ) from None
    if response.status_code >= 500:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"upstream failed with status {response.status_code}"
        )
    return response
