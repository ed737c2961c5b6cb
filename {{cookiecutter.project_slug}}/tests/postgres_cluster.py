"""A throwaway PostgreSQL server for the tests, started from the local binaries.

`initdb` refuses to run as root, so as root the server runs as the `postgres`
system user (through `runuser`), in a directory that user owns. The server
listens on 127.0.0.1 only, trusts local connections, and trades durability
for speed (fsync off): it lives for one test session and is then deleted.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class ClusterUnavailableError(RuntimeError):
    """No PostgreSQL server could be started here; the message says why."""


def find_binary(name: str) -> str | None:
    """`name` from PATH, or from Debian's and Ubuntu's versioned directory."""
    return shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ClusterUnavailableError(
            f"{what} failed: {result.stderr.strip() or result.stdout.strip()}"
        )


INITDB_OPTIONS = ["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]


def server_binaries() -> tuple[str, str]:
    """Paths of `initdb` and `pg_ctl`."""
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise ClusterUnavailableError(
            "the PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        )
    return initdb, pg_ctl


def cluster_directory(prefix: str) -> tuple[Path, list[str]]:
    """A new directory for a cluster, and the command prefix that runs as its owner.

    As root, the directory belongs to the `postgres` user and the commands run
    as that user, since PostgreSQL refuses to run as root.
    """
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() != 0:
        return directory, []
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        shutil.rmtree(directory)
        raise ClusterUnavailableError(
            "running as root, and there is no `postgres` user to run PostgreSQL as"
        ) from None
    os.chown(directory, owner.pw_uid, owner.pw_gid)
    return directory, ["runuser", "-u", "postgres", "--"]


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a PostgreSQL server on 127.0.0.1, yield its URL, then stop and delete it."""
    initdb, pg_ctl = server_binaries()
    directory, run_as = cluster_directory("pg-test-")
    data, port = directory / "data", free_port()
    server_options = (
        f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    try:
        run([*run_as, initdb, "-D", str(data), *INITDB_OPTIONS], "initdb")
        log = str(directory / "server.log")
        run(
            [*run_as, pg_ctl, "-D", str(data), "-l", log, "-w", "-o", server_options, "start"],
            "pg_ctl start",
        )
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            run([*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], "pg_ctl stop")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
