"""The simulated venues (docs/architecture.md §2): matching, prices and fees, the dark and lit pools."""
