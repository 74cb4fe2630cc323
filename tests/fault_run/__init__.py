"""The fault run (`make fault-run`; a small one in `make test`, `tests/fault_run/test_fault_run.py`): the original's
workload W posted to a local cloud that injects every kind of fault `localcloud.faults` has, on every hop, then a
redrive, then the proof that nothing was lost and nothing doubled.

`load` funds the customers and posts the orders as a careful client does (an `Idempotency-Key` per request, a
failed or timed-out request sent again with the same key, orders refused as retryable sent again in a new
request); `ledger` reads back what the system holds (trades, customers, positions, ticker-day shares, the trades
bucket, the dead-letter queues) and `checks` compares it with what was accepted; `report` prints it.
"""
