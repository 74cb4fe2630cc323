"""The trades of a TradesStore stream batch (`TRADE#` items inserted or given more trades), with their sequence
numbers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from trading_core.common import keys
from trading_core.contracts import TRADE_STREAM_EVENTS
from trading_core.model.order_trades import trades_of
from trading_core.model.trade import Trade

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord


ADDING_EVENTS: Final = frozenset(TRADE_STREAM_EVENTS)
SEQUENCE_DIGITS: Final = 40
"""The longest stream sequence number DynamoDB gives (they are 21 to 40 digits)."""


@dataclass(frozen=True)
class StreamTrade:
    sequence_number: str
    trade: Trade

    @property
    def position(self) -> str:
        """The sequence number zero-padded to `SEQUENCE_DIGITS`, so positions compare as strings do (in a
        condition expression too) in the order of the numbers."""
        return self.sequence_number.zfill(SEQUENCE_DIGITS)


def stream_trades(records: Iterable[DynamoDBRecord]) -> tuple[list[StreamTrade], list[str]]:
    """The trades each record adds (those of its new image its old one lacks), and the sequence numbers of
    trade records that could not be read. Trades of one record share its sequence number, in child order.

    Other records (the event source mapping filters them out already) are ignored.
    """
    trades: list[StreamTrade] = []
    unreadable: list[str] = []
    for record in records:
        stream_record = record.dynamodb
        if stream_record is None or record.get("eventName") not in ADDING_EVENTS:
            continue
        if not str(stream_record.keys.get(keys.SK, "")).startswith(keys.TRADE_PREFIX):
            continue
        sequence_number = str(stream_record.sequence_number)
        try:
            before = (
                {trade.trade_id for trade in trades_of(stream_record.old_image)} if stream_record.old_image else set()
            )
            added = [trade for trade in trades_of(stream_record.new_image) if trade.trade_id not in before]
        except (KeyError, TypeError, ValueError, AttributeError):
            unreadable.append(sequence_number)
            continue
        trades.extend(StreamTrade(sequence_number, trade) for trade in added)
    return trades, unreadable
