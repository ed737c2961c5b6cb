"""CPU time a server has used, read from /proc (Linux): the number least moved by a busy machine."""

import os
from pathlib import Path


def process_table() -> dict[int, tuple[int, int]]:
    """Every live process: its parent's id and the CPU ticks it used (user + system)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it exited meanwhile
        # The fields after the command name, which is in parentheses and may hold spaces.
        fields = stat.rsplit(")", 1)[1].split()
        table[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return table


def process_tree_cpu_seconds(pid: int) -> float | None:
    """CPU time of `pid` and every live process below it, or None when it is gone.

    The tree, not the process alone: granian serves from a worker process that
    is a child of the one the benchmark starts.
    """
    table = process_table()
    if pid not in table:
        return None
    tree = [pid]
    for member in tree:  # grows while it is walked: breadth first
        tree.extend(child for child, (parent, _) in table.items() if parent == member)
    return sum(table[member][1] for member in tree) / os.sysconf("SC_CLK_TCK")
