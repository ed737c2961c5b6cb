"""Where the workers' metric files go: one directory per running server, shared by its workers.

With several uvicorn workers, each is a process of its own, and a scrape
reaches one of them. prometheus-client's multiprocess mode has every worker
write its metrics to files in the directory named by PROMETHEUS_MULTIPROC_DIR,
and whichever worker answers the scrape adds them all up. The directory must
exist before prometheus-client is imported, and must start empty with each
server: files an earlier server left would add its counts to the new one's.

When the variable names a directory of your own, that is used, and cleaning
it is yours. Otherwise the service uses `<tmp>/<package>-metrics/<server>`,
where `<server>` is the process id and start time of the uvicorn process
that started the workers (or of the one process serving alone): every worker
of a server finds the same directory, a restarted server never finds an old
one, and the directories of servers that are gone are removed at start-up.
"""

import contextlib
import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
SERVERS = Path(tempfile.gettempdir()) / "{{ cookiecutter.package_name }}-metrics"


def use_a_metrics_directory() -> Path:
    """The directory of this server's metric files, made and named in PROMETHEUS_MULTIPROC_DIR."""
    chosen = os.environ.get(VARIABLE)
    # A directory of ours that a parent process chose is not this server's.
    if chosen and Path(chosen).parent != SERVERS:
        return Path(chosen)
    directory = SERVERS / server_name()
    SERVERS.mkdir(mode=0o700, exist_ok=True)
    for other in SERVERS.iterdir():
        if other.name != directory.name and not is_running(other.name):
            shutil.rmtree(other, ignore_errors=True)
    directory.mkdir(exist_ok=True)
    os.environ[VARIABLE] = str(directory)
    return directory


def server_name() -> str:
    """`<pid>-<start time>` of the process that started this worker, or of this one."""
    parent = multiprocessing.parent_process()  # uvicorn starts workers with multiprocessing
    pid = parent.pid if parent is not None and parent.pid is not None else os.getpid()
    return f"{pid}-{start_time(pid)}"


def is_running(name: str) -> bool:
    pid, _, started = name.partition("-")
    return pid.isdigit() and start_time(int(pid)) == started


def start_time(pid: int) -> str:
    """When process `pid` started, in clock ticks since boot (Linux); "" when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[19].decode()
    except FileNotFoundError:
        return ""
    except (OSError, IndexError):  # not Linux: the process id alone
        with contextlib.suppress(OSError):
            os.kill(pid, 0)
            return "0"
        return ""
