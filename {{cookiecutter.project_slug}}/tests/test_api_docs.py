"""The API docs, /docs (Swagger UI) and /redoc (ReDoc), come from this service alone:
pages without inline script, under a policy that allows no other origin, loading
only the assets on the list, which are the files assets/README.md names.

That the pages render in a browser under that policy is tested by the
template the service was made from, in headless Chromium.
"""

import hashlib
import re
import threading
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.api_docs.assets import DIRECTORY, MEDIA_TYPES
from tests.support.serving import lifespan_of

PAGES = ["/docs", "/redoc", "/docs/oauth2-redirect"]


class PageParts(HTMLParser):
    """The elements of a page, with their attributes, and the text of its scripts."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.script_text = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if self.lasttag == "script":
            self.script_text += data.strip()

    def urls(self) -> list[str]:
        """What the page loads: its scripts, style sheets and icon."""
        return [
            url
            for tag, attrs in self.elements
            if tag in ("script", "link")
            for url in [attrs.get("src") or attrs.get("href")]
            if url is not None
        ]

    def first(self, tag: str) -> dict[str, str | None]:
        return next(attrs for name, attrs in self.elements if name == tag)


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: sources}."""
    parts = (directive.split() for directive in policy.split(";"))
    return {name: sources for name, *sources in parts}


@pytest.mark.parametrize("path", PAGES)
async def test_a_docs_page_allows_no_other_origin_and_no_inline_script(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] in (["'self'"], ["'none'"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    sources = {source for allowed in policy.values() for source in allowed}
    assert sources <= {"'self'", "'none'", "'unsafe-inline'", "data:", "blob:"}
    # Inline styles only where a viewer writes its own (ReDoc), never inline scripts.
    assert "'unsafe-inline'" not in policy.get("script-src", [])
    assert set(policy.get("style-src", [])) <= {"'self'", "'unsafe-inline'"}


@pytest.mark.parametrize("path", PAGES)
async def test_a_docs_page_has_no_script_or_style_of_its_own(
    client: httpx.AsyncClient, path: str
) -> None:
    page = PageParts((await client.get(path)).text)

    assert page.script_text == ""
    assert all(attrs.get("src") for tag, attrs in page.elements if tag == "script")
    assert not [tag for tag, _ in page.elements if tag == "style"]
    handlers = [name for _, attrs in page.elements for name in attrs if name.startswith("on")]
    assert handlers == []
    assert not [tag for tag, attrs in page.elements if "style" in attrs]


@pytest.mark.parametrize("path", PAGES)
async def test_a_docs_page_loads_only_assets_that_are_served_here_and_kept_a_year(
    client: httpx.AsyncClient, path: str
) -> None:
    urls = PageParts((await client.get(path)).text).urls()
    assets = [url for url in urls if url != "data:,"]  # the empty icon

    assert assets
    for url in assets:
        assert re.fullmatch(r"/docs/assets/[a-z0-9.-]+\?v=[0-9a-f]{16}", url), url
        response = await client.get(url)
        assert response.status_code == 200, url
        assert "immutable" in response.headers["cache-control"]
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_every_asset_on_the_list_is_served_with_its_media_type(
    client: httpx.AsyncClient,
) -> None:
    for name, media_type in MEDIA_TYPES.items():
        response = await client.get(f"/docs/assets/{name}")

        assert response.status_code == 200, name
        assert response.headers["content-type"] == media_type
        assert response.content == (DIRECTORY / name).read_bytes()


@pytest.mark.parametrize(
    "name",
    ["README.md", "redoc.LICENSE", "swagger-ui-bundle.js.LICENSE.txt", "..%2Froutes.py", "x.js"],
)
async def test_a_file_off_the_list_is_not_served(client: httpx.AsyncClient, name: str) -> None:
    response = await client.get(f"/docs/assets/{name}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"


async def test_swagger_ui_is_given_the_schema_and_its_redirect_page_in_data_attributes(
    client: httpx.AsyncClient,
) -> None:
    page = PageParts((await client.get("/docs")).text)

    swagger_ui = page.first("div")
    assert swagger_ui["id"] == "swagger-ui"
    assert swagger_ui["data-openapi-url"] == "/openapi.json"
    assert swagger_ui["data-oauth2-redirect-url"] == "/docs/oauth2-redirect"


async def test_redoc_is_given_the_schema_in_its_element(client: httpx.AsyncClient) -> None:
    page = PageParts((await client.get("/redoc")).text)

    assert page.first("redoc")["spec-url"] == "/openapi.json"


async def test_the_service_name_is_escaped_in_the_page_titles(app: FastAPI) -> None:
    app.title = "<b>Billing</b> & co"

    async with lifespan_of(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            pages = [(await client.get(path)).text for path in ("/docs", "/redoc")]

    for page in pages:
        assert "<title>&lt;b&gt;Billing&lt;/b&gt; &amp; co - " in page


async def test_the_schema_is_built_once_and_off_the_event_loop(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    build = app.openapi
    built_on: list[int] = []

    def recorded_build() -> dict[str, Any]:
        built_on.append(threading.get_ident())
        return build()

    app.openapi = recorded_build  # type: ignore[method-assign]
    schemas = [(await client.get("/openapi.json")).json() for _ in range(2)]

    assert schemas[0] == schemas[1]
    assert "/health" in schemas[0]["paths"]
    assert len(built_on) == 1
    assert built_on[0] != threading.get_ident()  # not the event loop's thread


async def test_behind_a_proxy_prefix_the_schema_names_it_as_its_server(app: FastAPI) -> None:
    async with lifespan_of(app) as manager:
        transport = httpx.ASGITransport(app=manager.app, root_path="/service")
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            behind = (await client.get("/service/openapi.json")).json()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://service"
        ) as client:
            direct = (await client.get("/openapi.json")).json()

    assert behind["servers"] == [{"url": "/service"}]
    assert "servers" not in direct


async def test_behind_a_proxy_prefix_every_url_of_a_page_starts_with_it(app: FastAPI) -> None:
    async with lifespan_of(app) as manager:
        transport = httpx.ASGITransport(app=manager.app, root_path="/service")
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            docs = PageParts((await client.get("/service/docs")).text)
            redoc = PageParts((await client.get("/service/redoc")).text)

    urls = [
        *docs.urls(),
        *redoc.urls(),
        docs.first("div")["data-openapi-url"],
        docs.first("div")["data-oauth2-redirect-url"],
        redoc.first("redoc")["spec-url"],
    ]
    assert [url for url in urls if url != "data:,"] == [
        url for url in urls if url and url.startswith("/service/")
    ]


def test_the_vendored_assets_are_the_files_assets_readme_names() -> None:
    readme = (DIRECTORY / "README.md").read_text(encoding="utf-8")
    named = dict(re.findall(r"^\| `([\w.-]+)` \| .+ \| `([0-9a-f]{64})` \|$", readme, re.MULTILINE))

    assert set(named) == {
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "oauth2-redirect.js",
        "redoc.standalone.js",
    }
    for name, sha256 in named.items():
        assert hashlib.sha256((DIRECTORY / name).read_bytes()).hexdigest() == sha256, name
    licences = ["swagger-ui-dist.LICENSE", "swagger-ui-dist.NOTICE", "redoc.LICENSE"]
    assert all((DIRECTORY / licence).is_file() for licence in licences)
