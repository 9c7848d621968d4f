"""The registry of the metrics a process measures itself (logins, pools, GMP steps).

Kept apart from ``prometheus_client``'s default registry so that what a process
exposes or pushes is CisTrade's metrics only.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric

#: Every process metric of the library registers here.
PROCESS_REGISTRY = CollectorRegistry(auto_describe=True)


def measured_families(registry: CollectorRegistry = PROCESS_REGISTRY) -> Iterator[Metric]:
    """The registry's families that hold a measurement.

    A histogram nobody observed (all ``_count`` samples 0) and a labelled metric
    without children are left out, so a process pushes only what it measured.
    """
    for family in registry.collect():
        if family.type == "histogram":
            if any(s.name.endswith("_count") and s.value > 0 for s in family.samples):
                yield family
        elif family.samples:
            yield family


class MeasuredOnly:
    """A collector of :func:`measured_families`, to register in another registry."""

    def __init__(self, registry: CollectorRegistry = PROCESS_REGISTRY) -> None:
        self.registry = registry

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        return measured_families(self.registry)
