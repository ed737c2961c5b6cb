"""The app factory: builds the FastAPI app from its settings and its features."""

from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.telemetry import TelemetryConfig

from {{ cookiecutter.package_name }}.api_docs.routes import router as api_docs_router
from {{ cookiecutter.package_name }}.errors import ERROR_HANDLERS
from {{ cookiecutter.package_name }}.feature import Feature
from {{ cookiecutter.package_name }}.features import FEATURES
from {{ cookiecutter.package_name }}.lifespan import build_lifespan
from {{ cookiecutter.package_name }}.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from {{ cookiecutter.package_name }}.routing import SERVER_ERROR, add_routes, operation_id
from {{ cookiecutter.package_name }}.settings import Settings

# FastAPI's own telemetry hooks check on every request whether a provider is
# set up; this service does not use them, so it does not pay for the check.
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def create_app(settings: Settings, features: Sequence[Feature] = FEATURES) -> FastAPI:
    app = FastAPI(
        title=settings.app_name,
        lifespan=build_lifespan(settings, features),
        # The schema and the docs pages are api_docs' own: FastAPI's pages
        # would load Swagger UI and ReDoc from a CDN, and its schema route
        # builds the schema on the event loop.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        generate_unique_id_function=operation_id,
        responses=SERVER_ERROR,
        telemetry=NO_TELEMETRY,
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
    # The features' own, between: they see every answer, 413 and CORS refusals
    # included, and the request's context is already set.
    for feature in reversed(features):
        for middleware in reversed(feature.middleware):
            app.add_middleware(middleware.cls, *middleware.args, **middleware.kwargs)
    app.add_middleware(RequestContextMiddleware, log_requests=settings.log_requests)
    for error, handler in ERROR_HANDLERS.items():
        app.add_exception_handler(error, handler)
    for feature in features:
        for router in feature.routers:
            add_routes(app, router)
        for error, handler in feature.exception_handlers.items():
            app.add_exception_handler(error, handler)
    if settings.docs_enabled:  # last: every request to the API matches before the docs
        add_routes(app, api_docs_router)
    return app
