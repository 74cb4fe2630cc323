"""Lambda (prefix `lambda`): `Invoke` is `lambda:InvokeFunction` on the function's ARN (a name, a partial
ARN or an ARN; the qualifier's ARN when one is given), the function calls their own action on it."""

from __future__ import annotations

from typing import Any, Final

from localcloud.iam.requests.call import Authorization, Call

RENAMED: Final = {
    "Invoke": "InvokeFunction",
    "InvokeAsync": "InvokeFunction",
    "InvokeWithResponseStream": "InvokeFunction",
}


def function_arn(call: Call, name: Any, qualifier: Any = None) -> str:
    text = str(name)
    if text.startswith("arn:"):
        arn = text
    else:
        parts = text.split(":")
        if len(parts) >= 3 and parts[1] == "function":  # <account>:function:<name>[:qualifier]
            arn = f"arn:{call.partition}:lambda:{call.region}:{text}"
        else:
            arn = call.arn(f"function:{text}")
    if qualifier and arn.count(":") == 6:
        arn = f"{arn}:{qualifier}"
    return arn


def authorizations(call: Call) -> list[Authorization]:
    params = call.params
    action = call.action(RENAMED.get(call.operation))
    if "FunctionName" not in params:
        return [call.authorization(action, "*")]
    return [call.authorization(action, function_arn(call, params["FunctionName"], params.get("Qualifier")))]
