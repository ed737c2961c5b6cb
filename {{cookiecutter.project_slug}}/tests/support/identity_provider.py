"""A real OpenID Connect identity provider on 127.0.0.1, as far as a service sees one.

It serves its discovery document and its key set (JWKS), signs tokens with a
key it generates, and can rotate that key, fail, or answer slowly, so that
tests see what a service sees when a real provider does the same. It runs
uvicorn in a thread with its own event loop.

- `/.well-known/openid-configuration`: the issuer and the `jwks_uri`;
- `/jwks`: the public keys, with `Cache-Control: max-age=<max_age>`;
  counted in `jwks_fetches`. While `failing`, both answer 503.

Run as a program, it serves until stopped and prints its issuer, the audience
and a token, as one JSON line: a provider for trying the service by hand
(README.md, "Authentication") and for the template's served tests.
"""

import argparse
import asyncio
import itertools
import json
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.types import Receive, Scope, Send

from .threaded_server import serving_in_a_thread

AUDIENCE = "my-service-api"
KEY_NUMBERS = itertools.count(1)


class SigningKey:
    """An RSA key pair with its key id."""

    def __init__(self) -> None:
        self.kid = f"test-key-{next(KEY_NUMBERS)}"
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @property
    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}


class IdentityProvider:
    def __init__(self, max_age: int = 300) -> None:
        self.url = ""  # set while running; also the issuer
        self.max_age = max_age
        self.key = SigningKey()
        self.published = [self.key]
        self.jwks_fetches = 0
        self.discovery_fetches = 0
        self.failing = False
        self.delay = 0.0  # seconds each answer waits

    @property
    def issuer(self) -> str:
        return self.url

    def rotate(self) -> SigningKey:
        """Sign with a new key from now on; publish it beside the old one, as providers do."""
        self.key = SigningKey()
        self.published = [self.key, *self.published]
        return self.key

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": "user-1",
            "iat": now,
            "exp": now + 600,
            "scope": "items:write",
            "jti": uuid.uuid4().hex,  # every token its own, as a provider's are
        }
        return {name: value for name, value in {**claims, **overrides}.items() if value is not None}

    def token(
        self, key: SigningKey | None = None, headers: dict[str, Any] | None = None, **claims: Any
    ) -> str:
        """A token signed with `key` (the current one by default); `claims` override
        the defaults, and a claim set to None is left out."""
        key = key or self.key
        return jwt.encode(
            self.claims(**claims),
            key.private,
            algorithm="RS256",
            headers={"kid": key.kid, **(headers or {})},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        if self.delay:
            await asyncio.sleep(self.delay)
        status, headers = 404, []
        body: object = {"detail": "not found"}
        if scope["path"] == "/.well-known/openid-configuration":
            self.discovery_fetches += 1
            status, body = 200, {"issuer": self.issuer, "jwks_uri": f"{self.url}/jwks"}
        elif scope["path"] == "/jwks":
            self.jwks_fetches += 1
            status, body = 200, {"keys": [key.public_jwk for key in self.published]}
            headers = [(b"cache-control", f"public, max-age={self.max_age}".encode())]
        if self.failing:
            status, headers, body = 503, [], {"detail": "down for maintenance"}
        headers.append((b"content-type", b"application/json"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})

    @contextmanager
    def running(self, port: int = 0) -> Iterator["IdentityProvider"]:
        """Serve on `port` of 127.0.0.1 (a free one by default) until the block ends;
        `url` says where."""
        with serving_in_a_thread(self, "the identity provider", port) as url:
            self.url = url
            yield self


def main() -> None:
    parser = argparse.ArgumentParser(description="A local OpenID Connect provider.")
    parser.add_argument("--port", type=int, default=0, help="port of 127.0.0.1 (default: free)")
    parser.add_argument("--scope", default="items:write", help="the token's scopes")
    parser.add_argument("--lifetime", type=int, default=3600, help="seconds the token is valid")
    arguments = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with IdentityProvider().running(arguments.port) as provider:
        token = provider.token(scope=arguments.scope, exp=int(time.time()) + arguments.lifetime)
        print(
            json.dumps({"issuer": provider.issuer, "audience": AUDIENCE, "token": token}),
            flush=True,
        )
        with suppress(KeyboardInterrupt):
            stop.wait()


if __name__ == "__main__":
    main()
