"""A project baked with cruft takes a later change of the template with `cruft update`."""

import shutil
from pathlib import Path

from tests.conftest import TEMPLATE, assert_succeeded, installed_tool, run

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}
NOT_TEMPLATE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "results"
)


def commit_all(repository: Path, message: str) -> None:
    for command in (["git", "add", "--all"], ["git", "commit", "--quiet", "-m", message]):
        assert_succeeded(run(command, cwd=repository, env=GIT_IDENTITY))


def test_cruft_update_brings_a_template_change_into_a_baked_project(tmp_path: Path) -> None:
    # The template as a git repository of its own, as users clone it.
    template = tmp_path / "template"
    shutil.copytree(TEMPLATE, template, ignore=NOT_TEMPLATE)
    assert_succeeded(run(["git", "init", "--quiet"], cwd=template))
    commit_all(template, "template v1")

    context = '{"database": "none", "http_client": "no"}'
    create = ["create", str(template), "--no-input", "--extra-context", context]
    assert_succeeded(run(installed_tool("cruft", *create), cwd=tmp_path))
    project = tmp_path / "my-service"
    assert (project / ".cruft.json").is_file()
    assert_succeeded(run(["git", "init", "--quiet"], cwd=project))
    commit_all(project, "baked")

    readme = template / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text() + "\nA line added by template v2.\n")
    commit_all(template, "template v2")

    assert run(installed_tool("cruft", "check"), cwd=project).returncode != 0
    update = run(installed_tool("cruft", "update", "--skip-apply-ask"), cwd=project)
    assert_succeeded(update)
    assert "A line added by template v2." in (project / "README.md").read_text()
    assert_succeeded(run(installed_tool("cruft", "check"), cwd=project))
