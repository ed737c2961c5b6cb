"""Relay GET requests to the configured upstream through the shared client."""

from typing import Any

from fastapi import Request, Response

from {{ cookiecutter.package_name }}.errors import ErrorDetail
from {{ cookiecutter.package_name }}.routing import feature_router
from {{ cookiecutter.package_name }}.upstream.client import UpstreamDep
from {{ cookiecutter.package_name }}.upstream.relay import build_upstream_url, relay_to_upstream

router = feature_router(prefix="/upstream", tags=["upstream"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorDetail, "description": "The path has '.', '..' or control characters"},
    414: {"model": ErrorDetail, "description": "The path is too long"},
    502: {"model": ErrorDetail, "description": "The upstream is unreachable or failed"},
    504: {"model": ErrorDetail, "description": "The upstream did not answer in time"},
}


@router.get("/{path:path}", responses=ERRORS)
async def relay(path: str, request: Request, upstream: UpstreamDep) -> Response:
    """GET `path` (with the query string) from the upstream and return its answer."""
    url = build_upstream_url(upstream.base_url, path, request.scope["query_string"])
    answer = await relay_to_upstream(upstream, url)
    return Response(
        content=answer.content,
        status_code=answer.status_code,
        media_type=answer.headers.get("content-type"),
    )
