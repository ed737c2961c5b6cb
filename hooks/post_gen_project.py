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


def is_selected(enabled_when: dict[str, list[str]]) -> bool:
    """A feature is selected when every question it depends on got an accepted answer."""
    return all(ANSWERS[question] in accepted for question, accepted in enabled_when.items())


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    else:
        # A path that is not there means the manifest and the template disagree.
        raise FileNotFoundError(f"features.toml lists {path}, which the template does not have")


def main() -> int:
    features = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    for feature in features.values():
        if is_selected(feature["enabled_when"]):
            continue
        for pattern in feature["paths"]:
            remove(Path(pattern.format(package=ANSWERS["package_name"])))
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
