"""An option that is not chosen leaves nothing behind: no file, import, dependency,
setting or README line."""

import re
import tomllib
from pathlib import Path

import pytest

from tests.conftest import Bake, is_copied_verbatim
from tests.options import Options

DATABASE_WORDS = re.compile(
    r"sqlmodel|sqlalchemy|alembic|asyncpg|aiosqlite|database|postgres|sqlite", re.IGNORECASE
)
POSTGRESQL_WORDS = re.compile(r"asyncpg|postgres|initdb|TEST_DATABASE_URL", re.IGNORECASE)
SQLITE_WORDS = re.compile(r"sqlite", re.IGNORECASE)
# httpx may stay, as the tests' client of the app; the HTTP client option may not.
HTTP_CLIENT_WORDS = re.compile(r"upstream|aiohttp", re.IGNORECASE)
KUBERNETES_WORDS = re.compile(r"kubernetes|kubectl|deploy/", re.IGNORECASE)
# The loop guard and the middleware speak of WebSockets and background tasks in
# general, whatever the options; these words belong to the examples alone.
EXAMPLES_WORDS = re.compile(r"examples|fan-?out|primes|worker_pool|JobBoard|rooms", re.IGNORECASE)
FANOUT_WORDS = re.compile(r"fan-?out", re.IGNORECASE)
OBSERVABILITY_WORDS = re.compile(
    r"observability|prometheus|opentelemetry|otel_|/metrics|trace_id|traceparent|\bspans?\b",
    re.IGNORECASE,
)

# PostgreSQL's `--auth=trust` and POSTGRES_HOST_AUTH_METHOD are not this option's.
AUTH_WORDS = re.compile(
    r"\bauth[_./]|\bAUTH_(?!METHOD)|oidc|openid|jwt|jwks|bearer|principal|identity.provider"
    r"|authenticat|www-authenticate|cryptography",
    re.IGNORECASE,
)
# "cache" alone is too common a word (uv's cache, a cached build layer), and the
# examples' README names Redis among the job queues; these words are the option's.
# Authentication's keys are "rate-limited" too, so the limits' own names are the words.
CACHE_WORDS = re.compile(
    r"REDIS_|redis-server|redis\.asyncio|redis:7|(?-i:RATE_LIMIT)|rate_limits\b|RateLimit-"
    r"|Retry-After|read-through",
    re.IGNORECASE,
)
ITEM_CACHE_WORDS = re.compile(r"item_cache|ItemCache|read-through|cache;desc", re.IGNORECASE)


def mentions(project: Path, words: re.Pattern[str]) -> list[str]:
    """Every file (and file name) of the project that matches `words`.

    `.cookiecutter.json` is left out: it records every answer, "none" included.
    So are the files copied without rendering (the API docs' assets): the same
    in every combination, they cannot carry an option, and Swagger UI speaks of
    OpenAPI's own "examples".
    """
    found = []
    for path in sorted(project.rglob("*")):
        relative = str(path.relative_to(project))
        if relative == ".cookiecutter.json" or is_copied_verbatim(path.relative_to(project)):
            continue
        if words.search(relative):
            found.append(relative)
        elif path.is_file() and (match := words.search(path.read_text(encoding="utf-8"))):
            found.append(f"{relative}: {match.group()}")
    return found


def runtime_dependencies(project: Path) -> list[str]:
    dependencies: list[str] = tomllib.loads((project / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    return dependencies


def development_dependencies(project: Path) -> list[str]:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    dependencies: list[str] = pyproject["dependency-groups"]["dev"]
    return dependencies


def test_no_database_leaves_no_trace(bake: Bake, options: Options) -> None:
    project = bake(options)
    if options.has_database:
        assert mentions(project, DATABASE_WORDS) != []
    else:
        assert mentions(project, DATABASE_WORDS) == []


def test_the_database_not_chosen_leaves_no_trace(bake: Bake, options: Options) -> None:
    project = bake(options)
    if options.database == "sqlite":
        assert mentions(project, POSTGRESQL_WORDS) == []
    if options.database == "postgresql":
        assert mentions(project, SQLITE_WORDS) == []


def test_no_http_client_leaves_no_trace(bake: Bake, options: Options) -> None:
    project = bake(options)
    dependencies = runtime_dependencies(project)
    source = mentions(project / "src", re.compile(r"httpx"))
    if options.has_http_client:
        assert mentions(project, HTTP_CLIENT_WORDS) != []
        assert any(dependency.startswith("httpx-aiohttp") for dependency in dependencies)
    elif options.has_auth:
        # Authentication fetches the provider's keys through an httpx client of its
        # own, with the TLS context of tls.py, which the shared client would use too.
        assert mentions(project, HTTP_CLIENT_WORDS) == []
        assert [d for d in dependencies if "httpx" in d] == ["httpx>=0.28"]
        assert source != []
        outbound = ("my_service/auth/", "my_service/tls.py:")
        assert all(line.startswith(outbound) for line in source), source
    else:
        assert mentions(project, HTTP_CLIENT_WORDS) == []
        assert not any("httpx" in dependency for dependency in dependencies)
        assert source == []


@pytest.mark.with_kubernetes
def test_no_kubernetes_leaves_no_trace(bake: Bake, options: Options) -> None:
    project = bake(options)
    if options.has_kubernetes:
        assert (project / "deploy" / "kubernetes").is_dir()
    else:
        assert mentions(project, KUBERNETES_WORDS) == []


def test_no_examples_leaves_no_trace(bake: Bake, options: Options) -> None:
    project = bake(options)
    websockets = [d for d in development_dependencies(project) if d.startswith("websockets")]
    if options.has_examples:
        assert (project / "src" / "my_service" / "examples").is_dir()
        assert websockets != []
    else:
        assert mentions(project, EXAMPLES_WORDS) == []
        assert websockets == []


def test_the_fan_out_example_needs_the_http_client(bake: Bake, options: Options) -> None:
    project = bake(options)
    if options.has_examples and options.has_http_client:
        assert (project / "src" / "my_service" / "examples" / "fanout.py").is_file()
    else:
        assert mentions(project, FANOUT_WORDS) == []


@pytest.mark.with_kubernetes
def test_no_observability_leaves_no_trace(bake: Bake, options: Options) -> None:
    project = bake(options)
    dependencies = runtime_dependencies(project)
    if options.has_observability:
        assert (project / "src" / "my_service" / "observability").is_dir()
        assert any(dependency.startswith("prometheus-client") for dependency in dependencies)
    else:
        assert mentions(project, OBSERVABILITY_WORDS) == []
        assert not any(
            dependency.startswith(("prometheus", "opentelemetry")) for dependency in dependencies
        )


@pytest.mark.with_kubernetes
def test_no_auth_leaves_no_trace(bake: Bake, options: Options) -> None:
    project = bake(options)
    dependencies = runtime_dependencies(project)
    if options.has_auth:
        assert (project / "src" / "my_service" / "auth").is_dir()
        assert any(dependency.startswith("pyjwt[crypto]") for dependency in dependencies)
        client = "shared_client.py" if options.has_http_client else "own_client.py"
        package = project / "src" / "my_service" / "auth"
        assert sorted(path.name for path in package.glob("*_client.py")) == [client]
    else:
        assert mentions(project, AUTH_WORDS) == []
        assert not any(dependency.startswith("pyjwt") for dependency in dependencies)


def test_no_cache_leaves_no_trace(bake: Bake, options: Options) -> None:
    project = bake(options)
    dependencies = runtime_dependencies(project)
    if options.has_cache:
        assert (project / "src" / "my_service" / "cache").is_dir()
        assert any(dependency.startswith("redis") for dependency in dependencies)
    else:
        assert mentions(project, CACHE_WORDS) == []
        assert not any(dependency.startswith("redis") for dependency in dependencies)


def test_the_item_cache_needs_the_database(bake: Bake, options: Options) -> None:
    project = bake(options)
    if options.has_cache and options.has_database:
        assert (project / "src" / "my_service" / "cache" / "items.py").is_file()
    else:
        assert mentions(project, ITEM_CACHE_WORDS) == []


@pytest.mark.with_kubernetes
def test_every_test_helper_baked_is_used(bake: Bake, options: Options) -> None:
    # A helper in tests/support that only a feature not chosen imported is a trace of it.
    tests = bake(options) / "tests"
    sources = {path: path.read_text(encoding="utf-8") for path in tests.rglob("*.py")}
    helpers = [path for path in (tests / "support").glob("*.py") if path.stem != "__init__"]

    unused = [
        helper.name
        for helper in helpers
        if not any(
            re.search(rf"\.{helper.stem} import ", source)
            for path, source in sources.items()
            if path != helper
        )
    ]
    assert helpers != []
    assert unused == []
