"""Who is calling, known before routing: the principal of a token verified lately.

What acts on a request before its route runs (the rate limits of a cache
feature) cannot wait for the route's dependencies to verify the token. This
middleware looks the bearer token up among the tokens verified lately
(verified.py) and, when it is there, leaves its principal in the request's
state, as the dependencies do. It never verifies and never answers: a token
not seen yet, or not valid, leaves the request as it came, and the route's
dependencies answer it as always. So a caller is known by its token from its
second request on, and never by a token that did not pass every check.
"""

from starlette.types import ASGIApp, Receive, Scope, Send

from {{ cookiecutter.package_name }}.auth.verified import VerifiedTokens

BEARER = b"bearer "


class KnownCallerMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            token = bearer_token(scope["headers"])
            if token is not None:
                state = scope["state"]
                verified: VerifiedTokens = state["verified_tokens"]
                principal = verified.get(token)
                if principal is not None:
                    state["principal"] = principal
        await self.app(scope, receive, send)


def bearer_token(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization" and value[:7].lower() == BEARER:
            return value[7:].strip().decode("latin-1")
    return None
