"""Calls to the upstream: URLs that cannot leave its host, bounded in concurrency and time."""

import asyncio
from urllib.parse import quote

import aiohttp
import httpx
from fastapi import HTTPException, status

from {{ cookiecutter.package_name }}.timing import waiting_on
from {{ cookiecutter.package_name }}.upstream.client import Upstream

# Longest relayed path we accept; longer ones are refused with 414.
MAX_PATH_LENGTH = 2048
# Characters that may stay unescaped in a path segment (RFC 3986 "pchar").
# Everything else, '/', '?', '#', '%' and '\' included, is percent-encoded.
SEGMENT_SAFE = "-._~!$&'()*+,;=:@"


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
    are the upstream's answer and are returned as they are. Each call counts
    in `upstream.outcomes`: its status class, `unreachable` or `timeout`.
    """
    timeout = upstream.timeout if time_limit is None else min(time_limit, upstream.timeout)
    try:
        async with asyncio.timeout(timeout), upstream.slots:
            with waiting_on("upstream"):
                response = await upstream.client.get(url)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        # Checked first: the aiohttp transport reports a refused or dropped
        # connection as ConnectTimeout, which would otherwise read as slowness.
        upstream.outcomes["unreachable"] += 1
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"upstream connection failed ({type(exc).__name__})"
        ) from None
    except (TimeoutError, httpx.TimeoutException):
        upstream.outcomes["timeout"] += 1
        raise HTTPException(
            status.HTTP_504_GATEWAY_TIMEOUT,
            f"upstream did not answer within {timeout:g} s",
        ) from None
    except (httpx.HTTPError, aiohttp.ClientError) as exc:
        # aiohttp.ClientError: an answer that is not HTTP at all, which the
        # transport passes on untranslated.
        upstream.outcomes["unreachable"] += 1
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"upstream connection failed ({type(exc).__name__})"
        ) from None
    upstream.outcomes[f"{response.status_code // 100}xx"] += 1
    if response.status_code >= 500:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"upstream failed with status {response.status_code}"
        )
    return response
