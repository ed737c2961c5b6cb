"""Each baked project passes its own linters and strict type check."""

from pathlib import Path

import pytest

from tests.conftest import Bake, assert_succeeded, python_tool, run
from tests.options import Options


def test_ruff_finds_nothing(bake: Bake, options: Options) -> None:
    project = bake(options)

    assert_succeeded(run(python_tool("ruff", "check", "--no-cache", "."), cwd=project))
    assert_succeeded(run(python_tool("ruff", "format", "--check", "--no-cache", "."), cwd=project))


def test_mypy_strict_finds_nothing(
    bake: Bake, options: Options, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = bake(options)
    # A cache of its own for each combination: with one cache shared by the
    # combinations a worker checked, mypy once reported an import that only
    # another combination's copy of the same module has. A cold check takes
    # about 8 s here.
    cache: Path = tmp_path_factory.getbasetemp() / "mypy-cache" / options.id

    assert_succeeded(run(python_tool("mypy", "--cache-dir", str(cache)), cwd=project))
