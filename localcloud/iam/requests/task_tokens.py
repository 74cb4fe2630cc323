"""The state machine a task token belongs to: IAM authorizes `SendTaskSuccess`/`Failure`/`Heartbeat` on it.

Read from moto's Step Functions state (the running executions' callback pools); None for a token no
running execution waits on (the call then fails as moto answers it, after IAM's check on `*`).
"""

from __future__ import annotations

from typing import Any


def state_machine_of(token: Any, region: str, account: str) -> str | None:
    from moto.stepfunctions.responses import get_backend

    try:
        backend = get_backend(account, region)
        for machine in backend.state_machines:
            for execution in machine.executions:
                worker = getattr(execution, "exec_worker", None)
                pool = getattr(getattr(worker, "env", None), "callback_pool_manager", None)
                if pool is not None and pool.get(token) is not None:
                    return str(execution.state_machine_arn)
    except Exception:
        return None
    return None
