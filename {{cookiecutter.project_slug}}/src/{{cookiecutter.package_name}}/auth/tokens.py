"""One bearer token checked: its signature, issuer, audience and times; the `Principal` it names."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from {{ cookiecutter.package_name }}.auth.keys import SigningKeys, UnknownKeyError
from {{ cookiecutter.package_name }}.auth.limits import shape_problem
from {{ cookiecutter.package_name }}.auth.settings import AuthSettings

REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]


class InvalidTokenError(Exception):
    """The token proves nothing; the message says why, for the client (answered 401)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who called: the token's subject, its scopes and every claim it carried."""

    subject: str
    scopes: frozenset[str]
    claims: Mapping[str, Any]


def scopes_of(claims: Mapping[str, Any]) -> frozenset[str]:
    """`scope` (OAuth 2.0: space-separated), or `scp` (Entra ID, Okta: a list or a string)."""
    granted = claims.get("scope", claims.get("scp", ""))
    if isinstance(granted, str):
        return frozenset(granted.split())
    if isinstance(granted, list) and all(isinstance(scope, str) for scope in granted):
        return frozenset(granted)
    raise InvalidTokenError("the token's scopes are neither a string nor a list of strings")


# Each of PyJWT's refusals as the client reads it; the first that matches wins.
REASONS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "the token has expired"),
    (jwt.ImmatureSignatureError, "the token is not valid yet"),
    (jwt.InvalidIssuerError, "the token is from another issuer"),
    (jwt.InvalidAudienceError, "the token is for another audience"),
    (jwt.InvalidSignatureError, "the token's signature does not verify"),
    (jwt.InvalidAlgorithmError, "the token's algorithm is not accepted"),
    (jwt.MissingRequiredClaimError, "the token lacks a required claim"),
)


async def verify_token(token: str, keys: SigningKeys, settings: AuthSettings) -> Principal:
    """The principal a valid token names; raises `InvalidTokenError` for any other token,
    and `DependencyUnavailableError` when no signing keys can be had."""
    if problem := shape_problem(token):
        raise InvalidTokenError(problem)
    try:
        header = jwt.get_unverified_header(token)
    except (jwt.PyJWTError, RecursionError):
        raise InvalidTokenError("the token is malformed") from None
    if header.get("alg") not in settings.auth_algorithms:
        raise InvalidTokenError("the token's algorithm is not accepted")
    key_id = header.get("kid")
    if not isinstance(key_id, str) or not key_id:
        raise InvalidTokenError("the token names no signing key")
    try:
        key = await keys.key_for(key_id)
    except UnknownKeyError:
        raise InvalidTokenError("the token's signing key is unknown") from None
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=settings.auth_algorithms,
            audience=settings.auth_audience,
            issuer=settings.auth_issuer,
            leeway=settings.auth_leeway,
            options={"require": REQUIRED_CLAIMS},
        )
    except (jwt.PyJWTError, RecursionError) as exc:
        reason = next((text for kind, text in REASONS if isinstance(exc, kind)), None)
        raise InvalidTokenError(reason or "the token is malformed") from None
    return Principal(subject=claims["sub"], scopes=scopes_of(claims), claims=claims)
