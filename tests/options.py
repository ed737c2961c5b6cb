"""The template's option combinations, named the way test ids read."""

import itertools
from dataclasses import dataclass

DATABASES = ("postgresql", "sqlite", "none")
HTTP_CLIENTS = ("yes", "no")


@dataclass(frozen=True)
class Options:
    database: str
    http_client: str

    @property
    def id(self) -> str:
        """`postgresql-http`, `none-no-http`, ...: a failing combination names itself."""
        return f"{self.database}-{'http' if self.http_client == 'yes' else 'no-http'}"

    @property
    def has_database(self) -> bool:
        return self.database != "none"

    @property
    def has_http_client(self) -> bool:
        return self.http_client == "yes"

    def context(self) -> dict[str, str]:
        return {"database": self.database, "http_client": self.http_client}


ALL_OPTIONS = [Options(*combination) for combination in itertools.product(DATABASES, HTTP_CLIENTS)]
