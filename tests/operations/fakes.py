"""Stand-ins for the boto3 clients a replay calls, recording what they were asked."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from operations.redrive.stage import Clients


def client_error(code: str, message: str = "refused", operation: str = "Invoke") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@dataclass
class FakeLambda:
    """Answers every Invoke with `answer` (a function error when `errored`), or raises `refused`."""

    answer: Any = None
    errored: bool = False
    refused: ClientError | None = None
    invocations: list[tuple[str, Any]] = field(default_factory=list)
    mappings: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:
        assert InvocationType == "RequestResponse"
        if self.refused is not None:
            raise self.refused
        self.invocations.append((FunctionName, json.loads(Payload)))
        response: dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(self.answer).encode())}
        if self.errored:
            response["FunctionError"] = "Unhandled"
        return response

    def list_event_source_mappings(self, **_: Any) -> dict[str, Any]:
        return {"EventSourceMappings": self.mappings}


@dataclass
class FakeStepFunctions:
    executions: dict[str, str] = field(default_factory=dict)

    def start_execution(self, *, stateMachineArn: str, name: str, input: str) -> dict[str, Any]:
        if name in self.executions:
            raise client_error("ExecutionAlreadyExists", f"Execution Already Exists: {name}", "StartExecution")
        self.executions[name] = input
        return {"executionArn": f"{stateMachineArn.replace(':stateMachine:', ':execution:')}:{name}"}


def clients(**overrides: Any) -> Clients:
    values: dict[str, Any] = {
        "sqs": None,
        "events": None,
        "sns": None,
        "lambda_": FakeLambda(),
        "streams": None,
        "stepfunctions": FakeStepFunctions(),
    }
    values.update(overrides)
    return Clients(**values)


@dataclass
class FakeQueue:
    """One SQS queue: ReceiveMessage hides what it returns (each time with a new receipt handle) until it is
    deleted or made visible again; `expire()` makes every hidden message visible, as a timeout would."""

    bodies: dict[str, str] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)
    receipts: dict[str, str] = field(default_factory=dict)
    receives: dict[str, int] = field(default_factory=dict)
    timeouts: list[int] = field(default_factory=list)

    def add(self, message_id: str, body: Any) -> None:
        self.bodies[message_id] = json.dumps(body)

    def expire(self) -> None:
        self.hidden.clear()

    def receive_message(self, *, MaxNumberOfMessages: int, VisibilityTimeout: int, **_: Any) -> dict[str, Any]:
        self.timeouts.append(VisibilityTimeout)
        visible = [message_id for message_id in self.bodies if message_id not in self.hidden][:MaxNumberOfMessages]
        messages = []
        for message_id in visible:
            self.hidden.add(message_id)
            self.receives[message_id] = self.receives.get(message_id, 0) + 1
            receipt = f"{message_id}#{self.receives[message_id]}"
            self.receipts[receipt] = message_id
            messages.append({"MessageId": message_id, "ReceiptHandle": receipt, "Body": self.bodies[message_id]})
        return {"Messages": messages} if messages else {}

    def delete_message(self, *, QueueUrl: str, ReceiptHandle: str) -> None:
        message_id = self.receipts[ReceiptHandle]
        self.bodies.pop(message_id, None)
        self.hidden.discard(message_id)

    def change_message_visibility_batch(self, *, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        assert len(Entries) <= 10
        for entry in Entries:
            assert entry["VisibilityTimeout"] == 0
            self.hidden.discard(self.receipts[entry["ReceiptHandle"]])
        return {"Successful": [{"Id": entry["Id"]} for entry in Entries]}
