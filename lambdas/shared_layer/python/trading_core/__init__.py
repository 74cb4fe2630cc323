"""Shared code of the trading system's functions, one package per subsystem (docs/architecture.md §7).

Ships as one Lambda layer (`lambdas/shared_layer`). In each package the domain rules never import
boto3; the AWS adapters beside them receive their clients from the handler's composition root, so
tests pass moto-backed or fake ones. `common` is the plumbing every package uses and imports no other
package; `contracts` holds the names the infrastructure and the functions agree on.
"""
