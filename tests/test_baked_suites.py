"""Each baked project's own test suite passes, against a real PostgreSQL where it has one."""

from typing import Any

import pytest

from tests.conftest import Bake, assert_succeeded, postgres, python_tool, run
from tests.options import Options


def summary(output: str) -> str:
    """pytest's closing line, e.g. `==== 57 passed in 9.12s ====`."""
    return output.strip().splitlines()[-1]


def test_the_baked_suite_passes(
    bake: Bake, options: Options, request: pytest.FixtureRequest
) -> None:
    project = bake(options)
    env = {"PYTHONPATH": str(project / "src")}
    if options.database == "postgresql" and options.has_http_client:
        # This combination uses the server the template's tests share, as a
        # developer's TEST_DATABASE_URL would; the others start their own.
        env["TEST_DATABASE_URL"] = request.getfixturevalue("postgres_server")

    result = run(python_tool("pytest", "-p", "no:cacheprovider"), cwd=project, env=env)

    assert_succeeded(result)
    assert " passed" in summary(result.stdout)
    assert "skipped" not in summary(result.stdout)


def test_a_fresh_virtual_environment_installs_and_passes(cookies: Any) -> None:
    """Install one combination from its own pyproject.toml alone, so a missing dependency
    shows; then run its pre-commit hooks there."""
    baked = cookies.bake(extra_context=Options("postgresql", "yes").context())
    project = baked.project_path
    env = {"UV_PYTHON_DOWNLOADS": "never", "VIRTUAL_ENV": ""}

    assert_succeeded(run(python_tool("uv", "sync", "--python", "3.11"), cwd=project, env=env))
    result = run(
        python_tool("uv", "run", "--no-sync", "pytest", "-p", "no:cacheprovider"),
        cwd=project,
        env=env,
    )

    assert_succeeded(result)
    assert " passed" in summary(result.stdout)
    assert "skipped" not in summary(result.stdout)

    # The pre-commit hooks are local: they run offline in the project's own environment.
    assert_succeeded(run(["git", "init", "--quiet"], cwd=project))
    assert_succeeded(run(["git", "add", "--all"], cwd=project))
    hooks = run(
        python_tool("uv", "run", "--no-sync", "pre-commit", "run", "--all-files"),
        cwd=project,
        env=env,
    )
    assert_succeeded(hooks)
    assert hooks.stdout.count("Passed") == 3


def test_without_postgresql_binaries_the_throwaway_server_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(postgres, "find_binary", lambda name: None)

    with (
        pytest.raises(postgres.ClusterUnavailableError, match=r"initdb, pg_ctl"),
        postgres.throwaway_cluster(),
    ):
        pass
