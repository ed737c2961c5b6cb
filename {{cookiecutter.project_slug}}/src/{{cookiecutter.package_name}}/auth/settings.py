"""The identity provider whose tokens the service accepts, and how strictly."""

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, NonNegativeFloat, PositiveFloat
from pydantic_settings import BaseSettings

# Signed with a private key the service never holds: what a provider's access
# tokens use. HS* (a secret shared with the service) only when listed
# explicitly; `none` (no signature) never.
ASYMMETRIC = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
SYMMETRIC = ("HS256", "HS384", "HS512")


def _is_http_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http:// or https:// URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("must not carry credentials, a query or a fragment")
    return url


def _are_known_algorithms(algorithms: list[str]) -> list[str]:
    unknown = [name for name in algorithms if name not in ASYMMETRIC + SYMMETRIC]
    if unknown:
        # `none` lands here too: a token without a signature proves nothing.
        raise ValueError(f"unknown or unsafe algorithms {unknown}; use some of {list(ASYMMETRIC)}")
    if not algorithms:
        raise ValueError("must name at least one algorithm")
    return algorithms


HttpUrl = Annotated[str, AfterValidator(_is_http_url)]


class AuthSettings(BaseSettings):
    # The provider's issuer URL, exactly as its tokens' `iss` claim writes it.
    auth_issuer: HttpUrl
    # What the tokens' `aud` claim must contain: this service's identifier at the provider.
    auth_audience: str
    # The provider's key set; when unset, found through the issuer's
    # /.well-known/openid-configuration.
    auth_jwks_url: HttpUrl | None = None
    # The signature algorithms accepted, as a JSON list.
    auth_algorithms: Annotated[list[str], AfterValidator(_are_known_algorithms)] = [
        "RS256",
        "ES256",
    ]
    # Seconds of clock difference allowed with the provider for `exp`, `nbf` and `iat`.
    auth_leeway: NonNegativeFloat = 30.0
    # Seconds the keys are kept when the provider's answer gives no max-age.
    auth_jwks_cache_seconds: PositiveFloat = 300.0
    # At least this many seconds between two fetches of the keys: a flood of
    # tokens naming unknown keys costs the provider one fetch per interval.
    auth_jwks_min_refresh_interval: NonNegativeFloat = 10.0
    # Seconds for one fetch of the discovery document or of the keys.
    auth_provider_timeout: PositiveFloat = 5.0
