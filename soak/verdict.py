"""The soak's verdict on memory: does the local cloud's RSS keep rising with the orders, once warmed up?

The warm-up is the first half of the load, and at least the local stream retention and one trim
(`localcloud.delivery.retention`: until then stream records accumulate by design). Over the samples after it a
least-squares line is fitted to RSS against orders posted (and against time): memory only churned gives a
slope near zero, memory kept per order a steady one. Some is kept by design, the data the system stores:
every order's item, its trades' item, the settled batches in S3, as moto holds them in this process. On W
that measured 25.8 MiB per 1,000 orders over a 10-minute soak at 8 orders/s (about 1,740 items and 780 objects
per 1,000 orders; their sizes, summed object by object, account for it). The run FAILS above
`MAX_GROWTH_PER_1000`, 40 MiB per 1,000 orders: above that and its noise, below what either leak `make soak`
found added to it (by the objects' sizes, the item copies moto's registry kept: ~29 MiB; the stream records
never trimmed: ~61 MiB; both, before they were fixed: 128.1 MiB of RSS per 1,000 orders in the same soak).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from localcloud.delivery.retention import RETENTION, TRIM_EVERY
from soak.load import Sample

MIB: Final = 1024 * 1024
MAX_GROWTH_PER_1000: Final = 40 * MIB  # bytes of RSS per 1,000 orders posted, over the second half
MIN_POINTS: Final = 3


def slope(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """The least-squares slope of ys on xs; None if xs do not vary."""
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    spread = sum((x - mean_x) ** 2 for x in xs)
    if not spread:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


@dataclass(frozen=True)
class Verdict:
    points: int  # samples of the second half the line is fitted to
    from_seconds: float  # where the second half starts
    per_1000_orders: float | None  # bytes of RSS per 1,000 orders posted
    per_minute: float | None  # bytes of RSS per minute
    stores_per_1000_orders: dict[str, float]  # each store's count per 1,000 orders
    threshold: float = MAX_GROWTH_PER_1000

    @property
    def judged(self) -> bool:
        return self.per_1000_orders is not None

    @property
    def passed(self) -> bool:
        """Not failed: a run too short to fit a line is not judged, and does not fail."""
        return self.per_1000_orders is None or self.per_1000_orders <= self.threshold


def warm_up(load_seconds: float) -> float:
    """Seconds of the load before the line: half of it, and at least the stream retention and one trim."""
    return max(load_seconds / 2, RETENTION + TRIM_EVERY)


def judge(
    samples: Sequence[Sample],
    load_seconds: float,
    *,
    from_seconds: float | None = None,
    threshold: float = MAX_GROWTH_PER_1000,
) -> Verdict:
    """The line over the samples after the warm-up (`warm_up`, unless `from_seconds`), at least `MIN_POINTS`."""
    half = warm_up(load_seconds) if from_seconds is None else from_seconds
    points = [s for s in samples if s.seconds >= half]
    if len(points) < MIN_POINTS:
        return Verdict(len(points), half, None, None, {}, threshold)
    orders = [float(s.orders) for s in points]
    per_order = slope(orders, [float(s.rss) for s in points])
    per_second = slope([s.seconds for s in points], [float(s.rss) for s in points])
    stores: dict[str, float] = {}
    for name in points[0].stores:
        store_slope = slope(orders, [float(s.stores.get(name, 0)) for s in points])
        if store_slope is not None:
            stores[name] = store_slope * 1000
    return Verdict(
        points=len(points),
        from_seconds=half,
        per_1000_orders=None if per_order is None else per_order * 1000,
        per_minute=None if per_second is None else per_second * 60,
        stores_per_1000_orders=stores,
        threshold=threshold,
    )
