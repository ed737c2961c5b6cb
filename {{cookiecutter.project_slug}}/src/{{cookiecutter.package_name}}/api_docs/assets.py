"""The files the docs pages load: a fixed list, served from `assets/` with fingerprinted URLs."""

import hashlib
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent / "assets"

JAVASCRIPT = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"

# The only files served, with their media types. The licences and the README
# beside them are not: nothing outside this list can be asked for by name.
MEDIA_TYPES = {
    "swagger-ui-bundle.js": JAVASCRIPT,
    "swagger-ui.css": CSS,
    "start-swagger-ui.js": JAVASCRIPT,
    "oauth2-redirect.js": JAVASCRIPT,
    "redoc.standalone.js": JAVASCRIPT,
    "api-docs.css": CSS,
}


def fingerprint(name: str) -> str:
    """The start of the file's SHA-256: it changes whenever the file does."""
    return hashlib.sha256((DIRECTORY / name).read_bytes()).hexdigest()[:16]


# Read once, at import, never while serving a request. The pages link each
# file with its fingerprint, so a browser may keep a file for a year (see
# routes.py) and still loads the new one the day it changes.
FINGERPRINTS = {name: fingerprint(name) for name in MEDIA_TYPES}


def asset_url(root_path: str, name: str) -> str:
    return f"{root_path}/docs/assets/{name}?v={FINGERPRINTS[name]}"
