"""Step Functions (prefix `states`): calls on the state machine, execution or activity ARN they name; the
task-token calls (`SendTaskSuccess`, `SendTaskFailure`, `SendTaskHeartbeat`) on the state machine whose
execution waits on the token (`task_tokens`), `*` for a token nothing waits on."""

from __future__ import annotations

from typing import Final

from localcloud.iam.requests.call import Authorization, Call
from localcloud.iam.requests.task_tokens import state_machine_of

TASK_TOKEN: Final = frozenset({"SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"})


def authorizations(call: Call) -> list[Authorization]:
    params, action = call.params, call.action()
    if call.operation in TASK_TOKEN:
        machine = state_machine_of(params.get("taskToken"), call.region, call.account)
        return [call.authorization(action, machine or "*")]
    for key in ("stateMachineArn", "executionArn", "activityArn", "resourceArn", "mapRunArn"):
        if key in params:
            return [call.authorization(action, str(params[key]))]
    return [call.authorization(action, "*")]
