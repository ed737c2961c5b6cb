"""Bake the project under test, and check this environment can run it.

The benchmark serves every variant from its own environment (this script's
dependencies), with the baked `src/` on the path, so that the baked service
and the baselines run on the very same library versions. The baked
project's declared dependencies must therefore be installed here: a
dependency the template adds must be added to `run.py`'s script metadata,
and the check says so.
"""

import importlib.metadata
import importlib.util
import json
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from cookiecutter.main import cookiecutter
from packaging.requirements import Requirement

TEMPLATE = Path(__file__).resolve().parents[1]  # this repository
# What a bake reads: a change anywhere else does not change the baked service.
TEMPLATE_PATHS = ("cookiecutter.json", "hooks", "{{cookiecutter.project_slug}}")


@dataclass(frozen=True)
class BakedProject:
    root: Path
    package: str

    @property
    def source(self) -> Path:
        return self.root / "src"


def bake_default_project(template: Path, output_dir: Path) -> BakedProject:
    """Bake the template with its default answers, as `cookiecutter --no-input` does."""
    return bake(template, output_dir, {})


def bake_without_observability(template: Path, output_dir: Path) -> BakedProject:
    """The default answers but `observability=no`: what the option costs is the difference.
    The same package name, in a directory of its own."""
    return bake(template, output_dir / "no-observability", {"observability": "no"})


def bake_with_auth(template: Path, output_dir: Path) -> BakedProject:
    """The default answers but `auth=oidc`: what verifying a token costs is the difference."""
    return bake(template, output_dir / "auth", {"auth": "oidc"})


def bake_with_cache(template: Path, output_dir: Path) -> BakedProject:
    """The default answers but `cache=redis`: item reads through the Redis cache."""
    return bake(template, output_dir / "cache", {"cache": "redis"})


def bake(template: Path, output_dir: Path, answers: dict[str, str]) -> BakedProject:
    root = Path(
        cookiecutter(
            str(template), no_input=True, output_dir=str(output_dir), extra_context=answers
        )
    )
    recorded = json.loads((root / ".cookiecutter.json").read_text())
    return BakedProject(root=root, package=recorded["package_name"])


def template_revision(template: Path) -> str:
    """The commit the template is at, marked when its files differ from it."""

    def git(*arguments: str) -> str:
        command = ["git", "-C", str(template), *arguments]
        return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "not a git checkout"
    changed = git("status", "--porcelain", "--", *TEMPLATE_PATHS)
    return f"{commit} with uncommitted changes" if changed else commit


def missing_dependencies(project: BakedProject) -> list[str]:
    """The baked project's runtime requirements that this environment does not satisfy."""
    pyproject = tomllib.loads((project.root / "pyproject.toml").read_text())
    missing = []
    for line in pyproject["project"]["dependencies"]:
        requirement = Requirement(line)
        try:
            version = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(f"{line} (not installed)")
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            missing.append(f"{line} (installed: {version})")
    return missing


def check_dependencies(project: BakedProject) -> None:
    if missing := missing_dependencies(project):
        raise RuntimeError(
            "the baked project needs what the benchmark's environment lacks: "
            + ", ".join(missing)
            + ". Add it to the script metadata of bench/run.py, then run "
            "`uv lock --script bench/run.py --upgrade`."
        )


def load_baked_support(project: BakedProject) -> ModuleType:
    """The baked tests' helpers (`tests/support`: ports, throwaway PostgreSQL, ...),
    loaded from the project as the package `baked_support`."""
    directory = project.root / "tests" / "support"
    spec = importlib.util.spec_from_file_location(
        "baked_support", directory / "__init__.py", submodule_search_locations=[str(directory)]
    )
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {directory}")
    package = importlib.util.module_from_spec(spec)
    sys.modules["baked_support"] = package
    spec.loader.exec_module(package)
    return package
