"""Check the answers before anything is written.

Cookiecutter renders this file with the answers, so each value below is a
JSON string literal (also a valid Python literal) and needs no escaping.
On a bad answer we print one line naming the field, the value and the rule,
and exit 1; cookiecutter then removes the half-made project directory.
"""

import keyword
import re
import sys

ANSWERS = {
    "project_name": {{ cookiecutter.project_name | literal }},
    "project_slug": {{ cookiecutter.project_slug | literal }},
    "package_name": {{ cookiecutter.package_name | literal }},
    "description": {{ cookiecutter.description | literal }},
    "author_name": {{ cookiecutter.author_name | literal }},
    "author_email": {{ cookiecutter.author_email | literal }},
    "database": {{ cookiecutter.database | literal }},
    "http_client": {{ cookiecutter.http_client | literal }},
    "kubernetes": {{ cookiecutter.kubernetes | literal }},
    "examples": {{ cookiecutter.examples | literal }},
    "observability": {{ cookiecutter.observability | literal }},
    "auth": {{ cookiecutter.auth | literal }},
    "cache": {{ cookiecutter.cache | literal }},
}

CHOICES = {
    "database": ("postgresql", "sqlite", "none"),
    "http_client": ("yes", "no"),
    "kubernetes": ("no", "yes"),
    "examples": ("yes", "no"),
    "observability": ("yes", "no"),
    "auth": ("none", "oidc"),
    "cache": ("none", "redis"),
}

# PEP 508: letters, digits, '.', '_' and '-', starting and ending alphanumeric.
DISTRIBUTION_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")

# Import names the baked project depends on or lays out beside its package:
# a package called like one of them would shadow it.
TAKEN_IMPORT_NAMES = frozenset(
    "aiohttp aiosqlite alembic asgi_lifespan asyncpg fastapi httpx httpx_aiohttp migrations "
    "cryptography jwt "
    "opentelemetry prometheus_client pydantic pydantic_settings pytest redis sqlalchemy sqlmodel "
    "starlette tests uvicorn websockets".split()
)


def problems(answers: dict[str, str]) -> list[str]:
    """Return one message per broken rule, each naming field, value and rule."""
    found = []

    def broken(field: str, rule: str) -> None:
        found.append(f"{field} {answers[field]!r} {rule}")

    for field in ("project_name", "description", "author_name", "author_email"):
        if CONTROL_CHARACTER.search(answers[field]):
            broken(field, "must be a single line without control characters")
    # A name without letters or digits slugifies to "", which cookiecutter cannot
    # use as a directory name; cookiecutter.json turns that slug into "-" so that
    # the bake reaches this hook and the user reads why.
    if not any(char.isalnum() for char in answers["project_name"]):
        broken("project_name", "must contain a letter or a digit")

    if not DISTRIBUTION_NAME.match(answers["project_slug"]):
        broken(
            "project_slug",
            "must be a valid distribution name: ASCII letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit",
        )

    package = answers["package_name"]
    if not (package.isascii() and package.isidentifier()):
        broken("package_name", "must be a Python identifier of ASCII letters, digits and '_'")
    elif package != package.lower():
        broken("package_name", "must be lowercase (PEP 8)")
    elif keyword.iskeyword(package) or keyword.issoftkeyword(package):
        broken("package_name", "must not be a Python keyword")
    elif package in sys.stdlib_module_names:
        broken("package_name", "must not shadow a standard-library module")
    elif package in TAKEN_IMPORT_NAMES:
        broken("package_name", "must not shadow a package the project imports")

    if not EMAIL.match(answers["author_email"]):
        broken("author_email", "must look like name@example.com")

    for field, allowed in CHOICES.items():
        if answers[field] not in allowed:
            broken(field, f"must be one of: {', '.join(allowed)}")

    # Several replicas cannot share one SQLite file, and the pods' root
    # filesystem is read-only.
    if answers["kubernetes"] == "yes" and answers["database"] == "sqlite":
        broken("kubernetes", "needs database 'postgresql' or 'none', not 'sqlite'")
    return found


def main() -> int:
    found = problems(ANSWERS)
    for message in found:
        print(f"ERROR: {message}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
