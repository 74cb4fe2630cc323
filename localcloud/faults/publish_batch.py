"""`sns-partial`: a PublishBatch whose entries partly fail, as SNS answers it.

Each entry is one decision, its target the topic's name. The entries not failed go to moto in one request
(the query's members renumbered), so they are really published (and delivered); the answer is moto's 200 with
each failed entry added to `Failed` (`Id`, `Code` `InternalError` or `Throttled`, `Message`, `SenderFault`
false), not in `Successful`. Nothing is retried by the SDK: a correct client re-sends the failed entries. A
request SNS refuses as a whole (more than 10 entries, ids not distinct, over 256 KB) is left to moto; if moto
refuses the entries let through, its answer stands (no fault is counted). When every entry fails, moto is not
asked (the topic is not checked).
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from typing import Final
from urllib.parse import parse_qsl, urlencode
from xml.sax.saxutils import escape

from botocore.awsrequest import AWSResponse

from localcloud import faults
from localcloud.aws_sizes import utf8_size
from localcloud.faults.injector import Fault
from localcloud.faults.wire import SdkCall, response

MEMBER: Final = re.compile(r"PublishBatchRequestEntries\.member\.(\d+)\.(.+)")
SIZED: Final = re.compile(r"Message|MessageAttributes\.entry\.\d+\.(Name|Value\..+)")
MAX_ENTRIES: Final = 10
MAX_BYTES: Final = 256 * 1024
ERRORS: Final = (("InternalError", "Internal error, please retry."), ("Throttled", "Rate exceeded."))
NAMESPACE: Final = "http://sns.amazonaws.com/doc/2010-03-31/"


def respond(call: SdkCall) -> AWSResponse | None:
    if call.operation != "PublishBatch":
        return None
    pairs = parse_qsl(call.text(), keep_blank_values=True)
    members: dict[int, list[tuple[str, str]]] = defaultdict(list)
    common: list[tuple[str, str]] = []
    for name, value in pairs:
        match = MEMBER.fullmatch(name)
        if match:
            members[int(match.group(1))].append((match.group(2), value))
        else:
            common.append((name, value))
    topic = dict(common).get("TopicArn", "").rpartition(":")[2]
    ids = [dict(fields).get("Id", "") for fields in members.values()]
    size = sum(utf8_size(value) for fields in members.values() for name, value in fields if SIZED.fullmatch(name))
    if not topic or not members or len(members) > MAX_ENTRIES or len(set(ids)) != len(ids) or size > MAX_BYTES:
        return None
    order = sorted(members)
    failed: dict[int, Fault] = {}
    for number in order:
        if fault := faults.decide("sns-partial", topic):
            failed[number] = fault
    if not failed:
        return None
    kept = [number for number in order if number not in failed]
    xml = _all_failed()
    if kept:
        renumbered = [
            (f"PublishBatchRequestEntries.member.{new}.{name}", value)
            for new, number in enumerate(kept, start=1)
            for name, value in members[number]
        ]
        answer = call.resend(urlencode(common + renumbered).encode())
        if answer is None:
            return None
        status, headers, content = answer
        if status != 200:
            return response(call, status, headers, content)
        xml = content.decode("utf-8")
    entries = []
    for position, number in enumerate(order):
        if number in failed:
            code, message = failed[number].choice("code", ERRORS)
            entry_id = dict(members[number]).get("Id", "")
            detail = f"{call.describe()}: entry {position} ({entry_id}) of {len(order)} failed with {code}"
            faults.record(failed[number], detail)
            entries.append(
                f"<member><Id>{escape(entry_id)}</Id><Code>{code}</Code><Message>{escape(message)}</Message>"
                "<SenderFault>false</SenderFault></member>"
            )
    xml = _add_failed(xml, "".join(entries))
    return response(call, 200, {"Content-Type": "text/xml", "x-amzn-RequestId": str(uuid.uuid4())}, xml.encode())


def _all_failed() -> str:
    return (
        f'<PublishBatchResponse xmlns="{NAMESPACE}"><PublishBatchResult><Successful/><Failed/></PublishBatchResult>'
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></PublishBatchResponse>"
    )


def _add_failed(xml: str, members: str) -> str:
    if "<Failed/>" in xml:
        return xml.replace("<Failed/>", f"<Failed>{members}</Failed>", 1)
    if "</Failed>" in xml:
        return xml.replace("</Failed>", f"{members}</Failed>", 1)
    return xml.replace("</PublishBatchResult>", f"<Failed>{members}</Failed></PublishBatchResult>", 1)
