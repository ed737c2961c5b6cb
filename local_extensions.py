"""Jinja filters of this template; cookiecutter loads them through `_extensions`."""

import json
import tomllib
from pathlib import Path
from typing import Any

from cookiecutter.utils import simple_filter

# The feature manifest, also read by hooks/post_gen_project.py.
MANIFEST = Path(__file__).resolve().parent / "{{cookiecutter.project_slug}}" / "features.toml"


@simple_filter
def literal(value: str) -> str:
    """`value` as a double-quoted string literal, valid alike in Python, TOML, YAML and JSON.

    Jinja's own `tojson` writes a character outside the Basic Multilingual Plane
    (an emoji, say) as a pair of surrogate escapes, which TOML rejects and which
    Python reads as two broken characters. Here non-ASCII text stays as it is;
    quotes, backslashes and control characters are escaped.
    """
    return json.dumps(value, ensure_ascii=False)


@simple_filter
def plugins(answers: dict[str, Any]) -> list[dict[str, str]]:
    """The plug-ins the answers select, in the manifest's order: `{"name", "settings"}` each.

    `src/{package}/features.py` renders its list from this, so which features a
    service is built from is written once, in features.toml.
    """
    manifest = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    return [
        {"name": feature["plugin"], "settings": feature.get("settings", "")}
        for feature in manifest.values()
        if "plugin" in feature and is_selected(feature["enabled_when"], answers)
    ]


Condition = dict[str, list[str]]  # question -> accepted answers


def is_selected(enabled_when: Condition | list[Condition], answers: dict[str, Any]) -> bool:
    """A feature is selected when every question of its condition got an accepted
    answer; with a list of conditions, when any one of them holds.

    The same rule as the post-generation hook's, which cannot import this module.
    """
    conditions = enabled_when if isinstance(enabled_when, list) else [enabled_when]
    return any(
        all(answers[question] in accepted for question, accepted in condition.items())
        for condition in conditions
    )
