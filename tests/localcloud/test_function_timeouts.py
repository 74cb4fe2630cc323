"""A function past its `Timeout` is a timed-out invocation, as on AWS: `Sandbox.Timedout`, its answer dropped,
its AWS requests after the deadline never made, a fresh environment next time; and a synchronous response
over Lambda's 6,291,556 bytes is `Function.ResponseSizeTooLarge`."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from localcloud.aws_sizes import MAX_SYNCHRONOUS_RESPONSE
from tests.localcloud.fixtures import sink
from tests.localcloud.support import Cloud, local_cloud

TIMEOUT = 0.3


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with local_cloud() as cloud:
        yield cloud


def timed_out(payload: Any) -> bool:
    message = f"Error: Task timed out after {TIMEOUT:.2f} seconds"
    return (
        isinstance(payload, dict)
        and payload.get("errorType") == "Sandbox.Timedout"
        and re.fullmatch(rf"RequestId: [0-9a-f-]{{36}} {message}", str(payload.get("errorMessage"))) is not None
    )


def test_a_handler_that_outlives_its_timeout_times_out_and_the_next_invocation_starts_a_new_environment(
    cloud: Cloud,
) -> None:
    streams: list[str] = []

    def responder(event: Any, context: Any) -> Any:
        streams.append(context.log_stream_name)
        time.sleep(event["sleep"])
        return {"answered": True}

    sink.RESPONDERS["slow"] = responder
    cloud.function("slow", timeout_seconds=TIMEOUT)

    assert cloud.runtime.invoke("slow", {"sleep": 0}) == ({"answered": True}, False)
    assert cloud.runtime.invoke("slow", {"sleep": 0}) == ({"answered": True}, False)
    payload, errored = cloud.runtime.invoke("slow", {"sleep": TIMEOUT + 0.1})
    assert errored and timed_out(payload), payload
    assert cloud.runtime.invoke("slow", {"sleep": 0}) == ({"answered": True}, False)

    assert streams[0] == streams[1] == streams[2]  # warm until it timed out
    assert streams[3] != streams[2]  # then a cold start


def test_an_aws_request_after_the_deadline_never_reaches_the_service_even_if_the_handler_catches_errors(
    cloud: Cloud,
) -> None:
    url, _ = cloud.queue("sent")
    sqs = cloud.client("sqs")
    caught: list[str] = []

    def responder(event: Any, context: Any) -> Any:
        sqs.send_message(QueueUrl=url, MessageBody="before the deadline")
        time.sleep(TIMEOUT + 0.1)
        try:
            sqs.send_message(QueueUrl=url, MessageBody="after the deadline")
        except Exception as error:  # what a handler's broad except would do
            caught.append(repr(error))
        return {"answered": True}

    sink.RESPONDERS["sender"] = responder
    cloud.function("sender", timeout_seconds=TIMEOUT)

    payload, errored = cloud.runtime.invoke("sender", {})

    assert errored and timed_out(payload), payload
    assert caught == []
    assert [message["Body"] for message in cloud.messages(url)] == ["before the deadline"]


def test_a_timed_out_asynchronous_invocation_is_retried_then_goes_to_its_on_failure_destination(cloud: Cloud) -> None:
    url, queue = cloud.queue("failures")
    sink.RESPONDERS["sleeper"] = lambda event, context: time.sleep(TIMEOUT + 0.1)
    cloud.function("sleeper", timeout_seconds=TIMEOUT)
    cloud.runtime.configure_async("sleeper", max_retries=1, on_failure_arn=queue)

    cloud.runtime.invoke_async("sleeper", {"n": 1})
    cloud.runtime.wait_idle(10)

    assert sink.calls("sleeper") == [{"n": 1}] * 2
    (message,) = cloud.messages(url)
    record = json.loads(message["Body"])
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert timed_out(record["responsePayload"]), record


def test_the_invoke_api_answers_a_timed_out_invocation_as_an_unhandled_function_error(cloud: Cloud) -> None:
    sink.RESPONDERS["late"] = lambda event, context: time.sleep(TIMEOUT + 0.1)
    cloud.function("late", in_moto=True, timeout_seconds=TIMEOUT)

    answer = cloud.client("lambda").invoke(FunctionName="late", Payload=b"{}")

    assert answer["FunctionError"] == "Unhandled"
    assert timed_out(json.loads(answer["Payload"].read()))


def test_a_synchronous_response_over_6291556_bytes_is_function_response_size_too_large(cloud: Cloud) -> None:
    sink.RESPONDERS["big"] = lambda event, context: "x" * (event["size"] - 2)  # a JSON string: 2 quotes more
    cloud.function("big")

    payload, errored = cloud.runtime.invoke("big", {"size": MAX_SYNCHRONOUS_RESPONSE})
    assert not errored and len(payload) == MAX_SYNCHRONOUS_RESPONSE - 2

    payload, errored = cloud.runtime.invoke("big", {"size": MAX_SYNCHRONOUS_RESPONSE + 1})
    assert errored
    assert payload == {
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
    }
