"""The baked README's worked example of adding a feature works as written.

The test follows the section "Add a feature: a worked example" the way a
newcomer would: it writes each file the section shows, makes the edits it
describes, and runs the project's checks and tests.
"""

import re
from pathlib import Path
from typing import Any

from tests.conftest import assert_succeeded, python_tool, run
from tests.options import Options

SECTION = re.compile(r"### Add a feature: a worked example\n(.*?)\n## ", re.DOTALL)
# A file the section shows: "`path`:" on a line of its own, then its code block.
FILE = re.compile(r"^`([\w/.]+)`:\n\n```\w+\n(.*?)```", re.MULTILINE | re.DOTALL)
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def worked_example(project: Path) -> str:
    readme = (project / "README.md").read_text(encoding="utf-8")
    found = SECTION.search(readme)
    assert found, "the baked README has no worked example of a feature"
    return found.group(1)


def unlabelled_blocks(section: str, language: str) -> list[str]:
    """The code blocks in `language` that show no file, in order."""
    files = {match.group(2) for match in FILE.finditer(section)}
    return [code for lang, code in BLOCK.findall(section) if lang == language and code not in files]


def add_to_features(
    features: Path, import_line: str, settings_line: str, feature_line: str
) -> None:
    """The three lines, where the README says: after the imports, among the
    bases of FeatureSettings, and at the end of FEATURES."""
    lines = features.read_text(encoding="utf-8").splitlines()
    last_import = max(i for i, line in enumerate(lines) if line.startswith("from "))
    lines.insert(last_import + 1, import_line)
    lines.insert(lines.index("    BaseSettings,"), settings_line)
    lines.insert(len(lines) - 1, feature_line)  # before FEATURES' closing parenthesis
    features.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_worked_example_of_a_feature_gives_a_project_that_passes_its_checks(
    cookies: Any,
) -> None:
    project = Path(
        cookies.bake(extra_context=Options("none", "no", examples="no").context()).project_path
    )
    section = worked_example(project)

    shown = {match.group(1): match.group(2) for match in FILE.finditer(section)}
    assert len(shown) == 5, sorted(shown)
    for package in ("src/my_service/greetings", "tests/greetings"):
        (project / package).mkdir(parents=True)
        (project / package / "__init__.py").write_text("", encoding="utf-8")
    for path, code in shown.items():
        (project / path).write_text(code, encoding="utf-8")
    [features_lines] = unlabelled_blocks(section, "python")
    add_to_features(project / "src/my_service/features.py", *features_lines.splitlines())
    [env_line] = unlabelled_blocks(section, "sh")
    with (project / ".env.example").open("a", encoding="utf-8") as env_example:
        env_example.write(env_line)
    [table_row] = unlabelled_blocks(section, "markdown")
    readme = project / "README.md"
    guard_row = next(line for line in readme.read_text().splitlines() if "`LOOP_BLOCK" in line)
    readme.write_text(readme.read_text().replace(guard_row, guard_row + "\n" + table_row.strip()))

    env = {"PYTHONPATH": str(project / "src")}
    features = "src/my_service/features.py"
    assert_succeeded(run(python_tool("ruff", "check", "--fix", "--no-cache", features), project))
    assert_succeeded(run(python_tool("ruff", "check", "--no-cache", "."), project))
    assert_succeeded(run(python_tool("ruff", "format", "--check", "--no-cache", "."), project))
    assert_succeeded(run(python_tool("mypy", "--no-incremental"), project))
    greetings = run(
        python_tool("pytest", "-p", "no:cacheprovider", "tests/greetings"), project, env
    )
    assert_succeeded(greetings)
    assert "1 passed" in greetings.stdout
    assert_succeeded(run(python_tool("pytest", "-p", "no:cacheprovider"), project, env))
