"""Shared code of the trading system's functions: pure domain rules plus small AWS adapters.

Ships as one Lambda layer (`lambdas/shared_layer`). Domain modules never import boto3; adapters
receive their clients from the handler so tests can pass moto-backed or fake ones.
"""
