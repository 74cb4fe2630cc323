"""Patch 11: SSM checks a parameter's value against its `AllowedPattern`, as PutParameter does on AWS.

11. `ssm.models.SimpleSystemManagerBackend.put_parameter(self, name, description, value, parameter_type,
   allowed_pattern, keyid, overwrite, tags, data_type, tier, policies)`: moto stores `AllowedPattern` (and an
   overwrite without one keeps the current version's) but accepts any value. While a runtime is active the
   value is checked first against the effective pattern, the one given, else the current version's; a value
   that does not match is refused with `ParameterPatternMismatchException` (HTTP 400, "Parameter value,
   cannot be validated against allowedPattern: <pattern>", AWS's wording) and nothing is stored: the value
   and the version stay. Everything else is moto's own code (the call is delegated unchanged), so an
   `AWS::SSM::Parameter` whose Value does not match fails the local deploy too (localcloud.resources.ssm
   calls PutParameter).

The pattern must match the whole value (`re.fullmatch`): AWS's own walkthrough (Systems Manager User Guide,
"Manage parameters using hierarchies") shows `--allowed-pattern "\\d{1,4}"` refusing `10,000`, a value a
search would accept. Python's `re` stands in for AWS's Java regular expressions; a pattern `re` cannot
compile is refused with `InvalidAllowedPatternException`. The pattern applies to the value as a whole for
every type (StringList included). Not checked, as moto decides them first or AWS gives no pattern for them:
an empty value, a put without Overwrite on an existing name (moto's ParameterAlreadyExists) and the names
reserved for `aws`/`ssm` (moto's refusal).
"""

from __future__ import annotations

import re
from typing import Any

from moto.ssm.exceptions import SSMException

from localcloud.moto_patches.patching import active_runtime, original, replace


class ParameterPatternMismatch(SSMException):
    def __init__(self, pattern: str):
        super().__init__(
            "ParameterPatternMismatchException",
            f"Parameter value, cannot be validated against allowedPattern: {pattern}",
        )


class InvalidAllowedPattern(SSMException):
    def __init__(self) -> None:
        super().__init__(
            "InvalidAllowedPatternException", "The request doesn't meet the regular expression requirement."
        )


def install() -> None:
    from moto.ssm.models import SimpleSystemManagerBackend

    replace(SimpleSystemManagerBackend, "put_parameter", put_parameter_checked)


def put_parameter_checked(
    self: Any,
    name: str,
    description: str,
    value: str,
    parameter_type: str,
    allowed_pattern: str,
    keyid: str,
    overwrite: bool,
    tags: list[dict[str, str]],
    data_type: str,
    tier: str | None,
    policies: str | None,
) -> Any:
    """Patch 11: a value that does not match the effective AllowedPattern is refused before moto stores it."""
    from moto.ssm.models import SimpleSystemManagerBackend

    if active_runtime() is not None and value and isinstance(name, str) and not _reserved(name):
        check_pattern(effective_pattern(self, name, allowed_pattern, overwrite), value)
    put = original(SimpleSystemManagerBackend, "put_parameter")
    return put(
        self,
        name,
        description,
        value,
        parameter_type,
        allowed_pattern,
        keyid,
        overwrite,
        tags,
        data_type,
        tier,
        policies,
    )


def effective_pattern(backend: Any, name: str, allowed_pattern: str | None, overwrite: bool) -> str | None:
    """The pattern given, else (on an overwrite) the current version's; None when moto will refuse the put
    anyway (an existing name without Overwrite)."""
    # not `.get`: moto's ParameterDict normalizes the name in `in` and `[]` only (and `[]` alone would add it)
    versions = backend._parameters[name] if name in backend._parameters else []  # noqa: SIM401
    if versions and not overwrite:
        return None
    if allowed_pattern is not None:
        return allowed_pattern
    return versions[-1].allowed_pattern if versions else None


def check_pattern(pattern: str | None, value: str) -> None:
    if not pattern:
        return
    try:
        compiled = re.compile(pattern)
    except re.error:
        raise InvalidAllowedPattern() from None
    if compiled.fullmatch(value) is None:
        raise ParameterPatternMismatch(pattern)


def _reserved(name: str) -> bool:
    return name.lower().lstrip("/").startswith(("aws", "ssm"))
