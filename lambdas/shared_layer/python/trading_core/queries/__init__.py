"""The read side (docs/architecture.md §2 "Data API"): TradesStore queries and the read APIs' parameters."""
