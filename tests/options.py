"""The template's option combinations, named the way test ids read."""

import itertools
from dataclasses import dataclass

DATABASES = ("postgresql", "sqlite", "none")
HTTP_CLIENTS = ("yes", "no")


@dataclass(frozen=True)
class Options:
    database: str
    http_client: str
    kubernetes: str = "no"

    @property
    def id(self) -> str:
        """`postgresql-http`, `none-no-http-k8s`, ...: a failing combination names itself."""
        name = f"{self.database}-{'http' if self.http_client == 'yes' else 'no-http'}"
        return name + ("-k8s" if self.has_kubernetes else "")

    @property
    def has_database(self) -> bool:
        return self.database != "none"

    @property
    def has_http_client(self) -> bool:
        return self.http_client == "yes"

    @property
    def has_kubernetes(self) -> bool:
        return self.kubernetes == "yes"

    def context(self) -> dict[str, str]:
        return {
            "database": self.database,
            "http_client": self.http_client,
            "kubernetes": self.kubernetes,
        }


# Every database x HTTP client combination; each changes the service's code.
ALL_OPTIONS = [Options(*combination) for combination in itertools.product(DATABASES, HTTP_CLIENTS)]
# Kubernetes adds manifests and changes no code: these cover what the manifests
# depend on (a database and its migration Job, or neither). SQLite is refused.
KUBERNETES_OPTIONS = [Options("postgresql", "yes", "yes"), Options("none", "no", "yes")]
