"""The TLS context of the service's HTTP clients: the CA bundle, loaded once per process.

Loading the bundle takes 20 to 40 ms of CPU, long enough to block the event
loop, so it is loaded in a thread. Every client of the process shares the one
context, which nothing changes once it is made: the cost is paid once, not
at each start of the app (the tests start it about 150 times in a process).
"""

import asyncio
import functools
import ssl

import httpx


@functools.cache
def _load_tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()  # certificate and host name checked


async def shared_tls_context() -> ssl.SSLContext:
    """The process's TLS context for outbound calls; the first call loads it, in a thread."""
    return await asyncio.to_thread(_load_tls_context)
