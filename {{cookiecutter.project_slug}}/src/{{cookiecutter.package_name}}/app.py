"""The app factory: builds the FastAPI app from its settings."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from {{ cookiecutter.package_name }}.errors import ErrorDetail
{%- if cookiecutter.examples == "yes" %}
from {{ cookiecutter.package_name }}.examples.router import examples_router
{%- endif %}
from {{ cookiecutter.package_name }}.lifespan import build_lifespan
from {{ cookiecutter.package_name }}.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from {{ cookiecutter.package_name }}.routes import health{% if cookiecutter.database != "none" %}, items{% endif %}{% if cookiecutter.http_client == "yes" %}, upstream{% endif %}
from {{ cookiecutter.package_name }}.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title=settings.app_name,
        lifespan=build_lifespan(settings),
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
        responses={500: {"model": ErrorDetail, "description": "An unexpected error; see the log"}},
    )
    # The last added runs first: the request's id and timing are set before
    # anything else runs, so even a 413 or a CORS refusal carries them.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_body_bytes)
    if settings.cors_allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allow_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "X-Process-Time", "Server-Timing"],
        )
    app.add_middleware(RequestContextMiddleware, log_requests=settings.log_requests)
    app.include_router(health.router)
{%- if cookiecutter.database != "none" %}
    app.include_router(items.router)
{%- endif %}
{%- if cookiecutter.http_client == "yes" %}
    app.include_router(upstream.router)
{%- endif %}
{%- if cookiecutter.examples == "yes" %}
    app.include_router(examples_router)
{%- endif %}
    return app
