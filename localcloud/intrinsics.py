"""CloudFormation intrinsic functions, conditions and pseudo parameters, resolved as CloudFormation does.

`Resolver.resolve` turns a template value into plain JSON: `Ref`, `Fn::GetAtt` (both forms),
`Fn::Sub` (string and `[string, variables]`, `${!Literal}`), `Fn::Join`, `Fn::Select`, `Fn::Split`,
`Fn::If` with the template's `Conditions` (`Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`,
`Fn::Contains`, `Condition`), `Fn::FindInMap` (with `DefaultValue`), `Fn::GetStackOutput`,
`Fn::ImportValue`, `Fn::Base64`, `Fn::GetAZs`, `Fn::ToJsonString`, `Fn::Length` and the pseudo
parameters. `AWS::NoValue` removes the property or list element that holds it.

What a reference resolves to (a resource's physical id or attribute, another stack's output, an
export) is asked of the caller through callbacks, so this module knows nothing of AWS.
`references` lists the resources a value refers to, for the deployer's dependency graph.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

ACCOUNT_ID: Final = "123456789012"  # moto's default account
PARTITION: Final = "aws"
URL_SUFFIX: Final = "amazonaws.com"

_SUB_PLACEHOLDER: Final = re.compile(r"\$\{([^}]*)\}")


class IntrinsicError(ValueError):
    """A template value that cannot be resolved; the message names the function and the operands."""


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Final = _NoValue()


def _intrinsic(value: Any) -> tuple[str, Any] | None:
    """(name, operand) when `value` is a one-key `Ref`/`Fn::*`/`Condition` object."""
    if isinstance(value, dict) and len(value) == 1:
        (key, operand), *_ = value.items()
        if key == "Ref" or key.startswith("Fn::"):
            return key, operand
    return None


def split_get_att(operand: Any) -> tuple[str, Any]:
    """`["Id", "Attr"]` or `"Id.Attr"` (the attribute may itself hold dots, as in `Outputs.X`)."""
    if isinstance(operand, str):
        logical_id, _, attribute = operand.partition(".")
        if not attribute:
            raise IntrinsicError(f"Fn::GetAtt {operand!r}: expected 'LogicalId.Attribute'")
        return logical_id, attribute
    if isinstance(operand, list) and len(operand) == 2 and isinstance(operand[0], str):
        return operand[0], operand[1]
    raise IntrinsicError(f"Fn::GetAtt {operand!r}: expected [logicalId, attribute]")


def _sub_operands(operand: Any) -> tuple[str, Mapping[str, Any]]:
    if isinstance(operand, str):
        return operand, {}
    if isinstance(operand, list) and len(operand) == 2 and isinstance(operand[0], str) and isinstance(operand[1], dict):
        return operand[0], operand[1]
    raise IntrinsicError(f"Fn::Sub {operand!r}: expected a string or [string, {{variables}}]")


def references(value: Any) -> set[str]:
    """Logical ids `value` refers to through `Ref`, `Fn::GetAtt` and `Fn::Sub` placeholders.

    Pseudo parameters, template parameters and `Fn::Sub` variables are included as names too; the
    deployer keeps only the names of resources.
    """
    found: set[str] = set()

    def walk(node: Any, local: frozenset[str] = frozenset()) -> None:
        call = _intrinsic(node)
        if call is not None:
            name, operand = call
            if name == "Ref" and isinstance(operand, str):
                if operand not in local:
                    found.add(operand)
                return
            if name == "Fn::GetAtt":
                logical_id, attribute = split_get_att(operand)
                found.add(logical_id)
                walk(attribute, local)
                return
            if name == "Fn::Sub":
                text, variables = _sub_operands(operand)
                walk(dict(variables), local)
                names = local | frozenset(variables)
                for placeholder in _SUB_PLACEHOLDER.findall(text):
                    if placeholder.startswith("!"):
                        continue
                    head = placeholder.split(".", 1)[0]
                    if head not in names:
                        found.add(head)
                return
            walk(operand, local)
            return
        if isinstance(node, dict):
            for item in node.values():
                walk(item, local)
        elif isinstance(node, list):
            for item in node:
                walk(item, local)

    walk(value)
    return found


def _strip_no_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _strip_no_value(item) for key, item in value.items() if item is not NO_VALUE}
    if isinstance(value, list):
        return [_strip_no_value(item) for item in value if item is not NO_VALUE]
    return value


def _scalar_text(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise IntrinsicError(f"{where}: expected a string, got {value!r}")


@dataclass
class Resolver:
    """Resolves the values of one stack's template.

    `ref(logical_id)` and `get_att(logical_id, attribute)` answer for the stack's resources,
    `stack_output(stack, output, region)` for `Fn::GetStackOutput`, `import_value(name)` for
    `Fn::ImportValue`. `parameters` are the resolved parameter values.
    """

    stack_name: str
    region: str
    ref: Callable[[str], Any]
    get_att: Callable[[str, str], Any]
    stack_output: Callable[[str, str, str], Any]
    import_value: Callable[[str], Any]
    account_id: str = ACCOUNT_ID
    partition: str = PARTITION
    url_suffix: str = URL_SUFFIX
    stack_id: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    conditions: Mapping[str, Any] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)
    _condition_values: dict[str, bool] = field(default_factory=dict, init=False, repr=False)
    _evaluating: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.stack_id:
            self.stack_id = (
                f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/"
                "00000000-0000-0000-0000-000000000000"
            )

    # -- public -----------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic function replaced by its result and `AWS::NoValue` removed."""
        resolved = self._resolve(value)
        if resolved is NO_VALUE:
            return None
        return _strip_no_value(resolved)

    def condition(self, name: str) -> bool:
        """The value of the template condition `name` (evaluated once)."""
        if name in self._condition_values:
            return self._condition_values[name]
        if name not in self.conditions:
            raise IntrinsicError(f"condition {name!r} is not declared in Conditions")
        if name in self._evaluating:
            raise IntrinsicError(f"condition {name!r} refers to itself")
        self._evaluating.add(name)
        try:
            value = self._condition_value(self.conditions[name], f"condition {name}")
        finally:
            self._evaluating.discard(name)
        self._condition_values[name] = value
        return value

    def pseudo(self, name: str) -> Any:
        values: dict[str, Any] = {
            "AWS::AccountId": self.account_id,
            "AWS::Region": self.region,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self.stack_id,
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        if name not in values:
            raise IntrinsicError(f"unknown pseudo parameter {name!r}")
        return values[name]

    # -- internals --------------------------------------------------------------------------

    def _ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.parameters:
            return self.parameters[name]
        return self.ref(name)

    def _condition_value(self, node: Any, where: str) -> bool:
        if isinstance(node, dict) and set(node) == {"Condition"}:
            return self.condition(node["Condition"])
        value = self._resolve(node)
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise IntrinsicError(f"{where}: expected a condition, got {node!r}")

    def _resolve(self, value: Any) -> Any:
        call = _intrinsic(value)
        if call is not None:
            name, operand = call
            method = _FUNCTIONS.get(name)
            if method is None:
                raise IntrinsicError(f"intrinsic function {name} is not supported")
            return method(self, operand)
        if isinstance(value, dict):
            return {key: self._resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._resolve(item) for item in value]
        return value

    def _list(self, operand: Any, name: str, length: int | None = None) -> list[Any]:
        if not isinstance(operand, list) or (length is not None and len(operand) != length):
            size = f" of {length}" if length is not None else ""
            raise IntrinsicError(f"{name} {operand!r}: expected a list{size}")
        return operand

    def _fn_ref(self, operand: Any) -> Any:
        if not isinstance(operand, str):
            raise IntrinsicError(f"Ref {operand!r}: expected a name")
        return self._ref(operand)

    def _fn_get_att(self, operand: Any) -> Any:
        logical_id, attribute = split_get_att(operand)
        attribute = self._resolve(attribute)
        if not isinstance(attribute, str):
            raise IntrinsicError(f"Fn::GetAtt {operand!r}: the attribute must resolve to a string")
        return self.get_att(logical_id, attribute)

    def _fn_sub(self, operand: Any) -> Any:
        text, raw_variables = _sub_operands(operand)
        variables = {key: self._resolve(item) for key, item in raw_variables.items()}

        def replace(match: re.Match[str]) -> str:
            placeholder = match.group(1)
            if placeholder.startswith("!"):
                return "${" + placeholder[1:] + "}"
            if placeholder in variables:
                value = variables[placeholder]
            elif "." in placeholder and not placeholder.startswith("AWS::"):
                logical_id, attribute = placeholder.split(".", 1)
                value = self.get_att(logical_id, attribute)
            else:
                value = self._ref(placeholder)
            return _scalar_text(value, f"Fn::Sub ${{{placeholder}}}")

        return _SUB_PLACEHOLDER.sub(replace, text)

    def _fn_join(self, operand: Any) -> Any:
        delimiter, items = self._list(operand, "Fn::Join", 2)
        values = self._resolve(items)
        if not isinstance(values, list):
            raise IntrinsicError(f"Fn::Join {operand!r}: the second operand must resolve to a list")
        parts = [_scalar_text(item, "Fn::Join") for item in values if item is not NO_VALUE]
        return _scalar_text(delimiter, "Fn::Join delimiter").join(parts)

    def _fn_select(self, operand: Any) -> Any:
        index, items = self._list(operand, "Fn::Select", 2)
        position = int(self._resolve(index))
        values = self._resolve(items)
        if not isinstance(values, list) or not 0 <= position < len(values):
            raise IntrinsicError(f"Fn::Select {operand!r}: index {position} out of range")
        return values[position]

    def _fn_split(self, operand: Any) -> Any:
        delimiter, text = self._list(operand, "Fn::Split", 2)
        return _scalar_text(self._resolve(text), "Fn::Split").split(delimiter)

    def _fn_if(self, operand: Any) -> Any:
        name, when_true, when_false = self._list(operand, "Fn::If", 3)
        return self._resolve(when_true if self.condition(name) else when_false)

    def _fn_equals(self, operand: Any) -> Any:
        left, right = (self._resolve(item) for item in self._list(operand, "Fn::Equals", 2))
        if isinstance(left, (str, int, float, bool)) and isinstance(right, (str, int, float, bool)):
            return _scalar_text(left, "Fn::Equals") == _scalar_text(right, "Fn::Equals")
        return bool(left == right)

    def _fn_not(self, operand: Any) -> Any:
        (item,) = self._list(operand, "Fn::Not", 1)
        return not self._condition_value(item, "Fn::Not")

    def _fn_and(self, operand: Any) -> Any:
        return all(self._condition_value(item, "Fn::And") for item in self._list(operand, "Fn::And"))

    def _fn_or(self, operand: Any) -> Any:
        return any(self._condition_value(item, "Fn::Or") for item in self._list(operand, "Fn::Or"))

    def _fn_contains(self, operand: Any) -> Any:
        items, value = (self._resolve(item) for item in self._list(operand, "Fn::Contains", 2))
        if not isinstance(items, list):
            raise IntrinsicError(f"Fn::Contains {operand!r}: the first operand must resolve to a list")
        return value in items

    def _fn_find_in_map(self, operand: Any) -> Any:
        items = self._list(operand, "Fn::FindInMap")
        if len(items) not in (3, 4):
            raise IntrinsicError(f"Fn::FindInMap {operand!r}: expected [map, key, key(, {{DefaultValue}})]")
        map_name, top, second = (self._resolve(item) for item in items[:3])
        try:
            return self.mappings[map_name][top][second]
        except (KeyError, TypeError):
            if len(items) == 4 and isinstance(items[3], dict) and "DefaultValue" in items[3]:
                return self._resolve(items[3]["DefaultValue"])
            raise IntrinsicError(f"Fn::FindInMap: {map_name}/{top}/{second} is not in Mappings") from None

    def _fn_get_stack_output(self, operand: Any) -> Any:
        if not isinstance(operand, dict) or not {"StackName", "OutputName"} <= operand.keys():
            raise IntrinsicError(f"Fn::GetStackOutput {operand!r}: expected StackName and OutputName")
        spec = self._resolve(operand)
        return self.stack_output(spec["StackName"], spec["OutputName"], spec.get("Region", self.region))

    def _fn_import_value(self, operand: Any) -> Any:
        return self.import_value(_scalar_text(self._resolve(operand), "Fn::ImportValue"))

    def _fn_base64(self, operand: Any) -> Any:
        return base64.b64encode(_scalar_text(self._resolve(operand), "Fn::Base64").encode()).decode()

    def _fn_get_azs(self, operand: Any) -> Any:
        region = self._resolve(operand) or self.region
        return [f"{region}{zone}" for zone in "abc"]

    def _fn_to_json_string(self, operand: Any) -> Any:
        return json.dumps(self.resolve(operand), separators=(",", ":"))

    def _fn_length(self, operand: Any) -> Any:
        value = self._resolve(operand)
        if not isinstance(value, list):
            raise IntrinsicError(f"Fn::Length {operand!r}: expected a list")
        return len(value)


_FUNCTIONS: Final[dict[str, Callable[[Resolver, Any], Any]]] = {
    "Ref": Resolver._fn_ref,
    "Fn::GetAtt": Resolver._fn_get_att,
    "Fn::Sub": Resolver._fn_sub,
    "Fn::Join": Resolver._fn_join,
    "Fn::Select": Resolver._fn_select,
    "Fn::Split": Resolver._fn_split,
    "Fn::If": Resolver._fn_if,
    "Fn::Equals": Resolver._fn_equals,
    "Fn::Not": Resolver._fn_not,
    "Fn::And": Resolver._fn_and,
    "Fn::Or": Resolver._fn_or,
    "Fn::Contains": Resolver._fn_contains,
    "Fn::FindInMap": Resolver._fn_find_in_map,
    "Fn::GetStackOutput": Resolver._fn_get_stack_output,
    "Fn::ImportValue": Resolver._fn_import_value,
    "Fn::Base64": Resolver._fn_base64,
    "Fn::GetAZs": Resolver._fn_get_azs,
    "Fn::ToJsonString": Resolver._fn_to_json_string,
    "Fn::Length": Resolver._fn_length,
}
SUPPORTED_FUNCTIONS: Final = tuple(sorted(_FUNCTIONS))
