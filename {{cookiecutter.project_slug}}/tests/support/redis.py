"""Throwaway Redis servers for the tests, started from Debian's `redis-server`.

A server listens on 127.0.0.1 only, keeps nothing on disk, and can be killed
and started again on the same port, as the fault tests do.
"""

import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .ports import free_port
from .waiting import wait_until


class RedisUnavailableError(RuntimeError):
    """No Redis server could be started here; the message says why."""


@dataclass
class RedisServer:
    port: int
    directory: Path
    binary: str
    process: "subprocess.Popen[bytes] | None" = field(default=None)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.directory),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(f"redis-server on port {self.port} to answer", self.answers_ping)

    def kill(self) -> None:
        """Stop it at once, as a crash would: its clients' connections break."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def freeze(self) -> None:
        """Stop it without losing anything (SIGSTOP): calls to it hang until `thaw`."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def answers_ping(self) -> bool:
        return self.command("PING") == "+PONG"

    def command(self, *words: str) -> str:
        """Send one command; its first reply line, or "" when the server does not answer."""
        request = f"*{len(words)}\r\n" + "".join(f"${len(w)}\r\n{w}\r\n" for w in words)
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(request.encode())
                return connection.recv(65536).decode().split("\r\n")[0]
        except OSError:
            return ""

    def info(self, section: str) -> dict[str, str]:
        request = f"*2\r\n$4\r\nINFO\r\n${len(section)}\r\n{section}\r\n".encode()
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
            connection.sendall(request)
            reply = connection.recv(65536).decode()
        pairs = (line.split(":", 1) for line in reply.split("\r\n") if ":" in line)
        return dict(pairs)


@contextmanager
def running_redis() -> Iterator[RedisServer]:
    """Start a Redis server on a free port of 127.0.0.1; kill it and delete its directory after."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisUnavailableError("redis-server is not installed (Debian: redis-server)")
    server = RedisServer(free_port(), Path(tempfile.mkdtemp(prefix="redis-test-")), binary)
    try:
        server.start()
        yield server
    finally:
        server.kill()
        shutil.rmtree(server.directory, ignore_errors=True)
