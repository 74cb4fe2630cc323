"""EventBridge (prefix `events`): `PutEvents` on the bus of every entry (named or by ARN; `default` when none is),
rule calls on the rule's ARN on its bus, the other calls on `*` or the ARN they name."""

from __future__ import annotations

from typing import Any

from localcloud.iam.requests.call import Authorization, Call


def _bus(call: Call, name: Any) -> str:
    """A bus's ARN from its name or ARN (`default` when none is named)."""
    text = str(name or "default")
    return text if text.startswith("arn:") else call.arn(f"event-bus/{text}")


def authorizations(call: Call) -> list[Authorization]:
    params, operation = call.params, call.operation
    action = call.action()
    if operation == "PutEvents":
        buses = dict.fromkeys(_bus(call, entry.get("EventBusName")) for entry in params.get("Entries") or [])
        return [call.authorization(action, bus) for bus in buses]
    if "Rule" in params or ("Name" in params and operation.endswith("Rule")):
        rule = params.get("Rule") or params["Name"]
        bus = params.get("EventBusName")
        path = f"rule/{rule}" if not bus or bus == "default" else f"rule/{bus}/{rule}"
        return [call.authorization(action, call.arn(path))]
    if "EventBusName" in params:
        return [call.authorization(action, _bus(call, params["EventBusName"]))]
    return [call.authorization(action, str(params.get("Arn") or params.get("ResourceARN") or "*"))]
