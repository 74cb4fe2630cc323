"""Each function's metrics are its own, even when several functions run in one process at once."""

from __future__ import annotations

import json
import threading

import pytest

from trading_core.common.observability import observability


def test_two_functions_do_not_share_their_metrics(capsys: pytest.CaptureFixture[str]) -> None:
    first, second = observability(), observability()

    first.count({"OrdersRouted": 3})
    second.count({"TradesSettled": 5})
    first.metrics.flush_metrics()

    [emitted] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert emitted["OrdersRouted"] == [3.0]
    assert "TradesSettled" not in emitted
    second.metrics.flush_metrics()
    assert json.loads(capsys.readouterr().out)["TradesSettled"] == [5.0]


def test_concurrent_flushes_of_different_functions_do_not_interfere() -> None:
    functions = [observability() for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(functions))

    def invoke_many(function_number: int) -> None:
        start.wait()
        try:
            for n in range(300):
                functions[function_number].count({f"Metric{function_number}_{n % 20}": 1})
                functions[function_number].metrics.serialize_metric_set()
                functions[function_number].metrics.clear_metrics()
        except BaseException as error:  # a shared metric set fails here with "dictionary changed size"
            errors.append(error)

    threads = [threading.Thread(target=invoke_many, args=(n,)) for n in range(len(functions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
