"""The vocabulary every subsystem speaks: child orders and trades, on the wire and as items."""
