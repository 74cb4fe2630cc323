"""Costs of the emulated AWS that the tests paid over and over, removed without changing behaviour.

1. botocore re-reads its JSON models for every session. `mock_aws()` gives each test a new default
   boto3 session, so each test parsed the service models, endpoints and rule sets of every client
   it created again (most of the ~1 s setup of an integration test). `share_botocore_loader`
   gives every session the one loader; the loader caches what it loaded, as it already did within
   a session, and botocore never mutates what it loaded.

2. moto 5.2.5's `transact_write_items` deep-copies every table it names, with every stream record
   ever written, once per item of the transaction, to roll back a cancelled one: the order flow's
   tests, which write thousands of items, spent about 80 % of their time there. The local cloud's
   patch 7 (`localcloud.moto_patches.dynamodb_transactions`: same answers and rollback, backing up
   only the items written; pinned by tests/localcloud/test_moto_contract.py) is installed for every
   test, not only those that start a local cloud.

3. The local cloud's patches 12-14 (update expressions parsed once per distinct expression, a dict
   member's serializer keys looked up once per shape, a handler class's methods listed once: moto's
   answers, compared with moto's own code by tests/localcloud/test_moto_speedups.py) are installed for
   every test too. Before, only the xdist worker that started the e2e local cloud had them, and only after.

4. Building a botocore client (the handlers build theirs per invocation, ~17 clients per integration test:
   a third of an order-router test's time) redid pure work every time; now done once and shared:
   - the event-name aliasing cache started empty in every client's copy of the session's emitter, so
     every event of every call was aliased again (a loop over botocore's alias table); the answer depends
     only on the name and the table, so emitters with botocore's table share one cache
     (`share_event_alias_cache`);
   - the endpoint rule set was parsed into a `RuleSet` per client: `EndpointProvider` is a pure function of
     the rule set and partition data the shared loader (1.) hands out, its resolve cache included, so one
     provider per rule set serves every client (`share_endpoint_providers`);
   - a `ServiceModel` per client over the loader's one JSON, so its per-instance caches (operation models,
     `endpoint_discovery_required`, which builds every operation's model) were refilled per client; one
     model per JSON (`share_service_models`; nothing in botocore, boto3 or moto assigns to a model);
   - the client class's ~70 methods (each with its docstring object) were made anew; they depend only on
     the service model, so each new class gets a copy of one dict of them, through the same
     `creating-client-class` event as before (`share_client_methods`; the lazy docstrings are rendered
     with the emitter of the first session that made them);
   - every handler registration ran `inspect.getfullargspec` to check for `**kwargs`; the answer is cached
     per function (`cache_accepts_kwargs`);
   - copying the session's emitter for the client went through `copy.copy` for every node of its trie;
     the same structure is now copied with the node types checked directly (`copy_emitters_faster`).
   Measured (CPU, same process, dynamodb/sqs/events/sns/ssm/s3/stepfunctions clients and a Table
   resource): ~11 -> ~6.5 ms per client.

5. moto's `camelcase_to_underscores` (a character loop; ~20 calls per SQS request, one per request of
   every service) is a pure function of its string: cached (`cache_camelcase_to_underscores`).

`install()` applies them, once per process (tests/conftest.py calls it, so pytest-xdist workers
do too). Nothing in the product imports this module.
"""

from __future__ import annotations

import copy
import functools
import sys
import threading
import types
import weakref
from collections.abc import Callable
from typing import Any

from botocore import client, hooks, loaders, regions, session
from moto.core import utils as moto_utils

from localcloud import moto_patches
from localcloud.moto_patches import dispatch, dynamodb_expressions, serialization

_installed = False


def share_botocore_loader() -> None:
    shared: list[Any] = []

    def loader(self: session.Session) -> Any:
        data_path = self.get_config_variable("data_path")
        for path, created in shared:
            if path == data_path:
                return created
        created = loaders.create_loader(data_path)
        shared.append((data_path, created))
        return created

    def register_data_loader(self: session.Session) -> None:
        self._components.lazy_register_component("data_loader", lambda: loader(self))

    session.Session._register_data_loader = register_data_loader


def share_event_alias_cache() -> None:
    aliaser_init = hooks.EventAliaser.__init__
    shared: dict[str, str] = {}

    def __init__(self: hooks.EventAliaser, event_emitter: Any, event_aliases: Any = None) -> None:
        aliaser_init(self, event_emitter, event_aliases)
        if self._event_aliases == hooks.EVENT_ALIASES:
            self._alias_name_cache = shared

    hooks.EventAliaser.__init__ = __init__


def share_endpoint_providers() -> None:
    provider_class = regions.EndpointProvider
    lock = threading.Lock()
    # (id(rule set), id(partitions), excluded) -> (rule set, partitions, provider): the data is kept alive,
    # so an id is never reused while its entry exists.
    shared: dict[tuple[int, int, Any], tuple[Any, Any, Any]] = {}

    def provider(ruleset_data: Any, partition_data: Any, excluded_params: Any = None) -> Any:
        key = (id(ruleset_data), id(partition_data), frozenset(excluded_params or ()))
        with lock:
            entry = shared.get(key)
            if entry is None:
                entry = (ruleset_data, partition_data, provider_class(ruleset_data, partition_data, excluded_params))
                shared[key] = entry
        return entry[2]

    regions.EndpointProvider = provider


def share_service_models() -> None:
    load_service_model = client.ClientCreator._load_service_model
    lock = threading.Lock()
    # (id(service JSON), service, API version) -> (service JSON, model): the JSON is kept alive, as above.
    shared: dict[tuple[int, str, Any], tuple[Any, Any]] = {}

    def _load_service_model(self: client.ClientCreator, service_name: str, api_version: Any = None) -> Any:
        model_data = self._loader.load_service_model(service_name, "service-2", api_version=api_version)
        key = (id(model_data), service_name, api_version)
        with lock:
            entry = shared.get(key)
        if entry is None:
            entry = (model_data, load_service_model(self, service_name, api_version))
            if entry[1]._service_description is not model_data:  # not the loader's cached JSON: do not share
                return entry[1]
            with lock:
                entry = shared.setdefault(key, entry)
        return entry[1]

    client.ClientCreator._load_service_model = _load_service_model


def cache_accepts_kwargs() -> None:
    accepts_kwargs = hooks.accepts_kwargs
    known: weakref.WeakKeyDictionary[Callable[..., Any], bool] = weakref.WeakKeyDictionary()

    def accepts(func: Any) -> bool:
        function = func.__func__ if isinstance(func, types.MethodType) else func
        if not isinstance(function, types.FunctionType):
            return bool(accepts_kwargs(func))
        answer = known.get(function)
        if answer is None:
            answer = known[function] = bool(accepts_kwargs(func))
        return answer

    hooks.accepts_kwargs = accepts


def copy_emitters_faster() -> None:
    node_list = hooks.NodeList

    def _recursive_copy(self: Any, node: dict[str, Any]) -> dict[str, Any]:
        copied: dict[str, Any] = {}
        for key, value in node.items():
            kind = type(value)
            if kind is dict:
                copied[key] = _recursive_copy(self, value)
            elif kind is node_list and type(value.first) is type(value.middle) is type(value.last) is list:
                copied[key] = node_list(value.first.copy(), value.middle.copy(), value.last.copy())
            elif isinstance(value, node_list):
                copied[key] = copy.copy(value)
            elif isinstance(value, dict):
                copied[key] = _recursive_copy(self, value)
            else:
                copied[key] = value
        return copied

    hooks._PrefixTrie._recursive_copy = _recursive_copy


def share_client_methods() -> None:
    create_methods = client.ClientCreator._create_methods
    lock = threading.Lock()
    # id(service JSON) -> (service JSON, methods): the JSON is kept alive, as in share_endpoint_providers.
    shared: dict[int, tuple[Any, dict[str, Any]]] = {}

    def _create_methods(self: client.ClientCreator, service_model: Any) -> dict[str, Any]:
        model_data = service_model._service_description
        with lock:
            entry = shared.get(id(model_data))
        if entry is None:
            entry = (model_data, create_methods(self, service_model))
            with lock:
                shared.setdefault(id(model_data), entry)
        return dict(entry[1])

    client.ClientCreator._create_methods = _create_methods


def cache_camelcase_to_underscores() -> None:
    """moto's name conversion, a character loop, ran ~20 times per SQS request (`Queue.attributes`) and once per
    request of every service (`call_action`); it is a pure function of its string."""
    original = moto_utils.camelcase_to_underscores
    cached = functools.lru_cache(maxsize=8192)(original)
    moto_utils.camelcase_to_underscores = cached
    for name, module in list(sys.modules.items()):  # those imported already; later imports get `cached`
        if name.startswith("moto") and getattr(module, "camelcase_to_underscores", None) is original:
            module.camelcase_to_underscores = cached  # type: ignore[attr-defined]


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    share_botocore_loader()
    share_event_alias_cache()
    share_endpoint_providers()
    share_service_models()
    share_client_methods()
    cache_accepts_kwargs()
    copy_emitters_faster()
    cache_camelcase_to_underscores()
    moto_patches.patch_transactions()
    for patch in (dynamodb_expressions, serialization, dispatch):
        patch.install()
