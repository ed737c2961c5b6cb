"""Hostile tokens: each row builds a token from the identity provider and says how it is refused.

Every row must be answered 401 with `WWW-Authenticate: Bearer error="invalid_token"`
and the detail given, never a 500 and never a 200.
"""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from tests.support.identity_provider import IdentityProvider, SigningKey

# A key the provider never published, made once (outside any test's event loop).
FOREIGN_KEY = SigningKey()


@dataclass(frozen=True)
class HostileToken:
    name: str
    build: Callable[[IdentityProvider], str]
    detail: str


def segment(data: dict[str, object] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned(header: dict[str, object] | bytes, claims: dict[str, object] | bytes) -> str:
    return f"{segment(header)}.{segment(claims)}."


def signed(
    key: SigningKey, header: dict[str, object] | bytes, claims: dict[str, object] | bytes
) -> str:
    """RS256 by hand: PyJWT itself refuses to write most of these headers."""
    signing_input = f"{segment(header)}.{segment(claims)}"
    signature = key.private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{segment(signature)}"


def nested_json(before: bytes, depth: int) -> bytes:
    """`before` then a list nested `depth` deep: past what json.dumps would write."""
    return before + b'"nest": ' + b"[" * depth + b"]" * depth + b"}"


def with_nested_claims(provider: IdentityProvider) -> str:
    """Signed by the provider's own key: only the service's bounds stop it."""
    claims = json.dumps(provider.claims()).encode()[:-1] + b", "
    return signed(
        provider.key, {"alg": "RS256", "kid": provider.key.kid}, nested_json(claims, 2000)
    )


def signed_with_public_key_as_hmac_secret(provider: IdentityProvider) -> str:
    """The classic confusion: HS256, keyed with the provider's public key, which anyone has."""
    public_pem = provider.key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = (
        f"{segment({'alg': 'HS256', 'kid': provider.key.kid})}.{segment(provider.claims())}"
    )
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{segment(mac)}"


def with_payload_swapped(provider: IdentityProvider) -> str:
    """A valid token whose claims are changed after signing (more scopes, another subject)."""
    header, _, signature = provider.token().split(".")
    forged = provider.claims(sub="admin", scope="items:write admin")
    return f"{header}.{segment(forged)}.{signature}"


HOSTILE_TOKENS = [
    HostileToken(
        "alg-none",
        lambda p: unsigned({"alg": "none", "kid": p.key.kid}, p.claims()),
        "the token's algorithm is not accepted",
    ),
    HostileToken(
        "hs256-keyed-with-the-public-key",
        signed_with_public_key_as_hmac_secret,
        "the token's algorithm is not accepted",
    ),
    HostileToken(
        "expired",
        lambda p: p.token(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
        "the token has expired",
    ),
    HostileToken(
        "not-valid-yet",
        lambda p: p.token(nbf=int(time.time()) + 3600),
        "the token is not valid yet",
    ),
    HostileToken(
        "wrong-issuer",
        lambda p: p.token(iss="https://evil.example.com"),
        "the token is from another issuer",
    ),
    HostileToken(
        "wrong-audience",
        lambda p: p.token(aud="another-service"),
        "the token is for another audience",
    ),
    HostileToken(
        "missing-kid",
        lambda p: signed(p.key, {"alg": "RS256"}, p.claims()),
        "the token names no signing key",
    ),
    HostileToken(
        "kid-not-a-string",
        lambda p: signed(p.key, {"alg": "RS256", "kid": 7}, p.claims()),
        "the token is malformed",
    ),
    HostileToken(
        "unknown-kid", lambda p: p.token(key=FOREIGN_KEY), "the token's signing key is unknown"
    ),
    HostileToken(
        "known-kid-foreign-key",
        lambda p: signed(FOREIGN_KEY, {"alg": "RS256", "kid": p.key.kid}, p.claims()),
        "the token's signature does not verify",
    ),
    HostileToken("tampered-payload", with_payload_swapped, "the token's signature does not verify"),
    HostileToken("truncated", lambda p: p.token()[:-400], "the token is malformed"),
    HostileToken("two-segments", lambda p: p.token().rsplit(".", 1)[0], "the token is malformed"),
    HostileToken("not-base64", lambda p: "!!!$$$.@@@***.%%%^^^", "the token is malformed"),
    HostileToken(
        "header-not-json",
        lambda p: f"{segment(b'not json')}.{segment(p.claims())}.c2ln",
        "the token is malformed",
    ),
    HostileToken(
        "10-kb-header",
        lambda p: p.token(headers={"x": "A" * 10_240}),
        "the token is too long",
    ),
    HostileToken(
        "deeply-nested-claims",
        with_nested_claims,
        "the token's JSON nests too deeply",
    ),
    HostileToken(
        "deeply-nested-header",
        lambda p: unsigned(nested_json(b'{"alg": "RS256", "kid": "k", ', 2000), p.claims()),
        "the token's JSON nests too deeply",
    ),
    HostileToken("no-subject", lambda p: p.token(sub=None), "the token lacks a required claim"),
    HostileToken("no-expiry", lambda p: p.token(exp=None), "the token lacks a required claim"),
    HostileToken("expiry-not-a-number", lambda p: p.token(exp="never"), "the token is malformed"),
    HostileToken(
        "scopes-not-strings",
        lambda p: p.token(scope={"items": "write"}),
        "the token's scopes are neither a string nor a list of strings",
    ),
]
