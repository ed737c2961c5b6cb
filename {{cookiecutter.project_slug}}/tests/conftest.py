"""Fixtures shared by every test: the service's settings, app and client.

Each feature's own fixtures (its servers, its settings in the tests) are in
`tests/<feature>/fixtures.py`, loaded below for every feature that has one.
Such a module may define:

- a fixture `<feature>_settings`: the values its settings take in the tests;
- `REQUIRED_ENVIRONMENT`: its variables without a default, with valid values;
- `ROUTE_REQUESTS`: one request for each of its routes (test_loop_guard.py);
- a fixture `<feature>_client_headers`: headers every request of `client`
  carries (the credentials its routes need).

The service's own modules are imported in the fixtures, not here: under
pytest-xdist the process that hands out the tests loads this file too, and
runs none of them; importing every feature there delayed the workers' start
by a second.
"""

import importlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests import PROJECT_ROOT
from tests.support.serving import client_for

if TYPE_CHECKING:
    from fastapi import FastAPI

    from {{ cookiecutter.package_name }}.settings import Settings

# `tests/<feature>/fixtures.py` of each feature that has one, by feature name:
# pytest loads them as plug-ins.
FIXTURE_MODULES = {
    fixtures.parent.name: f"tests.{fixtures.parent.name}.fixtures"
    for fixtures in sorted((PROJECT_ROOT / "tests").glob("*/fixtures.py"))
}
pytest_plugins = list(FIXTURE_MODULES.values())


def feature_fixtures() -> dict[str, ModuleType]:
    """The features' fixture modules, by feature name (once pytest has loaded them)."""
    return {name: importlib.import_module(module) for name, module in FIXTURE_MODULES.items()}


def required_environment() -> dict[str, str]:
    """Every variable without a default, with a value that passes validation."""
    return {
        name: value
        for module in feature_fixtures().values()
        for name, value in getattr(module, "REQUIRED_ENVIRONMENT", {}).items()
    }


@pytest.fixture
def settings(request: pytest.FixtureRequest) -> "Settings":
    from {{ cookiecutter.package_name }}.settings import Settings

    # model_validate takes exactly these values: no environment variable and
    # no .env file of the developer's can leak into a test.
    values: dict[str, Any] = {
        # Tests run beside threads of their own and on busy CI machines: 250 ms
        # leaves a margin, and still catches the 300 ms block of test_loop_guard.
        "loop_block_threshold_ms": 250,
    }
    for name, module in feature_fixtures().items():
        if hasattr(module, f"{name}_settings"):
            values |= request.getfixturevalue(f"{name}_settings")
    return Settings.model_validate(values)


@pytest.fixture(autouse=True)
def event_loop_never_blocked(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail any test during which the service blocked its event loop, naming the route."""
    yield
    records = [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
    blocks = [r.getMessage() for r in records if r.name.endswith(".loop_guard")]
    assert not blocks, "\n\n".join(blocks)


@pytest.fixture
def client_headers(request: pytest.FixtureRequest) -> dict[str, str]:
    """The headers the features' fixtures put on every request of `client`."""
    headers: dict[str, str] = {}
    for name, module in feature_fixtures().items():
        if hasattr(module, f"{name}_client_headers"):
            headers |= request.getfixturevalue(f"{name}_client_headers")
    return headers


@pytest.fixture
def app(settings: "Settings") -> "FastAPI":
    from {{ cookiecutter.package_name }}.app import create_app

    return create_app(settings)


@pytest.fixture
async def client(
    app: "FastAPI", client_headers: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app, headers=client_headers) as client:
        yield client


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A clean environment in a directory without `.env`, with the required variables set."""
    monkeypatch.chdir(tmp_path)
    required = required_environment()
    for name in [*required, "DOCS_ENABLED", "HEALTH_CHECK_TIMEOUT", "LOG_LEVEL"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in required.items():
        monkeypatch.setenv(name, value)
    return monkeypatch
