"""The in-process Lambda runtime: module isolation, environment, context, error envelope, async retries."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator

import pytest

from localcloud.environ import ENVIRON
from localcloud.lambda_runtime.function_spec import FunctionNotFound, function_name_of
from localcloud.lambda_runtime.runtime import LambdaRuntime
from tests.localcloud.fixtures import sink
from tests.localcloud.support import Cloud, function_arn, local_cloud, spec


@pytest.fixture
def runtime() -> Iterator[LambdaRuntime]:
    runtime = LambdaRuntime(async_retry_delays=(0.0,))
    yield runtime
    runtime.close()


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with local_cloud() as cloud:
        yield cloud


def test_module_state_is_isolated_per_function(runtime: LambdaRuntime) -> None:
    runtime.register(spec("a", "counter_a"))
    runtime.register(spec("b", "counter_b"))
    runtime.register(spec("a2", "counter_a"))  # the same folder, another function

    assert runtime.invoke("a", {})[0]["invocations"] == 1
    first, _ = runtime.invoke("a", {})
    other, _ = runtime.invoke("b", {})
    same_folder, _ = runtime.invoke("a2", {})

    assert (first["module"], first["invocations"]) == ("counter_a", 2)
    assert (other["module"], other["invocations"]) == ("counter_b", 1)
    assert (same_folder["module"], same_folder["invocations"]) == ("counter_a", 1)
    assert len({first["module_name"], other["module_name"], same_folder["module_name"]}) == 3
    assert all(name.endswith(".handler") for name in (first["module_name"], other["module_name"]))


def test_environment_and_context_are_the_functions(runtime: LambdaRuntime) -> None:
    runtime.register(spec("a", "counter_a", environment={"GREETING": "hi"}, memory_mb=512))
    assert "GREETING" not in os.environ

    payload, errored = runtime.invoke(function_arn("a") + ":$LATEST", {})

    assert not errored
    assert payload["greeting"] == "hi"
    assert payload["function_env"] == "a"
    assert payload["region"] == "us-east-1"
    context = payload["context"]
    assert context["function_name"] == "a"
    assert context["memory_limit_in_mb"] == 512
    assert context["invoked_function_arn"] == function_arn("a")
    assert context["log_group_name"] == "/aws/lambda/a"
    assert "[$LATEST]" in context["log_stream_name"]
    assert 0 < context["remaining"] <= 3000
    assert len(context["aws_request_id"]) == 36
    assert "GREETING" not in os.environ


def test_the_environment_is_thread_local(runtime: LambdaRuntime) -> None:
    entered, release = threading.Event(), threading.Event()
    seen: dict[str, str | None] = {}

    def responder(event: object, context: object) -> None:
        seen["inside"] = os.environ.get("GREETING")
        entered.set()
        release.wait(5)

    sink.RESPONDERS["slow"] = responder
    runtime.register(spec("slow"))
    worker = threading.Thread(target=runtime.invoke, args=("slow", {}))
    worker.start()
    try:
        assert entered.wait(5)
        assert os.environ.get("GREETING") is None  # this thread: the process environment
        assert ENVIRON.overlaid is False
    finally:
        release.set()
        worker.join(5)
        sink.reset()
    assert seen["inside"] == "hello from slow"


def test_an_exception_gives_lambdas_error_envelope(runtime: LambdaRuntime) -> None:
    runtime.register(spec("a", "counter_a"))

    payload, errored = runtime.invoke("a", {"raise": "no funds"})

    assert errored
    assert set(payload) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert (payload["errorType"], payload["errorMessage"]) == ("ValueError", "no funds")
    assert any("counter_a/handler.py" in line and "lambda_handler" in line for line in payload["stackTrace"])
    assert not any("localcloud/lambda_runtime/" in line for line in payload["stackTrace"])


def test_init_errors_and_unmarshallable_results(runtime: LambdaRuntime) -> None:
    runtime.register(spec("broken", "broken_import"))
    runtime.register(spec("missing", "no_handler"))
    runtime.register(spec("a", "counter_a"))

    broken, errored = runtime.invoke("broken", {})
    assert errored and broken["errorType"] == "Runtime.ImportModuleError"
    assert "module_that_does_not_exist" in broken["errorMessage"]
    missing, errored = runtime.invoke("missing", {})
    assert errored and missing["errorType"] == "Runtime.HandlerNotFound"
    marshal, errored = runtime.invoke("a", {"unserializable": True})
    assert errored and marshal["errorType"] == "Runtime.MarshalError"


def test_unknown_functions_fail_clearly(runtime: LambdaRuntime) -> None:
    runtime.register(spec("a", "counter_a"))
    with pytest.raises(FunctionNotFound, match=r"'nope' is not registered.*registered: a"):
        runtime.invoke("nope", {})
    with pytest.raises(FunctionNotFound):
        runtime.invoke_async("arn:aws:lambda:us-east-1:123456789012:function:nope", {})
    with pytest.raises(ValueError, match="0, 1 or 2"):
        runtime.configure_async("a", max_retries=3, on_failure_arn=None)


def test_function_names_from_arns() -> None:
    assert function_name_of("f") == "f"
    assert function_name_of("f:$LATEST") == "f"
    assert function_name_of("arn:aws:lambda:us-east-1:1:function:f:7") == "f"
    assert function_name_of("123456789012:function:f") == "f"


def test_async_invocations_retry_then_go_to_the_on_failure_destination(cloud: Cloud) -> None:
    url, queue = cloud.queue("failures")
    cloud.function("flaky")
    cloud.function("fine")
    cloud.runtime.configure_async("flaky", max_retries=2, on_failure_arn=queue)
    sink.RESPONDERS["flaky"] = lambda event, context: 1 / 0

    cloud.runtime.invoke_async("flaky", {"n": 1})
    cloud.runtime.invoke_async("fine", {"n": 2})
    cloud.runtime.wait_idle(10)

    assert sink.calls("flaky") == [{"n": 1}] * 3  # the first attempt and 2 retries
    assert sink.calls("fine") == [{"n": 2}]
    (message,) = cloud.messages(url)
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"] == function_arn("flaky") + ":$LATEST"
    assert record["requestPayload"] == {"n": 1}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "ZeroDivisionError"


def test_wait_idle_times_out_while_work_is_running(runtime: LambdaRuntime) -> None:
    release = threading.Event()
    sink.RESPONDERS["slow"] = lambda event, context: release.wait(5)
    runtime.register(spec("slow"))
    runtime.invoke_async("slow", {})
    try:
        with pytest.raises(TimeoutError):
            runtime.wait_idle(0.2)
    finally:
        release.set()
    runtime.wait_idle(5)
    sink.reset()


def test_an_environment_keeps_what_the_handler_sets_in_its_environment(runtime: LambdaRuntime) -> None:
    def responder(event: object, context: object) -> str | None:
        previous = os.environ.get("SET_BY_HANDLER")
        os.environ["SET_BY_HANDLER"] = "yes"
        return previous

    sink.RESPONDERS["setter"] = responder
    runtime.register(spec("setter"))
    try:
        assert runtime.invoke("setter", {}) == (None, False)
        assert runtime.invoke("setter", {}) == ("yes", False)  # the same warm environment
        assert "SET_BY_HANDLER" not in os.environ
    finally:
        sink.reset()


def test_a_cold_start_drops_the_warm_environments_and_their_module_state(runtime: LambdaRuntime) -> None:
    runtime.register(spec("a", "counter_a"))
    runtime.register(spec("b", "counter_b"))
    runtime.invoke("a", {})
    assert runtime.invoke("a", {})[0]["invocations"] == 2

    assert runtime.cold_start() == 1  # b never ran: nothing warm to drop
    assert runtime.invoke("a", {})[0]["invocations"] == 1
    assert runtime.function("a").environments == 1
    assert runtime.cold_start() == 1
