"""Ports of 127.0.0.1 for the tests' servers."""

import socket


def free_port() -> int:
    """A port of 127.0.0.1 where nothing listens now: for a server to bind, or a
    URL whose connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def listening_socket(port: int = 0) -> socket.socket:
    """A socket bound to `port` of 127.0.0.1 (a free one by default), for a server to take over."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", port))
    return listener
