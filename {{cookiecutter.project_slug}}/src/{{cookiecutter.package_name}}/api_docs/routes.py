"""The schema, the docs pages, the files they load, and Swagger UI's OAuth2 redirect page.

The pages are HTML with no inline script, so their Content-Security-Policy
(policy.py) can forbid every one: Swagger UI is started by
`assets/start-swagger-ui.js`, which reads the schema's URL from a data
attribute, and ReDoc starts by itself on its `<redoc spec-url>` element.
"""

import asyncio
from html import escape

from fastapi import HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from {{ cookiecutter.package_name }}.api_docs import policy
from {{ cookiecutter.package_name }}.api_docs.assets import DIRECTORY, MEDIA_TYPES, asset_url
from {{ cookiecutter.package_name }}.routing import feature_router

router = feature_router(include_in_schema=False)

OPENAPI_URL = "/openapi.json"

# A page names its assets by fingerprint, so it is asked for again each time
# (it is small); an asset's URL changes with its content, so it is kept a year.
PAGE_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=31536000, immutable"

# The pages' icon is empty (`data:,`): otherwise the browser asks for
# /favicon.ico, which the service does not have, and logs the 404 as an error.
SWAGGER_UI_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{title} - Swagger UI</title>
<link rel="stylesheet" href="{swagger_ui_css}">
<link rel="stylesheet" href="{api_docs_css}">
</head>
<body>
<div id="swagger-ui"
     data-openapi-url="{openapi_url}"
     data-oauth2-redirect-url="{oauth2_redirect_url}"></div>
<script src="{swagger_ui_bundle_js}"></script>
<script src="{start_swagger_ui_js}"></script>
</body>
</html>
"""

REDOC_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{title} - ReDoc</title>
<link rel="stylesheet" href="{api_docs_css}">
</head>
<body>
<redoc spec-url="{openapi_url}"></redoc>
<script src="{redoc_standalone_js}"></script>
</body>
</html>
"""

OAUTH2_REDIRECT_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Swagger UI: OAuth2 redirect</title>
</head>
<body>
<script src="{oauth2_redirect_js}"></script>
</body>
</html>
"""


def root_path(request: Request) -> str:
    """Where a proxy mounts the app (uvicorn's `--root-path`): the pages' URLs start with it."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def html_page(template: str, content_security_policy: str, **values: str) -> HTMLResponse:
    """`template` filled with `values`, each escaped: the title is the operator's text."""
    headers = {
        "Content-Security-Policy": content_security_policy,
        "Cache-Control": PAGE_CACHE,
        "X-Content-Type-Options": "nosniff",
    }
    page = template.format(**{name: escape(value) for name, value in values.items()})
    return HTMLResponse(page, headers=headers)


@router.get(OPENAPI_URL)
async def openapi_schema(request: Request) -> JSONResponse:
    """The OpenAPI schema, built once, in a thread.

    FastAPI's own route builds it on the event loop at the first request:
    tens of milliseconds of CPU, and on a loaded machine over 250 (the loop
    guard caught it). Behind a proxy prefix, the schema names it as its
    server, so that "Try it out" calls through the proxy.
    """
    app = request.app
    schema = app.openapi_schema or await asyncio.to_thread(app.openapi)
    prefix = root_path(request)
    if prefix and not app.servers:
        schema = {**schema, "servers": [{"url": prefix}]}
    return JSONResponse(schema)


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    prefix = root_path(request)
    return html_page(
        SWAGGER_UI_PAGE,
        policy.SWAGGER_UI,
        title=request.app.title,
        openapi_url=prefix + OPENAPI_URL,
        oauth2_redirect_url=f"{prefix}/docs/oauth2-redirect",
        swagger_ui_css=asset_url(prefix, "swagger-ui.css"),
        api_docs_css=asset_url(prefix, "api-docs.css"),
        swagger_ui_bundle_js=asset_url(prefix, "swagger-ui-bundle.js"),
        start_swagger_ui_js=asset_url(prefix, "start-swagger-ui.js"),
    )


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    prefix = root_path(request)
    return html_page(
        REDOC_PAGE,
        policy.REDOC,
        title=request.app.title,
        openapi_url=prefix + OPENAPI_URL,
        api_docs_css=asset_url(prefix, "api-docs.css"),
        redoc_standalone_js=asset_url(prefix, "redoc.standalone.js"),
    )


@router.get("/docs/oauth2-redirect")
async def oauth2_redirect(request: Request) -> HTMLResponse:
    """Where an OAuth2 server sends the browser back to, in the window Swagger UI opened."""
    oauth2_redirect_js = asset_url(root_path(request), "oauth2-redirect.js")
    return html_page(
        OAUTH2_REDIRECT_PAGE, policy.OAUTH2_REDIRECT, oauth2_redirect_js=oauth2_redirect_js
    )


@router.get("/docs/assets/{name}")
async def asset(name: str) -> FileResponse:
    media_type = MEDIA_TYPES.get(name)
    if media_type is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no docs asset named {name!r}")
    headers = {
        "Cache-Control": ASSET_CACHE,
        "Content-Security-Policy": policy.ASSETS,
        "X-Content-Type-Options": "nosniff",
    }
    return FileResponse(DIRECTORY / name, media_type=media_type, headers=headers)
