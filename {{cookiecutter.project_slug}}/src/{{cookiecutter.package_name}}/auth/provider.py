"""The identity provider over HTTP: its discovery document and its key set (JWKS)."""

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import partial

import httpx
from jwt import PyJWK, PyJWTError

from {{ cookiecutter.package_name }}.auth.keys import SigningKeys
from {{ cookiecutter.package_name }}.auth.settings import AuthSettings
from {{ cookiecutter.package_name }}.auth.verified import VerifiedTokens
from {{ cookiecutter.package_name }}.feature import State

logger = logging.getLogger(__name__)

DISCOVERY_PATH = "/.well-known/openid-configuration"
MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d+)", re.IGNORECASE)
# However long the provider says: keys rotate, and a removed key must stop working.
LONGEST_CACHE_SECONDS = 24 * 3600


class ProviderError(Exception):
    """The provider's answer cannot be used; the message says why."""


async def get_json(
    client: httpx.AsyncClient, url: str, time_limit: float
) -> tuple[object, float | None]:
    """The JSON document at `url`, and the max-age its answer allows, if any."""
    async with asyncio.timeout(time_limit):
        response = await client.get(url, headers={"Accept": "application/json"})
    if response.status_code != 200:
        raise ProviderError(f"{url} answered {response.status_code}")
    max_age = MAX_AGE.search(response.headers.get("cache-control", ""))
    return response.json(), float(max_age.group(1)) if max_age else None


async def find_jwks_url(client: httpx.AsyncClient, settings: AuthSettings) -> str:
    """The key set's URL: configured, or read from the issuer's discovery document."""
    if settings.auth_jwks_url:
        return settings.auth_jwks_url
    url = settings.auth_issuer.rstrip("/") + DISCOVERY_PATH
    document, _ = await get_json(client, url, settings.auth_provider_timeout)
    if not isinstance(document, dict) or not isinstance(document.get("jwks_uri"), str):
        raise ProviderError(f"{url} names no jwks_uri")
    # OpenID Connect Discovery, 4.3: a document for another issuer must not be used.
    if document.get("issuer") != settings.auth_issuer:
        raise ProviderError(f"{url} is the document of issuer {document.get('issuer')!r}")
    jwks_url: str = document["jwks_uri"]
    return jwks_url


def usable_keys(jwks: object, algorithms: list[str]) -> dict[str, PyJWK]:
    """The signing keys of a JWKS that verify one of `algorithms`, by key id."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise ProviderError("the key set has no 'keys' list")
    keys = {}
    for jwk in jwks["keys"]:
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
            continue
        if jwk.get("use", "sig") != "sig":  # an encryption key never verifies a signature
            continue
        try:
            key = PyJWK(jwk)
        except (PyJWTError, ValueError, TypeError, KeyError) as exc:
            # A key type or curve we cannot use, or a broken key: the others still count.
            logger.info("skipping signing key %r: %s", jwk["kid"], exc)
            continue
        if key.algorithm_name in algorithms:
            keys[jwk["kid"]] = key
    if not keys:
        raise ProviderError(f"the key set has no key for the algorithms {algorithms}")
    return keys


async def fetch_keys(
    client: httpx.AsyncClient, settings: AuthSettings, found: dict[str, str]
) -> tuple[Mapping[str, PyJWK], float]:
    """The provider's usable signing keys, and the seconds they may be cached."""
    if "jwks_url" not in found:  # discovered once, then kept
        found["jwks_url"] = await find_jwks_url(client, settings)
    jwks, max_age = await get_json(client, found["jwks_url"], settings.auth_provider_timeout)
    cache_seconds = settings.auth_jwks_cache_seconds if max_age is None else max_age
    return usable_keys(jwks, settings.auth_algorithms), min(cache_seconds, LONGEST_CACHE_SECONDS)


@asynccontextmanager
async def open_verification(
    client: httpx.AsyncClient, settings: AuthSettings
) -> AsyncIterator[State]:
    """What requests need to verify tokens: the signing keys, fetched through
    `client`, and the tokens verified lately.

    The keys are fetched when first needed: by the first readiness check (an
    orchestrator probes before it sends traffic) or the first request. A
    provider that is down does not stop the service from starting; requests
    that need a token answer 503 until the keys can be fetched.
    """
    keys = SigningKeys(
        partial(fetch_keys, client, settings, {}),
        min_interval=settings.auth_jwks_min_refresh_interval,
    )
    try:
        yield {"signing_keys": keys, "verified_tokens": VerifiedTokens()}
    finally:
        await keys.close()


async def keys_ready(state: State) -> None:
    """Ready while there are signing keys, stale ones included; without, one fetch
    is tried (within the rate limit) before the check fails."""
    keys: SigningKeys = state["signing_keys"]
    if not keys.available:
        await keys.refresh()
        if not keys.available:
            raise keys.unavailable()
