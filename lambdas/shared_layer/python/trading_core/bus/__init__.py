"""One event vocabulary, two transports (docs/architecture.md §5): the envelopes and their publishers."""
