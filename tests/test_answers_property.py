"""Any text for the free-form answers either bakes a project whose Python, TOML, YAML and
JSON files all parse, or stops before anything is written, saying which answer is wrong."""

import ast
import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from cookiecutter.exceptions import CookiecutterException, FailedHookException
from cookiecutter.main import cookiecutter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2 import TemplateError

from tests.conftest import TEMPLATE

# Text that breaks naive templates: quotes, backslashes, line breaks, Jinja and
# YAML syntax, and letters from everywhere.
TRICKY = st.sampled_from(
    ['"', "'", "\\", "\n", "{{", "}}", "{%", "%}", "{#", ": ", "- ", "#", "\t"]
)
ANSWER = st.lists(
    st.one_of(TRICKY, st.text(st.characters(exclude_categories=["Cs"]), max_size=6)),
    max_size=6,
).map("".join)

FIELDS = ("project_name", "project_slug", "package_name", "description", "author_name")

PARSERS = {
    ".py": ast.parse,
    ".toml": tomllib.loads,
    ".json": json.loads,
    ".yaml": yaml.safe_load,
    ".yml": yaml.safe_load,
}


@settings(
    max_examples=40,
    derandomize=True,  # the same examples on every run: CI stays reproducible
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(project_name=ANSWER, description=ANSWER, author_name=ANSWER)
def test_free_text_answers_bake_a_parseable_project_or_stop_cleanly(
    tmp_path_factory: pytest.TempPathFactory,
    capfd: pytest.CaptureFixture[str],
    project_name: str,
    description: str,
    author_name: str,
) -> None:
    output = tmp_path_factory.mktemp("bake")
    answers = {"project_name": project_name, "description": description, "author_name": author_name}
    capfd.readouterr()

    try:
        project = Path(
            cookiecutter(
                str(TEMPLATE),
                no_input=True,
                output_dir=str(output),
                extra_context={**answers, "kubernetes": "yes"},
            )
        )
    except FailedHookException:
        # The pre-generation hook refused an answer, or one derived from it (a
        # name of "0" makes the package name "0"): the message names the field.
        errors = capfd.readouterr().err
        assert list(output.iterdir()) == []
        assert re.search(rf"^ERROR: ({'|'.join(FIELDS)}) ", errors, re.MULTILINE), errors
        return
    except (CookiecutterException, TemplateError):
        # Jinja syntax in an answer is rendered, and refused, by cookiecutter itself,
        # before the project directory exists.
        assert list(output.iterdir()) == []
        return

    for path in project.rglob("*"):
        if path.suffix in PARSERS:
            PARSERS[path.suffix](path.read_text(encoding="utf-8"))
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == description
    assert pyproject["project"]["authors"][0]["name"] == author_name
