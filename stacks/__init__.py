"""Stacks compose constructs; stateful resources (Data) live apart from the stateless ones (Service)."""
