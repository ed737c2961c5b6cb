"""Jinja filters of this template; cookiecutter loads them through `_extensions`."""

import json

from cookiecutter.utils import simple_filter


@simple_filter
def literal(value: str) -> str:
    """`value` as a double-quoted string literal, valid alike in Python, TOML, YAML and JSON.

    Jinja's own `tojson` writes a character outside the Basic Multilingual Plane
    (an emoji, say) as a pair of surrogate escapes, which TOML rejects and which
    Python reads as two broken characters. Here non-ASCII text stays as it is;
    quotes, backslashes and control characters are escaped.
    """
    return json.dumps(value, ensure_ascii=False)
