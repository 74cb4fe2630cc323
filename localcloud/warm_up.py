"""Warming up while the CDK synthesizes (node does that work): moto's backends and botocore's models loaded."""

from __future__ import annotations

from typing import Any, Final

WARM_SERVICES: Final = (
    "dynamodb",
    "dynamodbstreams",
    "s3",
    "iam",
    "lambda",
    "logs",
    "sqs",
    "sns",
    "ssm",
    "events",
    "apigateway",
    "sts",
    "stepfunctions",
)


def warm_up(warmed: dict[str, Any]) -> None:
    """Best effort: what it does not load now is loaded when first used.

    The boto3 session is made after moto is imported: moto's request hook is added to the handlers
    that sessions copy when they are created.
    """
    try:
        import boto3
        import moto.server  # noqa: F401
        from moto.backends import get_backend

        import localcloud.moto_patches  # noqa: F401

        session = boto3.session.Session()
        warmed["session"] = session
        for service in WARM_SERVICES:
            get_backend(service)
            session._session.get_service_model(service)
    except Exception:
        return
