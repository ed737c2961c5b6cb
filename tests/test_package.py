"""A baked project builds into a wheel that holds all the service serves, the API
docs' assets included: the image installs the project from its wheel
(`uv sync --no-editable`), never from the source tree."""

import zipfile
from pathlib import Path

from tests.conftest import PROJECT_TEMPLATE, Bake, assert_succeeded, python_tool, run
from tests.options import Options


def test_the_wheel_ships_the_api_docs_assets(bake: Bake, tmp_path: Path) -> None:
    project = bake(Options("none", "no", examples="no"))
    assets = PROJECT_TEMPLATE / "src" / "{{cookiecutter.package_name}}" / "api_docs" / "assets"

    build = python_tool("uv", "build", "--wheel", "--python", "3.11", "--out-dir", str(tmp_path))
    assert_succeeded(run(build, cwd=project))

    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name for name in archive.namelist() if name.startswith("my_service/api_docs/")}
    assert {f"my_service/api_docs/assets/{path.name}" for path in assets.iterdir()} <= shipped
