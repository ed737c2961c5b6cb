"""Each baked project's own test suite passes, against a real PostgreSQL where it has one."""

import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import TEMPLATE, Bake, assert_succeeded, postgres, python_tool, run
from tests.options import Options

# The Python versions a baked project declares and its CI tests, oldest first.
PYTHON_VERSIONS = ("3.11", "3.12", "3.13")


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


def interpreter_version(python: Path) -> str | None:
    """The `3.12` that `python` reports, or None when it does not run (a pyenv shim of a
    version that is not selected exits 127)."""
    if not python.is_file():
        return None
    version = "import sys; print('%d.%d' % sys.version_info[:2])"
    result = run([python, "-c", version], cwd=TEMPLATE)
    return result.stdout.strip() if result.returncode == 0 else None


def find_interpreter(version: str) -> Path:
    """Python `version` (`3.12`) as a developer machine has it: pyenv's, else `python3.12`
    on PATH. Fails, saying what to install, when neither runs; never skips."""
    candidates = []
    if pyenv := shutil.which("pyenv"):
        prefix = run([pyenv, "prefix", version], cwd=TEMPLATE)
        if prefix.returncode == 0:
            candidates.append(Path(prefix.stdout.strip()) / "bin" / f"python{version}")
    if on_path := shutil.which(f"python{version}"):
        candidates.append(Path(on_path))
    for python in candidates:
        if interpreter_version(python) == version:
            return python
    pytest.fail(
        f"the template's tests need Python {version}: install it with `pyenv install {version}`"
        f" or put `python{version}` on PATH (tried: {', '.join(map(str, candidates)) or 'none'})",
        pytrace=False,
    )


@pytest.mark.parametrize("python_version", PYTHON_VERSIONS, ids=lambda version: f"py{version}")
def test_a_fresh_virtual_environment_installs_and_passes(cookies: Any, python_version: str) -> None:
    """Install one combination from its own pyproject.toml alone, on each Python it declares,
    so a missing dependency or a version's incompatibility shows; then run its pre-commit
    hooks there. Its suite starts its own throwaway PostgreSQL, as on a developer's machine."""
    python = find_interpreter(python_version)
    baked = cookies.bake(extra_context=Options("postgresql", "yes").context())
    project = baked.project_path
    # uv takes the interpreter by its path and never downloads one.
    env = {"UV_PYTHON_DOWNLOADS": "never", "VIRTUAL_ENV": ""}

    assert_succeeded(run(python_tool("uv", "sync", "--python", str(python)), cwd=project, env=env))
    result = run(
        python_tool("uv", "run", "--no-sync", "pytest", "-p", "no:cacheprovider"),
        cwd=project,
        env=env,
    )

    assert_succeeded(result)
    assert f"-- Python {python_version}." in result.stdout  # pytest's header: it ran there
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


def test_a_missing_interpreter_fails_the_test_and_says_what_to_install() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"need Python 3\.99: install it with"):
        find_interpreter("3.99")


def test_the_python_versions_tested_are_the_ones_the_project_declares(bake: Bake) -> None:
    project = bake(Options("postgresql", "yes"))
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    workflow = yaml.safe_load(
        (project / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    )
    oldest = PYTHON_VERSIONS[0]

    classified = [
        match.group(1)
        for classifier in pyproject["project"]["classifiers"]
        if (match := re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", classifier))
    ]
    assert classified == list(PYTHON_VERSIONS)
    assert workflow["jobs"]["check"]["strategy"]["matrix"]["python-version"] == classified
    assert pyproject["project"]["requires-python"] == f">={oldest}"
    # The code stays compatible with the oldest: the linters judge it as that version.
    assert pyproject["tool"]["ruff"]["target-version"] == f"py{oldest.replace('.', '')}"
    assert pyproject["tool"]["mypy"]["python_version"] == oldest


def test_without_postgresql_binaries_the_throwaway_server_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(postgres, "find_binary", lambda name: None)

    with (
        pytest.raises(postgres.ClusterUnavailableError, match=r"initdb, pg_ctl"),
        postgres.throwaway_cluster(),
    ):
        pass
