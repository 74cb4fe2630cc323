"""The soak's verdict (`soak.verdict`): the line over the samples after the warm-up, and when it fails."""

from __future__ import annotations

import pytest

from soak import report
from soak.load import Run, Sample
from soak.sampling import STORES
from soak.verdict import MAX_GROWTH_PER_1000, MIB, judge, slope, warm_up


def sample(seconds: float, orders: int, rss_mib: float, stream: int = 0) -> Sample:
    stores = dict.fromkeys(STORES, 0) | {"stream records": stream}
    return Sample(seconds, orders, orders * 4, 10, (0.1, 0.2, 0.3), 0, int(rss_mib * MIB), stores)


def steady(per_1000_orders_mib: float, *, minutes: float = 10, rate: float = 8.0) -> list[Sample]:
    """A sample every 30 s, RSS rising by the given MiB per 1,000 orders from 700 MiB."""
    points = int(minutes * 2)
    return [
        sample(30.0 * n, int(rate * 30 * n), 700 + per_1000_orders_mib * rate * 30 * n / 1000, stream=n % 3)
        for n in range(1, points + 1)
    ]


def test_the_slope_is_least_squares() -> None:
    assert slope([0, 1, 2, 3], [1, 3, 5, 7]) == pytest.approx(2.0)
    assert slope([0, 1, 2], [0, 2, 1]) == pytest.approx(0.5)
    assert slope([1, 1, 1], [1, 2, 3]) is None


def test_the_warm_up_is_half_the_load_and_at_least_the_stream_retention() -> None:
    assert warm_up(600) == 310.0  # the retention (300 s) and one trim (10 s)
    assert warm_up(1200) == 600.0


@pytest.mark.parametrize(("growth", "passed"), [(0.0, True), (25.8, True), (39.0, True), (41.0, False), (128.0, False)])
def test_memory_growing_faster_than_the_threshold_per_1000_orders_fails(growth: float, passed: bool) -> None:
    verdict = judge(steady(growth), 600)
    assert verdict.judged and verdict.points == 10 and verdict.from_seconds == 310
    assert verdict.per_1000_orders == pytest.approx(growth * MIB)
    assert verdict.per_minute == pytest.approx(growth * MIB * 8 * 60 / 1000)
    assert verdict.passed is passed
    assert verdict.threshold == MAX_GROWTH_PER_1000
    assert ("verdict: PASS" in report.render_verdict(verdict)) is passed


def test_a_run_too_short_for_a_line_is_not_judged_and_does_not_fail() -> None:
    verdict = judge(steady(500.0, minutes=2), 120)
    assert not verdict.judged and verdict.passed and verdict.per_1000_orders is None
    assert "not judged" in report.render_verdict(verdict)
    assert judge(steady(500.0, minutes=2), 120, from_seconds=60).passed is False


def test_the_report_has_a_row_per_sample_and_the_drained_one() -> None:
    samples = steady(10.0, minutes=1)
    run = Run(8.0, 60.0, 30.0, 8, ["c"], setup_orders=3, samples=samples, drained=sample(61, 480, 710))
    rendered = report.render(run, judge(samples, 60.0))
    rows = [line.split()[0] for line in rendered.splitlines() if line.startswith("   ")]
    assert rows[-3:] == ["0:30", "1:00", "idle"]
