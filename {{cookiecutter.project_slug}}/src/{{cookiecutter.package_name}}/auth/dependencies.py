"""What routes use: the verified caller (`PrincipalDep`) and `require_scopes(...)`.

A route that takes `PrincipalDep`, or lists `require_scopes(...)` among its
dependencies, answers 401 to a request without a valid bearer token and 403
when a scope is missing. The caller is also left in `request.state.principal`
for other features (a rate limit by caller, an audit log) to read.
"""

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from {{ cookiecutter.package_name }}.auth.keys import SigningKeys
from {{ cookiecutter.package_name }}.auth.tokens import InvalidTokenError, Principal, verify_token
from {{ cookiecutter.package_name }}.auth.verified import VerifiedTokens
from {{ cookiecutter.package_name }}.errors import ErrorDetail
from {{ cookiecutter.package_name }}.routing import Responses

# Declares the bearer scheme in the OpenAPI schema (Swagger UI's Authorize
# button); a missing or non-bearer header is ours to answer, hence no auto_error.
bearer_scheme = HTTPBearer(bearerFormat="JWT", auto_error=False)

AUTH_ERRORS: Responses = {
    401: {"model": ErrorDetail, "description": "No valid bearer token"},
    403: {"model": ErrorDetail, "description": "The token lacks a scope the route needs"},
    503: {"model": ErrorDetail, "description": "The identity provider's keys cannot be had"},
}


def refused(detail: str) -> HTTPException:
    # RFC 6750, 3: the error code in WWW-Authenticate, the reason in the body.
    challenge = 'Bearer error="invalid_token"'
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, {"WWW-Authenticate": challenge})


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    if credentials is None:
        raise refused("a bearer token is required")
    token = credentials.credentials
    verified: VerifiedTokens = request.state.verified_tokens
    principal = verified.get(token)
    if principal is None:
        keys: SigningKeys = request.state.signing_keys
        try:
            principal = await verify_token(token, keys, request.state.settings)
        except InvalidTokenError as exc:
            raise refused(str(exc)) from None
        verified.add(token, principal)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(authenticate)]


def check_scopes(principal: Principal, needed: frozenset[str]) -> None:
    """Raise 403 unless the principal holds every scope `needed`."""
    if not needed <= principal.scopes:
        missing = " ".join(sorted(needed - principal.scopes))
        challenge = f'Bearer error="insufficient_scope", scope="{" ".join(sorted(needed))}"'
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"the token lacks the scope {missing}",
            {"WWW-Authenticate": challenge},
        )


def require_scopes(*scopes: str) -> Any:
    """A dependency: a valid token that grants every one of `scopes`, else 401 or 403."""
    needed = frozenset(scopes)

    async def has_scopes(principal: PrincipalDep) -> Principal:
        check_scopes(principal, needed)
        return principal

    return Depends(has_scopes)


# Methods that only read: they need a valid token, and no scope.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes_require_scopes(*scopes: str) -> Any:
    """A dependency for a whole router: a valid token for every request, and
    `scopes` too for the methods that create, change or delete."""
    needed = frozenset(scopes)

    async def has_scopes_to_write(request: Request, principal: PrincipalDep) -> Principal:
        if request.method not in READING_METHODS:
            check_scopes(principal, needed)
        return principal

    return Depends(has_scopes_to_write)
