"""Bounds a token must keep before any of it is parsed: its length, and how deep its JSON nests.

Real access tokens are a few kilobytes of flat claims. Refusing larger or
deeper ones first means the JSON parser never meets a 10 KB header or claims
nested past the interpreter's recursion limit (a RecursionError, which would
otherwise be a 500).
"""

import base64
import binascii

MAX_TOKEN_LENGTH = 8192
# An upper bound on the nesting: every '[' or '{' of the header and claims counted.
MAX_OPENINGS = 256


def shape_problem(token: str) -> str | None:
    """Why the token is refused before parsing, or None when it keeps the bounds."""
    if len(token) > MAX_TOKEN_LENGTH:
        return "the token is too long"
    for segment in token.split(".")[:2]:
        try:
            raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        except (binascii.Error, ValueError):
            return "the token is malformed"
        if raw.count(b"[") + raw.count(b"{") > MAX_OPENINGS:
            return "the token's JSON nests too deeply"
    return None
