"""Patch 12: DynamoDB update expressions parsed once, not three times per UpdateItem (same semantics, faster).

moto parses an `UpdateExpression` into an AST in the request handler (to find the names and values it uses)
and again in the backend, deep-copies it for validation, and its validators rebuild their dispatch table for
every node they visit. Nothing in the AST depends on the request's values (they are placeholders), so:
- `dynamodb.parsing.expressions.UpdateExpressionParser.make(expression_str)` is memoized by the expression
  string (an invalid expression raises every time, as before; the callers only read the AST or copy it);
- `dynamodb.parsing.validators.deepcopy` (the validator's copy of the AST it then rewrites) clones a memoized
  AST from its pickled form, which builds the same objects as `copy.deepcopy` in a fraction of the time;
  anything else is deep-copied as before;
- `dynamodb.parsing.ast_nodes.DepthFirstTraverser.nodes_to_be_processed` and `.process` keep each
  processor's `_processing_map()` (a constant table of its bound methods) instead of rebuilding it per node.
"""

from __future__ import annotations

import copy
import pickle
import threading
from collections import OrderedDict
from typing import Any, Final

from localcloud.moto_patches.patching import original, replace

MEMOIZED_EXPRESSIONS: Final = 1024  # distinct update expressions kept (least recently used dropped)

_lock = threading.Lock()
_asts: OrderedDict[str, Any] = OrderedDict()  # expression → AST (shared, never modified)
_pickled: dict[int, tuple[Any, bytes]] = {}  # id(AST) → (the AST, kept alive so the id stays its own; pickle)
_parse: Any = None  # moto's `make`, unbound (set by `install`)


def install() -> None:
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    replace(UpdateExpressionParser, "make", classmethod(make))
    global _parse
    _parse = original(UpdateExpressionParser, "make").__func__
    replace(validators, "deepcopy", validator_copy)
    replace(DepthFirstTraverser, "nodes_to_be_processed", nodes_to_be_processed)
    replace(DepthFirstTraverser, "process", process)


def make(cls: Any, expression_str: str) -> Any:
    with _lock:
        ast = _asts.get(expression_str)
        if ast is not None:
            _asts.move_to_end(expression_str)
            return ast
    ast = _parse(cls, expression_str)
    pickled = pickle.dumps(ast, protocol=pickle.HIGHEST_PROTOCOL)
    with _lock:
        _asts[expression_str] = ast
        _pickled[id(ast)] = (ast, pickled)
        while len(_asts) > MEMOIZED_EXPRESSIONS:
            _, dropped = _asts.popitem(last=False)
            _pickled.pop(id(dropped), None)
    return ast


def validator_copy(value: Any, memo: Any = None) -> Any:
    """`copy.deepcopy` for the validators: a memoized AST is rebuilt from its pickle."""
    entry = _pickled.get(id(value))
    if entry is not None and entry[0] is value:
        return pickle.loads(entry[1])
    return copy.deepcopy(value, memo)


def _table(traverser: Any) -> dict[type, Any]:
    table: dict[type, Any] | None = traverser.__dict__.get("_localcloud_processing_map")
    if table is None:
        table = traverser.__dict__["_localcloud_processing_map"] = traverser._processing_map()
    return table


def nodes_to_be_processed(self: Any) -> tuple[type, ...]:
    kinds: tuple[type, ...] | None = self.__dict__.get("_localcloud_node_kinds")
    if kinds is None:
        kinds = self.__dict__["_localcloud_node_kinds"] = tuple(_table(self))
    return kinds


def process(self: Any, node: Any) -> Any:
    for class_key, processor in _table(self).items():
        if isinstance(node, class_key):
            return processor(node)
    return None
