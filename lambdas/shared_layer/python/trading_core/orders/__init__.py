"""The smart order router (docs/architecture.md §2): the order request, its split and plan, the funds
reservation, the routing service and idempotent submissions."""
