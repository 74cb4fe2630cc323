"""Logger, Tracer and Metrics of a function, set up in one place (Powertools).

Each handler module calls `observability()` once at import, so every function gets its own instances
under its `POWERTOOLS_SERVICE_NAME` (the layer's modules are shared by every function the local cloud
runs in one process). Metrics go to `POWERTOOLS_METRICS_NAMESPACE` with the dimension `service`; every metric
here is a count, but for the timings of `milliseconds`. The names the stage's dashboard reads are contracts
(`trading_core.contracts`, "Metrics").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider


@dataclass(frozen=True)
class Observability:
    logger: Logger
    tracer: Tracer
    metrics: Metrics

    def count(self, counts: Mapping[str, int]) -> None:
        """Adds each count as a metric of unit Count."""
        for name, value in counts.items():
            self.metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)

    def count_by(self, name: str, dimension: str, counts: Mapping[str, int]) -> None:
        """One Count metric `name` per value of `dimension` (e.g. fills per venue). A dimension applies to a whole
        metric document, so each is its own (Powertools' single metric: namespace and `service` as the others)."""
        for value, count in sorted(counts.items()):
            with single_metric(name=name, unit=MetricUnit.Count, value=count) as metric:
                metric.add_dimension(name=dimension, value=value)

    def milliseconds(self, name: str, value: float) -> None:
        self.metrics.add_metric(name=name, unit=MetricUnit.Milliseconds, value=value)


def observability() -> Observability:
    # A provider of its own: `Metrics()` alone keeps its metrics in dictionaries shared by every
    # instance in the process, so two functions running at once (the local cloud, a test's concurrent
    # warm instances) would flush each other's metrics and fail with "dictionary changed size".
    metrics = Metrics(provider=AmazonCloudWatchEMFProvider())
    return Observability(logger=Logger(), tracer=Tracer(), metrics=metrics)
