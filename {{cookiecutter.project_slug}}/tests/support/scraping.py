"""Reading what `/metrics` answers: Prometheus' text format, as samples to add up."""

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample


def samples(exposition: str) -> list[Sample]:
    return [
        sample for family in text_string_to_metric_families(exposition) for sample in family.samples
    ]


def total(found: list[Sample], name: str, **labels: str) -> float:
    """The sum of the samples called `name` whose labels include `labels`: over every
    worker, route or outcome that `labels` leaves open."""
    return sum(
        sample.value
        for sample in found
        if sample.name == name and labels.items() <= sample.labels.items()
    )
