"""The aggregator (docs/architecture.md §2): customer funds and statistics, positions and ticker-days
from the TradesStore stream, applied once per trade."""
