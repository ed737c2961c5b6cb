"""The TLS context of the service's clients: loaded once per process, off the event loop."""

import ssl
import threading

import httpx
import pytest

from {{ cookiecutter.package_name }} import tls


async def test_the_context_is_loaded_once_in_a_thread_and_checks_certificates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded_on: list[threading.Thread] = []
    load = httpx.create_ssl_context

    def recording_load() -> ssl.SSLContext:
        loaded_on.append(threading.current_thread())
        context: ssl.SSLContext = load()
        return context

    monkeypatch.setattr(httpx, "create_ssl_context", recording_load)
    tls._load_tls_context.cache_clear()  # an earlier test of this process loaded it

    first = await tls.shared_tls_context()
    second = await tls.shared_tls_context()

    assert second is first
    [thread] = loaded_on
    assert thread is not threading.current_thread()
    assert first.verify_mode == ssl.CERT_REQUIRED
    assert first.check_hostname
