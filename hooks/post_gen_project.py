"""Remove what the options that were not chosen would leave behind.

Which paths belong to which option is data, not code: `features.toml` at the
root of the baked project lists them. This hook reads it, deletes the paths of
every feature the answers do not select, deletes the manifest itself, and
prints the next commands. It uses only the standard library and never touches
the network, git or an installer.
"""

import json
import shutil
import sys
import tomllib
from pathlib import Path

# The answers, rendered by cookiecutter as a JSON document inside a string literal.
ANSWERS = json.loads({{ cookiecutter | jsonify | tojson }})
MANIFEST = Path("features.toml")


Condition = dict[str, list[str]]  # question -> accepted answers


def is_selected(enabled_when: Condition | list[Condition]) -> bool:
    """A feature is selected when every question of its condition got an accepted
    answer; with a list of conditions, when any one of them holds."""
    conditions = enabled_when if isinstance(enabled_when, list) else [enabled_when]
    return any(
        all(ANSWERS[question] in accepted for question, accepted in condition.items())
        for condition in conditions
    )


def paths_to_remove(features: dict[str, dict]) -> list[Path]:
    """The paths of every feature the answers do not select, checked to exist."""
    paths = [
        Path(pattern.format(package=ANSWERS["package_name"]))
        for feature in features.values()
        if not is_selected(feature["enabled_when"])
        for pattern in feature["paths"]
    ]
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        # The manifest and the template disagree: fail loudly, delete nothing.
        raise FileNotFoundError(f"features.toml lists paths the template lacks: {missing}")
    return paths


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():  # not already gone with a directory removed before it
        path.unlink()


def main() -> int:
    features = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    for path in paths_to_remove(features):
        remove(path)
    MANIFEST.unlink()

    slug, package = ANSWERS["project_slug"], ANSWERS["package_name"]
    print(f"\nBaked {slug}. Next steps (README.md explains each):")
    print(f"  cd {slug}")
    print("  uv run pytest")
    print("  cp .env.example .env")
    print(f"  uv run uvicorn {package}.main:app --reload")
    return 0


if __name__ == "__main__":
    sys.exit(main())
