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
    examples: str = "yes"
    observability: str = "yes"
    auth: str = "none"
    cache: str = "none"

    @property
    def id(self) -> str:
        """`postgresql-http`, `none-no-http-k8s`, `none-no-http-no-examples`, ...:
        a failing combination names itself."""
        name = f"{self.database}-{'http' if self.http_client == 'yes' else 'no-http'}"
        name += "-k8s" if self.has_kubernetes else ""
        name += "" if self.has_examples else "-no-examples"
        name += "" if self.has_observability else "-no-observability"
        name += "-auth" if self.has_auth else ""
        return name + ("-redis" if self.has_cache else "")

    @property
    def has_database(self) -> bool:
        return self.database != "none"

    @property
    def has_http_client(self) -> bool:
        return self.http_client == "yes"

    @property
    def has_kubernetes(self) -> bool:
        return self.kubernetes == "yes"

    @property
    def has_examples(self) -> bool:
        return self.examples == "yes"

    @property
    def has_observability(self) -> bool:
        return self.observability == "yes"

    @property
    def has_auth(self) -> bool:
        return self.auth != "none"

    @property
    def has_cache(self) -> bool:
        return self.cache == "redis"

    def context(self) -> dict[str, str]:
        return {
            "database": self.database,
            "http_client": self.http_client,
            "kubernetes": self.kubernetes,
            "examples": self.examples,
            "observability": self.observability,
            "auth": self.auth,
            "cache": self.cache,
        }


# Every database x HTTP client combination, with the examples and observability
# (the defaults), since each changes their code too (the fan-out needs the HTTP
# client; the background job stores into the database when there is one;
# observability watches the database and the upstream). The richest without
# the examples and observability, which proves both leave nothing behind; and
# observability with every other option off.
# Authentication is on in two of them: with the upstream's shared client and
# with a client of its own (no HTTP client), each with items to guard. Redis
# on PostgreSQL with the HTTP client (the item cache beside everything else,
# authentication included), and with no database (the client and the rate
# limits alone). The others prove both leave nothing behind.
WITH_AUTH = {("postgresql", "yes"), ("sqlite", "no")}
WITH_CACHE = {("postgresql", "yes"), ("none", "no")}
ALL_OPTIONS = [
    *(
        Options(
            database,
            http_client,
            auth="oidc" if (database, http_client) in WITH_AUTH else "none",
            cache="redis" if (database, http_client) in WITH_CACHE else "none",
        )
        for database, http_client in itertools.product(DATABASES, HTTP_CLIENTS)
    ),
    Options("postgresql", "yes", examples="no", observability="no"),
    Options("none", "no", examples="no"),
]
# Kubernetes adds manifests and changes no code: these cover what the manifests
# depend on (a database and its migration Job, or neither; the autoscaler and
# the scrape annotations of observability, or not; the identity provider's
# settings, or not). SQLite is refused.
KUBERNETES_OPTIONS = [
    Options("postgresql", "yes", "yes", auth="oidc", cache="redis"),
    Options("none", "no", "yes", observability="no"),
]
