"""Tokens verified lately, remembered by their text, so that a client's next
requests with the same token skip the signature check.

A client sends one token with every request for its whole lifetime (minutes
to an hour). Checking its RSA signature holds the event loop for 0.1 to
0.3 ms each time; finding it here takes a dictionary lookup. Only tokens that
passed every check are kept, each until its `exp` and for `MAX_SECONDS` at
most, so a key the provider withdraws stops working within that time, as it
would with a cache of keys.
"""

import time
from collections.abc import Callable

from {{ cookiecutter.package_name }}.auth.tokens import Principal

MAX_SECONDS = 60.0
# Bounds the memory: about 10 MB of tokens of 1 KB.
MAX_ENTRIES = 10_000


class VerifiedTokens:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock  # wall-clock time, which `exp` counts in
        self._entries: dict[str, tuple[Principal, float]] = {}

    def get(self, token: str) -> Principal | None:
        """The principal of a token verified lately and still valid, else None."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        principal, valid_until = entry
        if self._clock() >= valid_until:
            del self._entries[token]
            return None
        return principal

    def add(self, token: str, principal: Principal) -> None:
        if len(self._entries) >= MAX_ENTRIES:
            del self._entries[next(iter(self._entries))]  # the oldest: dicts keep their order
        expires = float(principal.claims["exp"])
        self._entries[token] = (principal, min(expires, self._clock() + MAX_SECONDS))
