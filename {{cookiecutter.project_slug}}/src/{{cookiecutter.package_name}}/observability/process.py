"""Each worker's CPU, memory, open files and start time, read from /proc when Prometheus scrapes.

prometheus-client's own process metrics describe the one process that
answers the scrape, and its multiprocess mode leaves them out. Here they are
read for every live worker of the server (each has metric files, named with
its process id), each series labelled with its `pid`.
"""

import functools
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client.core import Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

WORKER_FILE = re.compile(r"_(\d+)\.db$")


def worker_pids(directory: Path) -> set[int]:
    """The process ids that wrote metric files in `directory`: the server's workers."""
    return {int(m.group(1)) for path in directory.iterdir() if (m := WORKER_FILE.search(path.name))}


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as someone else
        return True
    return True


class WorkerProcesses(Collector):
    def __init__(self, pids: Iterable[int]) -> None:
        self.pids = sorted(pids)

    def collect(self) -> Iterator[Metric]:
        merged: dict[str, Metric] = {}
        for pid in self.pids:
            worker = ProcessCollector(pid=functools.partial(int, pid), registry=None)
            for family in worker.collect():
                into = merged.setdefault(
                    family.name, Metric(family.name, family.documentation, family.type)
                )
                for sample in family.samples:
                    into.add_sample(sample.name, {**sample.labels, "pid": str(pid)}, sample.value)
        yield from merged.values()
