"""SSM Parameter Store (prefix `ssm`): parameter calls on `parameter/<name>` (a leading `/` is the path's),
`GetParameters`/`DeleteParameters` on each name, `GetParametersByPath` on the path, `DescribeParameters` on `*`."""

from __future__ import annotations

from typing import Any

from localcloud.iam.requests.call import Authorization, Call


def _parameter(call: Call, name: Any) -> str:
    text = str(name)
    if text.startswith("arn:"):
        return text
    return call.arn(f"parameter/{text.lstrip('/')}")


def authorizations(call: Call) -> list[Authorization]:
    params, action = call.params, call.action()
    if "Names" in params:
        return [call.authorization(action, _parameter(call, name)) for name in params["Names"]]
    if "Name" in params:
        return [call.authorization(action, _parameter(call, params["Name"]))]
    if "Path" in params:
        return [call.authorization(action, _parameter(call, params["Path"]))]
    return [call.authorization(action, "*")]
