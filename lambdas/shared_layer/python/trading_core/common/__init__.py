"""Plumbing every package uses: money, clock, ids, TradesStore keys, DynamoDB calls, AWS clients,
SSM parameters, the functions' environment and observability. Imports no other package but contracts."""
