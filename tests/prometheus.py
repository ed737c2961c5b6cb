"""A real Prometheus server for the tests: Debian's `prometheus`, on 127.0.0.1, scraping one target.

It scrapes every second and keeps its data in a directory of the test's; the
tests read what it collected through its HTTP API, as a dashboard would.
"""

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ports, waiting

HOW_TO_INSTALL = "the template's tests need the Prometheus server: `apt-get install prometheus`"


def prometheus_binary() -> str:
    found = shutil.which("prometheus") or (
        "/usr/bin/prometheus" if Path("/usr/bin/prometheus").is_file() else None
    )
    if found is None:
        pytest.fail(HOW_TO_INSTALL, pytrace=False)
    return found


@contextmanager
def running_prometheus(target: str, directory: Path) -> Iterator[str]:
    """Prometheus scraping `target` (`host:port`) every second; yields its URL."""
    config = directory / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        "scrape_configs:\n  - job_name: service\n"
        f"    static_configs:\n      - targets: ['{target}']\n",
        encoding="utf-8",
    )
    url = f"http://127.0.0.1:{ports.free_port()}"
    log = (directory / "prometheus.log").open("wb")
    command = [
        prometheus_binary(),
        f"--config.file={config}",
        f"--storage.tsdb.path={directory / 'data'}",
        f"--web.listen-address={url.removeprefix('http://')}",
    ]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        waiting.wait_until("Prometheus to be ready", lambda: is_ready(url, process), 60)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def is_ready(url: str, process: "subprocess.Popen[bytes]") -> bool:
    if process.poll() is not None:
        raise AssertionError("Prometheus exited at start-up; see prometheus.log")
    try:
        return httpx.get(f"{url}/-/ready", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def query(url: str, promql: str) -> list[dict[str, Any]]:
    """The result of an instant query: one entry per series, with its labels and value."""
    answer = httpx.get(f"{url}/api/v1/query", params={"query": promql}, timeout=5).json()
    assert answer["status"] == "success", answer
    result: list[dict[str, Any]] = answer["data"]["result"]
    return result


def scalar(url: str, promql: str) -> float | None:
    """The value of a query that gives one series, or None while it gives none."""
    result = query(url, promql)
    return float(result[0]["value"][1]) if result else None


def label_values(url: str) -> dict[str, list[str]]:
    """Every value of every label Prometheus has stored, by label name."""
    names = httpx.get(f"{url}/api/v1/labels", timeout=5).json()["data"]
    return {
        name: httpx.get(f"{url}/api/v1/label/{name}/values", timeout=5).json()["data"]
        for name in names
    }
