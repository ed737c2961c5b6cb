"""The served API docs work in a real browser, from the service alone: headless
Chromium loads /docs (Swagger UI) and /redoc (ReDoc) with every other origin
blocked, and each page shows every operation of the schema, under the pages'
Content-Security-Policy, without one console error; Swagger UI's "Try it out"
calls the service and shows its answer.

The browser is Debian's Chromium (/usr/bin/chromium; .ci/run installs it),
driven by Playwright, which never downloads a browser of its own here.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Route,
    ViewportSize,
    sync_playwright,
)

from tests.conftest import Bake
from tests.options import Options
from tests.served import Served, serve_with_a_database

CHROMIUM = Path("/usr/bin/chromium")
# Headless as root, with none of Chromium's own calls home (updates, sync,
# field trials, safe browsing), which would leave this machine.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
# Generous for a 2-core machine running other tests; a page that works renders in about a second.
RENDER_TIMEOUT_MS = 30_000


@dataclass
class Visit:
    """A page open in the browser, with what went wrong while it was open."""

    page: Page
    blocked_requests: list[str] = field(default_factory=list)  # to another origin
    console_errors: list[str] = field(default_factory=list)  # CSP violations included


@pytest.fixture(scope="module")
def served(bake: Bake, postgres_server: str) -> Iterator[Served]:
    with serve_with_a_database(bake(Options("postgresql", "yes")), postgres_server) as served:
        yield served


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Browser]:
    # After the service: Playwright's sync API keeps an event loop running in
    # this thread, and setting the service up runs one of its own (asyncio.run).
    if not CHROMIUM.is_file():
        pytest.fail(
            f"the browser tests need Debian's Chromium at {CHROMIUM}: "
            "`apt-get install chromium` (.ci/run installs it)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def operations(served: Served) -> list[dict[str, Any]]:
    """Every operation of the served schema: method, path, first tag, id, summary."""
    schema = httpx.get(f"{served.url}/openapi.json").json()
    return [
        {"method": method.upper(), "path": path, "tag": operation["tags"][0]}
        | {"id": operation["operationId"], "summary": operation["summary"]}
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


@contextmanager
def visit(browser: Browser, url: str) -> Iterator[Visit]:
    """Open `url` in a fresh browser context where any request to another origin is
    refused and recorded, as is every console error and uncaught exception."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    opened = Visit(page)

    def only_the_service(route: Route) -> None:
        if origin(route.request.url) == origin(url):
            route.continue_()
        else:
            opened.blocked_requests.append(route.request.url)
            route.abort("blockedbyclient")

    def record_error(message: ConsoleMessage) -> None:
        if message.type == "error":
            opened.console_errors.append(message.text)

    context.route("**/*", only_the_service)
    page.on("console", record_error)
    page.on("pageerror", lambda error: opened.console_errors.append(f"uncaught: {error}"))
    try:
        page.goto(url)
        yield opened
    finally:
        context.close()


def screenshot(page: Page, path: Path) -> None:
    page.screenshot(path=path)
    print(f"screenshot: {path}")


def test_swagger_ui_shows_every_operation_and_tries_one_out(
    browser: Browser, served: Served, operations: list[dict[str, Any]], tmp_path: Path
) -> None:
    started = time.monotonic()
    with visit(browser, f"{served.url}/docs") as docs:
        # Each operation's block, `operations-<tag>-<id>`, with its method and path.
        blocks = docs.page.locator(".opblock")
        blocks.nth(len(operations) - 1).wait_for(timeout=RENDER_TIMEOUT_MS)
        shown = blocks.evaluate_all(
            """blocks => blocks.map(block => [
                block.querySelector(".opblock-summary-method").textContent,
                block.querySelector(".opblock-summary-path").dataset.path,
                block.id,
            ])"""
        )
        screenshot(docs.page, tmp_path / "docs.png")

        liveness = docs.page.locator("#operations-health-health-liveness")
        liveness.locator(".opblock-summary-control").click()
        liveness.get_by_role("button", name="Try it out").click()
        liveness.get_by_role("button", name="Execute").click()
        status = liveness.locator(".live-responses-table td.response-col_status:not(.col_header)")
        status.wait_for(timeout=RENDER_TIMEOUT_MS)
        answered = status.inner_text().strip()
        screenshot(docs.page, tmp_path / "docs-try-it-out.png")

    print(f"Swagger UI: {len(shown)} operations in {time.monotonic() - started:.1f} s")
    assert sorted(shown) == sorted(
        [o["method"], o["path"], f"operations-{o['tag']}-{o['id']}"] for o in operations
    )
    assert answered == "200"
    assert docs.blocked_requests == []
    assert docs.console_errors == []


def test_redoc_shows_every_operation(
    browser: Browser, served: Served, operations: list[dict[str, Any]], tmp_path: Path
) -> None:
    started = time.monotonic()
    with visit(browser, f"{served.url}/redoc") as redoc:
        # Each operation's section, `tag/<tag>/operation/<id>`, and its heading.
        sections = redoc.page.locator("[data-section-id^='tag/'][data-section-id*='/operation/']")
        sections.nth(len(operations) - 1).locator("h2").wait_for(timeout=RENDER_TIMEOUT_MS)
        shown = sections.evaluate_all(
            """sections => sections.map(section => [
                section.dataset.sectionId,
                section.querySelector("h2").textContent.trim(),
            ])"""
        )
        screenshot(redoc.page, tmp_path / "redoc.png")

    print(f"ReDoc: {len(shown)} operations in {time.monotonic() - started:.1f} s")
    assert sorted(shown) == sorted(
        [f"tag/{o['tag']}/operation/{o['id']}", o["summary"]] for o in operations
    )
    assert redoc.blocked_requests == []
    assert redoc.console_errors == []
