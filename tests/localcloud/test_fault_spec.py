"""The fault spec (`localcloud.faults.spec`) and the decisions (`localcloud.faults.injector`)."""

from __future__ import annotations

import logging

import pytest

from localcloud import faults
from localcloud.faults.injector import Injector, unit
from localcloud.faults.spec import KINDS, FaultSpecError, parse


def test_a_bare_rate_is_every_kind_on_every_target() -> None:
    spec = parse("0.1")
    assert all(spec.rate(kind, "anything") == 0.1 for kind in KINDS)
    assert spec.describe() == "every kind 0.1"


def test_the_most_specific_item_wins_whatever_the_order() -> None:
    spec = parse(" invoke-before@f=1 , 0.2, invoke-before = 0.5,dynamodb-throttle@t=0")
    assert spec.rate("invoke-before", "f") == 1
    assert spec.rate("invoke-before", "g") == 0.5
    assert spec.rate("dynamodb-throttle", "t") == 0
    assert spec.rate("dynamodb-throttle", "u") == 0.2
    assert spec.rate("s3-500", "b") == 0.2
    assert spec.describe() == "every kind 0.2, invoke-before 0.5, invoke-before@f 1, dynamodb-throttle@t 0"


def test_a_kind_only_on_one_target_may_inject_only_there() -> None:
    spec = parse("dynamodb-throttle@t=0.3,s3-500=0")
    assert spec.may_inject("dynamodb-throttle")
    assert not spec.may_inject("s3-500")
    assert not spec.may_inject("invoke-before")
    assert spec.rate("dynamodb-throttle", "u") == 0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the spec is empty"),
        ("0.1,,invoke-after=1", "an empty item"),
        ("dynamodb-throttl=0.1", "unknown kind 'dynamodb-throttl'"),
        ("invoke-after", "a kind needs its rate"),
        ("invoke-after=1.5", "the rate '1.5' is not a number from 0 to 1"),
        ("invoke-after=-0.1", "the rate '-0.1' is not a number from 0 to 1"),
        ("invoke-after=lots", "the rate 'lots' is not a number"),
        ("0.1,0.2", "a bare rate is given twice"),
        ("s3-500=0.1,s3-500=0.2", "s3-500 is given twice"),
        ("s3-500@b=0.1,s3-500@b=0.2", "s3-500@b is given twice"),
        ("s3-500@=0.1", "'' is not a bucket name"),
        ("invoke-after@a b=0.1", "'a b' is not a function name"),
    ],
)
def test_a_bad_spec_names_its_problem_and_lists_the_kinds(text: str, problem: str) -> None:
    with pytest.raises(FaultSpecError) as raised:
        parse(text)
    message = str(raised.value)
    assert problem in message
    assert all(f"  {kind} " in message for kind in KINDS)


def test_the_same_seed_decides_the_same_faults() -> None:
    spec = parse("dynamodb-throttle=0.3,invoke-after@f=0.5")
    first, again, other = Injector(spec, seed=7), Injector(spec, seed=7), Injector(spec, seed=8)

    def decisions(injector: Injector) -> list[bool]:
        return [injector.decide(kind, target) is not None for kind, target in [("dynamodb-throttle", "t")] * 40] + [
            injector.decide("invoke-after", "f") is not None for _ in range(40)
        ]

    ours = decisions(first)
    assert ours == decisions(again)
    assert ours != decisions(other)
    assert 0 < sum(ours) < len(ours)


def test_each_target_has_its_own_counter() -> None:
    """The n-th decision on a target is the same whatever other targets got in between."""
    spec = parse("dynamodb-throttle=0.5")
    alone, interleaved = Injector(spec, seed=3), Injector(spec, seed=3)
    on_t = [alone.decide("dynamodb-throttle", "t") is not None for _ in range(20)]
    mixed = []
    for _ in range(20):
        interleaved.decide("dynamodb-throttle", "u")
        mixed.append(interleaved.decide("dynamodb-throttle", "t") is not None)
    assert on_t == mixed
    assert on_t == [unit(3, "dynamodb-throttle", "t", number) < 0.5 for number in range(20)]


def test_rates_zero_and_one() -> None:
    injector = Injector(parse("s3-500=1,s3-slowdown=0"), seed=1)
    assert all(injector.decide("s3-500", "b") is not None for _ in range(50))
    assert all(injector.decide("s3-slowdown", "b") is None for _ in range(50))
    assert injector.decide("invoke-after", "f") is None


def test_a_rate_is_roughly_its_share_of_decisions() -> None:
    injector = Injector(parse("0.1"), seed=0)
    share = sum(injector.decide("invoke-before", "f") is not None for _ in range(5000)) / 5000
    assert 0.08 < share < 0.12


def test_injected_faults_are_counted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    injector = Injector(parse("1"), seed=0)
    caplog.set_level(logging.WARNING, logger="localcloud.faults")
    for kind, target in [("s3-500", "b"), ("s3-500", "b"), ("s3-500", "a"), ("invoke-after", "f")]:
        fault = injector.decide(kind, target)
        assert fault is not None
        injector.record(fault, f"what happened to {target}")
    assert injector.counts() == {"invoke-after": {"f": 1}, "s3-500": {"a": 1, "b": 2}}
    assert injector.summary() == "4 faults injected: invoke-after 1 (f 1); s3-500 3 (a 1, b 2)"
    assert [record.getMessage() for record in caplog.records][:2] == [
        "localcloud fault s3-500@b #0: what happened to b",
        "localcloud fault s3-500@b #1: what happened to b",
    ]
    assert Injector(parse("1")).summary() == "no faults injected"


def test_counts_outlive_deactivation_until_the_next_activation() -> None:
    injector = faults.activate("s3-500=1", seed=0)
    try:
        fault = faults.decide("s3-500", "b")
        assert fault is not None
        faults.record(fault, "a 500")
    finally:
        faults.deactivate()
    assert faults.active() is None and faults.decide("s3-500", "b") is None
    assert faults.counts() == injector.counts() == {"s3-500": {"b": 1}}
    faults.activate("s3-500=0")
    faults.deactivate()
    assert faults.counts() == {}
