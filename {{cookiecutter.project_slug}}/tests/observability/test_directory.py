"""The metric files' directory: one per running server, shared by its workers, never reused."""

import os
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.observability import directory
from {{ cookiecutter.package_name }}.observability.directory import VARIABLE, use_a_metrics_directory


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(directory, "SERVERS", tmp_path)
    monkeypatch.delenv(VARIABLE, raising=False)
    return tmp_path


def test_a_server_gets_a_directory_named_after_itself(servers: Path) -> None:
    chosen = use_a_metrics_directory()

    assert chosen.is_dir()
    assert chosen.parent == servers
    assert chosen.name == f"{os.getpid()}-{directory.start_time(os.getpid())}"
    assert os.environ[VARIABLE] == str(chosen)


def test_directories_of_servers_that_are_gone_are_removed(servers: Path) -> None:
    gone = servers / f"{os.getpid()}-1"  # this process id, but another start: a restart
    (gone / "counter_7.db").parent.mkdir()
    (gone / "counter_7.db").write_bytes(b"")

    use_a_metrics_directory()

    assert not gone.exists()


def test_a_directory_of_your_own_is_used_as_it_is(
    servers: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    yours = tmp_path_factory.mktemp("yours")
    monkeypatch.setenv(VARIABLE, str(yours))

    assert use_a_metrics_directory() == yours
    assert list(servers.iterdir()) == []
