"""The upstream that `/upstream/...` relays to, and the limits on calling it."""

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, PositiveFloat, PositiveInt
from pydantic_settings import BaseSettings


def _is_http_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http:// or https:// URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("must not carry credentials, a query or a fragment")
    return url


class UpstreamSettings(BaseSettings):
    upstream_base_url: Annotated[str, AfterValidator(_is_http_base_url)]
    # Seconds for a whole upstream call, waiting for a free slot included.
    upstream_timeout: PositiveFloat = 5.0
    # At most this many upstream calls at once; the others wait their turn.
    upstream_max_concurrency: PositiveInt = 100
    # Connections the client keeps to the upstream.
    upstream_max_connections: PositiveInt = 100
