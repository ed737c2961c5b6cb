"""Every combination bakes into a complete, parseable project."""

import ast
import json
import re
import subprocess
import tomllib
from pathlib import Path

from tests.conftest import PROJECT_TEMPLATE, TEMPLATE, Bake, is_copied_verbatim
from tests.options import Options

# Jinja left in a file; GitHub's own `${{ ... }}` expressions are meant to stay.
UNRENDERED = re.compile(r"(?<!\$){{|{%|{#|cookiecutter\.(?!json\b)")
# What tools leave behind in a working tree: never part of the template.
CACHE_DIRECTORY = re.compile(
    r"(^|/)(\.schemathesis|\.hypothesis|\.pytest_cache|\.mypy_cache|\.ruff_cache|__pycache__)/"
)


def text_files(project: Path) -> list[Path]:
    return [path for path in sorted(project.rglob("*")) if path.is_file()]


def test_the_combination_bakes_without_leftover_template_syntax(
    bake: Bake, options: Options
) -> None:
    project = bake(options)

    leftovers = [
        f"{path.relative_to(project)}: {match.group()}"
        for path in text_files(project)
        if not is_copied_verbatim(path.relative_to(project))
        for match in [UNRENDERED.search(path.read_text(encoding="utf-8"))]
        if match
    ]
    assert leftovers == []
    assert not (project / "features.toml").exists()


def test_the_files_copied_without_rendering_arrive_byte_for_byte(
    bake: Bake, options: Options
) -> None:
    project = bake(options)
    template_package = PROJECT_TEMPLATE / "src" / "{{cookiecutter.package_name}}"

    copied = [
        path.relative_to(project)
        for path in text_files(project)
        if is_copied_verbatim(path.relative_to(project))
    ]
    assert copied, "the API docs' assets are missing"
    for relative in copied:
        source = template_package / relative.relative_to("src/my_service")
        assert (project / relative).read_bytes() == source.read_bytes(), relative


def test_every_python_toml_and_json_file_parses(bake: Bake, options: Options) -> None:
    project = bake(options)

    for path in text_files(project):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            ast.parse(text, filename=str(path))
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix == ".json":
            json.loads(text)


def test_the_answers_are_recorded_for_later_updates(bake: Bake, options: Options) -> None:
    answers = json.loads((bake(options) / ".cookiecutter.json").read_text(encoding="utf-8"))

    assert answers["database"] == options.database
    assert answers["http_client"] == options.http_client
    assert answers["package_name"] == "my_service"
    assert not any(key.startswith("_") for key in answers)


def test_the_baked_package_has_the_package_name(bake: Bake, options: Options) -> None:
    project = bake(options)

    assert project.name == "my-service"
    assert (project / "src" / "my_service" / "main.py").is_file()
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == "my-service"


def test_every_path_in_the_feature_manifest_exists_in_the_template() -> None:
    manifest = tomllib.loads((PROJECT_TEMPLATE / "features.toml").read_text(encoding="utf-8"))

    missing = [
        path
        for feature in manifest.values()
        for path in feature["paths"]
        if not (PROJECT_TEMPLATE / path.format(package="{{cookiecutter.package_name}}")).exists()
    ]
    assert manifest, "the manifest lists no feature"
    assert missing == []


def test_the_readme_says_what_the_service_does_once(bake: Bake, options: Options) -> None:
    readme = (bake(options) / "README.md").read_text(encoding="utf-8")
    # The default description, and its words in other sentences.
    assert readme.count("An async FastAPI service.") == 1
    assert readme.lower().count("an async fastapi service") == 1


def test_the_template_repository_holds_no_tool_cache() -> None:
    tracked = subprocess.run(
        ["git", "-C", str(TEMPLATE), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    caches = [path for path in tracked if CACHE_DIRECTORY.search(path)]

    assert tracked, "not a git checkout"
    assert caches == []


# The core composes the features from features.py and knows none of them.
CORE_MODULES = (
    "app.py",
    "errors.py",
    "feature.py",
    "lifespan.py",
    "logs.py",
    "main.py",
    "middleware.py",
    "request_context.py",
    "routing.py",
    "settings.py",
    "timing.py",
)
TEMPLATE_CONDITION = re.compile(r"{%-?\s*(if|for)\b")
# A file with more is one where features meet: give their meeting a file of its own.
MOST_CONDITIONS_IN_A_FILE = 6


def test_the_core_has_no_template_condition_and_no_file_many() -> None:
    package = PROJECT_TEMPLATE / "src" / "{{cookiecutter.package_name}}"
    conditions = {
        path: len(TEMPLATE_CONDITION.findall(path.read_text(encoding="utf-8")))
        for folder in ("src", "tests")
        for path in sorted((PROJECT_TEMPLATE / folder).rglob("*.py"))
    }
    core = {name: conditions[package / name] for name in CORE_MODULES}
    crowded = {
        path.relative_to(PROJECT_TEMPLATE).as_posix(): count
        for path, count in conditions.items()
        if count > MOST_CONDITIONS_IN_A_FILE
    }

    assert core == dict.fromkeys(CORE_MODULES, 0)
    assert crowded == {}
