"""Property-based API tests (schemathesis): every operation of every OpenAPI document, against the local cloud.

Each document is loaded from its local `*OpenApiUrl` output (served by the docs function through the
gateway, as a client of `make run` gets it). For every operation schemathesis generates requests from the
document (valid ones, then invalid ones) and checks each answer:

- no 5xx (`not_a_server_error`);
- the status is one the operation documents, with its content type, headers and body schema
  (`status_code_conformance`, `content_type_conformance`, `response_headers_conformance`,
  `response_schema_conformance`);
- invalid requests are refused with a 4xx (`negative_data_rejection`);
- a request the API refused (4xx) to an operation that may change something (not GET) changed nothing: the
  items of every DynamoDB table and the message counts of every SQS queue are the same before and after
  (read from moto's backends in this process, the same state the AWS endpoint serves, in milliseconds).

The schedules (the order book's rate rule) are disabled for the test, as an operator would
(`events disable-rule`), so nothing changes the state between a digest and the next. Generation is
derandomized (`derandomize=True`, no example database): the same requests in every run. `make test` runs
`API_PROPERTIES_EXAMPLES` examples per operation and mode (default 4); `make api-properties` more.
Every failure of every operation is collected and reported together, each with its reproducing curl.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.conftest import Client
from trading_core import contracts

EXAMPLES = int(os.environ.get("API_PROPERTIES_EXAMPLES", "4"))
ACCOUNT, REGION = "123456789012", "us-east-1"
# Document output → the API's URL output (the base URL the operations are called at).
DOCUMENTS = {
    contracts.ORDERS_API_OPENAPI_URL_OUTPUT: contracts.ORDERS_API_URL_OUTPUT,
    contracts.DATA_API_OPENAPI_URL_OUTPUT: contracts.DATA_API_URL_OUTPUT,
    contracts.MARKET_DATA_API_OPENAPI_URL_OUTPUT: contracts.MARKET_DATA_API_URL_OUTPUT,
    contracts.MARKET_DATA_MANAGER_API_OPENAPI_URL_OUTPUT: contracts.MARKET_DATA_MANAGER_API_URL_OUTPUT,
}
RESPONSE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MODES = {GenerationMode.POSITIVE: RESPONSE_CHECKS, GenerationMode.NEGATIVE: [*RESPONSE_CHECKS, negative_data_rejection]}


def state_digest() -> dict[str, str]:
    """A digest of every DynamoDB table's items and every SQS queue's message counts."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.sqs.models import sqs_backends

    digest: dict[str, str] = {}
    for name, table in dynamodb_backends[ACCOUNT][REGION].tables.items():
        items = sorted(
            hashlib.sha256(json.dumps(item.to_json(), sort_keys=True).encode()).hexdigest()
            for item in table.all_items()
        )
        digest[f"dynamodb:{name}"] = f"{len(items)} items " + hashlib.sha256("".join(items).encode()).hexdigest()[:16]
    for name, queue in sqs_backends[ACCOUNT][REGION].queues.items():
        counts = (
            queue.approximate_number_of_messages,
            queue.approximate_number_of_messages_not_visible,
            queue.approximate_number_of_messages_delayed,
        )
        digest[f"sqs:{name}"] = "visible {}, in flight {}, delayed {}".format(*counts)
    return digest


def changes(before: dict[str, str], after: dict[str, str]) -> dict[str, tuple[str | None, str | None]]:
    return {
        key: (before.get(key), after.get(key))
        for key in before.keys() | after.keys()
        if before.get(key) != after.get(key)
    }


@pytest.fixture(scope="module")
def schedules_disabled(client: Client) -> Iterator[None]:
    events = client.aws("events")
    rules = [
        rule["Name"]
        for rule in events.list_rules()["Rules"]
        if rule.get("ScheduleExpression") and rule["State"] == "ENABLED"
    ]
    for name in rules:
        events.disable_rule(Name=name)
    client.idle()
    yield
    for name in rules:
        events.enable_rule(Name=name)


@dataclass
class Tally:
    operations: int = 0
    cases: int = 0
    refused_unchanged: int = 0
    findings: list[str] = field(default_factory=list)


def exercise(client: Client, operation: Any, base_url: str, mode: GenerationMode, tally: Tally) -> None:
    """One mode's examples of one operation; failures are collected, not raised."""
    headers = {"x-api-key": client.api_key}
    changing = operation.method.upper() != "GET"
    name = f"{operation.method.upper()} {operation.path} ({mode.value})"
    found: list[str] = []
    seen: set[str] = set()  # a failure kind is reported once per operation and mode

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing request is reported as sent
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(mode))
    def run(case: Any) -> None:
        tally.cases += 1
        before = state_digest() if changing else None
        try:
            response = case.call(base_url=base_url, headers=headers, timeout=60)
        except Exception as error:  # the transport: the gateway closed or timed out
            found.append(f"{name}: the request failed: {error!r}\n    {case.as_curl_command(headers=headers)}")
            return
        try:
            case.validate_response(response, checks=MODES[mode], headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                finding = f"{name}: {failure.code} {failure.title}"
                if finding not in seen:
                    seen.add(finding)
                    detail = " ".join(line.strip() for line in failure.message.strip().splitlines()[:3])
                    found.append(
                        f"{finding}: {detail}\n    answered {response.status_code} {response.text[:240]}"
                        f"\n    {case.as_curl_command(headers=headers)}"
                    )
            return
        if before is not None and 400 <= response.status_code < 500:
            client.idle()
            changed = changes(before, state_digest())
            if changed:
                curl = case.as_curl_command(headers=headers)
                found.append(
                    f"{name}: refused with {response.status_code} {response.text[:300]} "
                    f"but changed {changed}\n    {curl}"
                )
            else:
                tally.refused_unchanged += 1
        elif changing:
            client.idle()  # what the call started settles before the next digest

    run()
    tally.findings += found


@pytest.mark.parametrize("document", sorted(DOCUMENTS))
def test_every_operation_answers_as_documented_and_a_refused_request_changes_nothing(
    client: Client, schedules_disabled: None, document: str
) -> None:
    started = time.perf_counter()
    schema = schemathesis.openapi.from_url(client.url(document), timeout=30)
    base_url = client.url(DOCUMENTS[document])
    tally = Tally()
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            tally.findings.append(f"{document}: an operation schemathesis cannot read: {result.err()}")
            continue
        operation = result.ok()
        tally.operations += 1
        for mode in MODES:
            exercise(client, operation, base_url, mode, tally)
    summary = (
        f"{document}: {tally.operations} operations, {tally.cases} cases, "
        f"{tally.refused_unchanged} refusals that changed nothing, {len(tally.findings)} findings, "
        f"{time.perf_counter() - started:.1f} s"
    )
    print(summary)
    assert tally.operations > 0, summary
    assert not tally.findings, summary + "\n\n" + "\n\n".join(tally.findings).replace(client.api_key, "$KEY")


def test_the_swagger_ui_page_lists_every_document_with_the_api_key(client: Client) -> None:
    import urllib.request

    docs_url = client.outputs["LocalCloud"]["ApiDocsUrl"]
    with urllib.request.urlopen(docs_url, timeout=10) as response:
        page = response.read().decode()
    assert client.api_key in page
    for document in DOCUMENTS:
        assert json.dumps(client.url(document)) in page
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"):
        assert f'src="{asset}"' in page or f'href="{asset}"' in page
        with urllib.request.urlopen(docs_url + asset, timeout=10) as response:
            assert response.status == 200 and len(response.read()) > 1000
    for document in DOCUMENTS:  # what the page loads: each document through the gateway, without a key
        with urllib.request.urlopen(client.url(document), timeout=30) as response:
            body = json.loads(response.read())
        assert body["openapi"].startswith("3.") and body["components"]["securitySchemes"]["ApiKey"]["in"] == "header"
        assert body["servers"][0]["url"] == client.url(DOCUMENTS[document])
