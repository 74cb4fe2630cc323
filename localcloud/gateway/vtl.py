"""The part of API Gateway's mapping-template language (Velocity) that the templates use.

Supported: plain text with references `$input.body`, `$input.json('<path>')`, `$input.path('<path>')`,
`$util.escapeJavaScript(<expr>)`, `$context.<name>[.<name>]`, `$stageVariables.<name>` and the string method
`.replaceAll("<regex>", "<replacement>")` on any of them. Paths are `$`, `$.a.b` and `$.a[0]`.
Directives (`#set`, `#if`, `#foreach`) and any other reference are refused by `check`, which the
deployer calls on every template, so an unsupported template stops the start instead of answering
something API Gateway would not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_REFERENCE = re.compile(r"\$!?\{?([A-Za-z][A-Za-z0-9_]*)")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_DIRECTIVE = re.compile(r"(?<![\\$\w])#(set|if|elseif|else|end|foreach|macro|define|parse|include|stop|break)\b")
_PATH_PART = re.compile(r"\.([A-Za-z0-9_$@-]+)|\[(\d+)\]|\['([^']*)'\]")
ROOTS = ("input", "util", "context", "stageVariables")


class TemplateError(ValueError):
    """A template uses something this subset does not implement."""


@dataclass(frozen=True)
class Request:
    """What `$input` and `$context` see while one template renders."""

    body: str
    context: Mapping[str, Any]
    stage_variables: Mapping[str, str] = field(default_factory=dict)


def select(document: Any, path: str) -> Any:
    """`$input.path`'s JSONPath subset over a parsed document; a missing step gives None."""
    if not path.startswith("$"):
        raise TemplateError(f"JSONPath must start with '$': {path!r}")
    value, position = document, 1
    while position < len(path):
        match = _PATH_PART.match(path, position)
        if match is None:
            raise TemplateError(f"JSONPath {path!r} is not supported locally")
        key, index, quoted = match.groups()
        if index is not None:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
        else:
            value = value.get(key if key is not None else quoted) if isinstance(value, Mapping) else None
        position = match.end()
    return value


def escape_javascript(text: str) -> str:
    """Java's `StringEscapeUtils.escapeJavaScript`, which `$util.escapeJavaScript` is."""
    out: list[str] = []
    for char in text:
        code = ord(char)
        if char in "\"'\\/":
            out.append("\\" + char)
        elif char in "\b\f\n\r\t":
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif code < 0x20 or code > 0x7F:
            out.append(f"\\u{code:04X}" if code <= 0xFFFF else "".join(f"\\u{u:04X}" for u in _utf16(code)))
        else:
            out.append(char)
    return "".join(out)


def _utf16(code: int) -> tuple[int, int]:
    code -= 0x10000
    return 0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


class _Parser:
    """One reference at `start` of `template`: `$root(.name | .name(args))*`, evaluated as it is read."""

    def __init__(self, template: str, request: Request | None) -> None:
        self.template = template
        self.request = request
        self.position = 0

    def fail(self, what: str) -> TemplateError:
        snippet = self.template[max(0, self.position - 20) : self.position + 20]
        return TemplateError(f"{what} at offset {self.position} (…{snippet}…)")

    def reference(self, start: int) -> tuple[Any, int]:
        self.position = start + 1
        if self.template.startswith("!", self.position):
            self.position += 1
        if self.template.startswith("{", self.position):
            raise self.fail("formal references (${…}) are not supported locally")
        root = self._name()
        if root not in ROOTS:
            raise self.fail(f"${root} is not supported locally")
        chain: list[str] = [root]
        value: Any = None
        while self.template.startswith(".", self.position) and _NAME.match(self.template, self.position + 1):
            self.position += 1
            name = self._name()
            if self.template.startswith("(", self.position):
                args = self._arguments()
                value = self._call(chain, value, name, args)
                chain = ["<value>"]
            else:
                chain.append(name)
                value = self._attribute(chain)
        if chain == ["input"] or chain == ["util"]:
            raise self.fail(f"${chain[0]} needs a member")
        return value, self.position

    def _name(self) -> str:
        match = _NAME.match(self.template, self.position)
        if match is None:
            raise self.fail("a name was expected")
        self.position = match.end()
        return match.group()

    def _arguments(self) -> list[Any]:
        self.position += 1  # "("
        args: list[Any] = []
        while True:
            self._skip_spaces()
            char = self.template[self.position : self.position + 1]
            if char == ")":
                self.position += 1
                return args
            if char in ("'", '"'):
                end = self.template.find(char, self.position + 1)
                if end < 0:
                    raise self.fail("unterminated string")
                args.append(self.template[self.position + 1 : end])
                self.position = end + 1
            elif char == "$":
                value, self.position = _Parser(self.template, self.request).reference(self.position)
                args.append(value)
            else:
                raise self.fail("a string or a reference was expected")
            self._skip_spaces()
            if self.template.startswith(",", self.position):
                self.position += 1

    def _skip_spaces(self) -> None:
        while self.template[self.position : self.position + 1].isspace():
            self.position += 1

    def _attribute(self, chain: list[str]) -> Any:
        if chain == ["input", "body"]:
            return self.request.body if self.request else ""
        if chain[0] in ("context", "stageVariables"):
            value: Any = {}
            if self.request is not None:
                value = self.request.context if chain[0] == "context" else self.request.stage_variables
            for name in chain[1:]:
                value = value.get(name) if isinstance(value, Mapping) else None
            return value
        if chain[0] in ("input", "util") and len(chain) == 2:
            return None  # a method follows
        raise self.fail(f"${'.'.join(chain)} is not supported locally")

    def _call(self, chain: list[str], value: Any, name: str, args: list[Any]) -> Any:
        if chain == ["input"] and name in ("json", "path") and len(args) == 1:
            if self.request is None:
                return None
            try:
                document = json.loads(self.request.body) if self.request.body.strip() else {}
            except json.JSONDecodeError:
                document = None
            selected = select(document, str(args[0]))
            return json.dumps(selected, separators=(",", ":")) if name == "json" else selected
        if chain == ["util"] and name == "escapeJavaScript" and len(args) == 1:
            return escape_javascript(_text(args[0]))
        on_value = chain == ["<value>"] or chain[0] in ("context", "stageVariables")
        if on_value and name == "replaceAll" and len(args) == 2:
            return re.sub(str(args[0]), lambda _: str(args[1]), _text(value))
        raise self.fail(f"{'.'.join(chain)}.{name}() is not supported locally")


def check(template: str) -> None:
    """Raises TemplateError for anything `render` would not do as API Gateway does."""
    directive = _DIRECTIVE.search(template)
    if directive:
        raise TemplateError(f"the directive #{directive.group(1)} is not supported locally")
    _render(template, None)


def render(template: str, request: Request) -> str:
    return _render(template, request)


def _render(template: str, request: Request | None) -> str:
    out: list[str] = []
    position = 0
    while True:
        match = _REFERENCE.search(template, position)
        if match is None:
            out.append(template[position:])
            return "".join(out)
        out.append(template[position : match.start()])
        value, position = _Parser(template, request).reference(match.start())
        out.append(_text(value))
