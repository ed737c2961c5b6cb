"""Bad answers stop in the pre-generation hook with a clear message and leave nothing
on disk; unusual but valid answers bake a project that parses and imports."""

import ast
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEMPLATE, assert_succeeded, python_tool, run


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"package_name": "my-service"}, "package_name 'my-service' must be a Python identifier"),
        ({"package_name": "class"}, "package_name 'class' must not be a Python keyword"),
        ({"package_name": "match"}, "package_name 'match' must not be a Python keyword"),
        ({"package_name": "asyncio"}, "package_name 'asyncio' must not shadow a standard-library"),
        ({"package_name": "fastapi"}, "package_name 'fastapi' must not shadow a package"),
        ({"package_name": "redis"}, "package_name 'redis' must not shadow a package"),
        ({"package_name": "MyService"}, "package_name 'MyService' must be lowercase"),
        ({"package_name": "café"}, "package_name 'café' must be a Python identifier of ASCII"),
        ({"project_slug": "-service"}, "project_slug '-service' must be a valid distribution name"),
        ({"project_name": "!!!"}, "project_name '!!!' must contain a letter or a digit"),
        ({"author_email": "nobody"}, "author_email 'nobody' must look like name@example.com"),
        ({"author_name": "Ann\nBob"}, "author_name 'Ann\\nBob' must be a single line"),
        (
            {"database": "sqlite", "kubernetes": "yes"},
            "kubernetes 'yes' needs database 'postgresql' or 'none', not 'sqlite'",
        ),
    ],
    ids=[
        "dash",
        "keyword",
        "soft-keyword",
        "stdlib",
        "dependency",
        "redis-package",
        "uppercase",
        "non-ascii",
        "slug-dash",
        "empty-slug",
        "email",
        "newline",
        "sqlite-on-kubernetes",
    ],
)
def test_a_bad_answer_fails_in_the_hook_and_leaves_nothing(
    tmp_path: Path, answers: dict[str, str], message: str
) -> None:
    extra = [f"{name}={value}" for name, value in answers.items()]

    result = run(
        python_tool(
            "cookiecutter", "--no-input", "--output-dir", str(tmp_path), str(TEMPLATE), *extra
        ),
        cwd=tmp_path,
    )

    assert result.returncode != 0
    assert f"ERROR: {message}" in result.stderr
    assert "Hook script failed" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_a_bad_answer_raises_a_failed_hook_exception(cookies: Any) -> None:
    result = cookies.bake(extra_context={"package_name": "import"})

    assert result.exit_code != 0
    assert type(result.exception).__name__ == "FailedHookException"


@pytest.mark.parametrize(
    "answers",
    [
        {"project_name": 'The "Quoted" Service', "author_name": "O'Brien \\ Sons"},
        {"project_name": "Café Zürich", "description": "Grüße aus 東京, naïve façade"},
        {"project_name": "Rocket \U0001f680 Service", "author_name": "\U0001f9d1\u200d\U0001f4bb"},
        {"description": "Ends with a backslash \\", "author_name": '"""'},
        {"description": "<b>bold</b> & 'single' quotes", "author_name": "Ünïcödé Åuthor"},
    ],
    ids=["quotes", "non-ascii", "emoji", "backslash", "markup"],
)
def test_unusual_answers_bake_a_project_that_parses_and_imports(
    cookies: Any, answers: dict[str, str]
) -> None:
    result = cookies.bake(extra_context={**answers, "database": "sqlite", "http_client": "no"})
    assert result.exit_code == 0, result.exception
    project = Path(result.project_path)

    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    for path in project.rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"))
    package = json.loads((project / ".cookiecutter.json").read_text())["package_name"]
    print_app_name = f"import {package}.app, {package}.settings as s; print(s.Settings().app_name)"
    imported = run(
        [sys.executable, "-c", print_app_name],
        cwd=project,
        env={"PYTHONPATH": str(project / "src")},
    )

    assert_succeeded(imported)
    for name, value in answers.items():
        if name == "project_name":
            assert imported.stdout.strip() == value
        if name == "description":
            assert pyproject["project"]["description"] == value
        if name == "author_name":
            assert pyproject["project"]["authors"][0]["name"] == value
