"""Fixtures of the template's tests: baked projects, a shared PostgreSQL, a command runner."""

import fnmatch
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.options import ALL_OPTIONS, KUBERNETES_OPTIONS, Options

TEMPLATE = Path(__file__).resolve().parents[1]
PROJECT_TEMPLATE = TEMPLATE / "{{cookiecutter.project_slug}}"

Bake = Callable[[Options], Path]

# What cookiecutter copies as it is (`_copy_without_render`): the API docs'
# assets, vendored Swagger UI and ReDoc among them, the same bytes in every
# combination. Minified third-party code may hold `{{`, the word "examples"
# or something shaped like a token, so the checks of the template's own text
# leave these files out; test_bake.py checks they arrive unchanged.
COPIED_VERBATIM: list[str] = json.loads((TEMPLATE / "cookiecutter.json").read_text())[
    "_copy_without_render"
]


def is_copied_verbatim(relative: Path) -> bool:
    """Whether a baked file, by its path in the project, is one the template copies as it is."""
    return any(
        fnmatch.fnmatch(str(path), pattern)
        for path in (relative, *relative.parents)
        for pattern in COPIED_VERBATIM
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that takes `options` once per combination, with readable ids.

    Tests marked `with_kubernetes` also run for the combinations with manifests.
    """
    if "options" in metafunc.fixturenames:
        combinations = list(ALL_OPTIONS)
        if metafunc.definition.get_closest_marker("with_kubernetes"):
            combinations += KUBERNETES_OPTIONS
        metafunc.parametrize("options", combinations, ids=[options.id for options in combinations])


@pytest.fixture(scope="session")
def bake(cookies_session: Any) -> Bake:
    """Bake a combination once per test session (per xdist worker) and return its path."""
    baked: dict[Options, Path] = {}

    def bake_once(options: Options) -> Path:
        if options not in baked:
            result = cookies_session.bake(extra_context=options.context())
            assert result.exit_code == 0, f"{options.id} did not bake: {result.exception!r}"
            baked[options] = Path(result.project_path)
        return baked[options]

    return bake_once


def run(
    command: Sequence[str | Path], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; its output is kept for the failure message.

    TEST_DATABASE_URL is passed on only when `env` sets it: each test chooses
    which PostgreSQL a baked suite uses.
    """
    inherited = {name: value for name, value in os.environ.items() if name != "TEST_DATABASE_URL"}
    inherited["PYTHONDONTWRITEBYTECODE"] = "1"  # leave the baked project as it was baked
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=inherited | (env or {}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_succeeded(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, (
        f"`{' '.join(result.args)}` exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    )


def python_tool(*arguments: str) -> list[str]:
    """A Python tool of this environment (ruff, mypy, pytest), run with this interpreter."""
    return [sys.executable, "-m", *arguments]


def installed_tool(name: str, *arguments: str) -> list[str]:
    """A command this environment installed (hadolint, zizmor, ...), by its full path."""
    return [str(Path(sys.executable).parent / name), *arguments]


def load_baked_support() -> dict[str, ModuleType]:
    """The helpers of the baked tests (`tests/support`: plain Python, no Jinja), by module name.

    Loaded from the template as the package `baked_support`: the template's
    tests use the same ports, served processes, throwaway PostgreSQL and
    upstream server as the baked projects, rather than copies of them.
    """
    directory = PROJECT_TEMPLATE / "tests" / "support"
    spec = importlib.util.spec_from_file_location(
        "baked_support", directory / "__init__.py", submodule_search_locations=[str(directory)]
    )
    assert spec is not None
    assert spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules["baked_support"] = package
    names = (
        *("otlp_receiver", "ports", "postgres", "scraping"),
        *("serving", "upstream_server", "waiting"),
        "identity_provider",
    )
    # Imported from the template itself, they must leave no __pycache__ there:
    # cookiecutter would copy it into every bake.
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(package)
        return {name: importlib.import_module(f"baked_support.{name}") for name in names}
    finally:
        sys.dont_write_bytecode = writes_bytecode


baked_support = load_baked_support()
otlp_receiver = baked_support["otlp_receiver"]
ports = baked_support["ports"]
postgres = baked_support["postgres"]
scraping = baked_support["scraping"]
serving = baked_support["serving"]
upstream_server = baked_support["upstream_server"]
waiting = baked_support["waiting"]
identity_provider = baked_support["identity_provider"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server for the baked suites, shared by the tests of one worker."""
    try:
        with postgres.throwaway_cluster() as url:
            yield url
    except postgres.ClusterUnavailableError as exc:
        pytest.fail(f"the template's tests need PostgreSQL server binaries: {exc}", pytrace=False)
