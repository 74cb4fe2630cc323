"""The two market-data REST APIs (docs/market-data.md), their routes from their documents
(`trading_core.api.market_data_api`, `trading_core.api.market_data_manager_api`).

- Market data API: `GET`/`DELETE /quote-summary/{ticker}`, `GET`/`DELETE /history/{ticker}`, proxied to
  `market_data_api`.
- Market-data manager API: `POST /` starts the ticker-map workflow (B) through API Gateway's Step Functions (AWS)
  integration, as the original did: no function in between; the body is checked against a JSON
  schema model first, so a bad request never starts an execution. The body is read as JSON whatever its
  Content-Type (plain `curl -d` sends form-urlencoded): the model is the `$default` one, the same request
  template serves the usual content types, and any other answers 400 (not 415).
"""

from __future__ import annotations

import json
from typing import Final

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from constructs_lib.common.function import TradingFunction
from constructs_lib.common.rest_api import (
    JSON,
    JSON_CONTENT_TYPE,
    ServiceIntegration,
    TradingRestApi,
    TradingRestApiProps,
)
from constructs_lib.stage_config import StageConfig
from trading_core import contracts
from trading_core.api import market_data_api as market_data_api_document
from trading_core.api import market_data_manager_api

REQUEST_MODEL: Final = "MarketDataRequest"
DEFAULT_MODEL: Final = "$default"
"""The model of every content type: API Gateway validates a body against the model of its content type, else
the `$default` one (without it, an unmatched content type would not be validated at all)."""
BODY_CONTENT_TYPES: Final = (JSON, "application/x-www-form-urlencoded", "text/plain")
"""The content types the request template is given for (no Content-Type is read as application/json)."""
BODY_HINT: Final = (
    f'the body must be {{"detail": {{"tickers": [{{"ticker": "AAPL"}}]}}}} with 1 to '
    f"{contracts.MAX_TICKERS_PER_EXECUTION} tickers"
)
# Gateway response templates are not VTL (simple `$context` substitution only), and AWS's
# validationErrorString is raw JSON-schema text, unescaped: a fixed, readable field message instead.
INVALID_BODY_TEMPLATE: Final = json.dumps(
    {"message": "invalid request", "errors": [{"field": "body", "message": BODY_HINT}]}
)
UNSUPPORTED_BODY_TEMPLATE: Final = json.dumps(
    {"message": "invalid request", "errors": [{"field": "body", "message": f"the body must be JSON: {BODY_HINT}"}]}
)
START_FAILED_TEMPLATE: Final = (
    '{"message": "could not start the market-data workflow, try again", "errors": [], '
    '"error": "$util.escapeJavaScript($input.path(\'$.__type\'))"}'
)


def market_data_api(
    scope: Construct, *, config: StageConfig, function: TradingFunction, api_docs: lambda_.IFunction
) -> TradingRestApi:
    rest_api = TradingRestApi(
        scope,
        "MarketDataApi",
        props=TradingRestApiProps(config=config, document=market_data_api_document.DOCUMENT),
    )
    rest_api.add_operations(
        {contracts.MARKET_DATA_API_FUNCTION: function.function, contracts.API_DOCS_FUNCTION: api_docs}
    )
    return rest_api


def manager_api(
    scope: Construct, *, config: StageConfig, workflow: sfn.IStateMachine, api_docs: lambda_.IFunction
) -> TradingRestApi:
    """`POST /` with `{"detail": {"tickers": [{"ticker": "AAPL"}]}}` → StartExecution of the ticker-map workflow."""
    rest_api = TradingRestApi(
        scope,
        "MarketDataManagerApi",
        props=TradingRestApiProps(config=config, document=market_data_manager_api.DOCUMENT),
    )
    api = rest_api.api
    role = iam.Role(
        scope,
        "MarketDataManagerApiRole",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        description="API Gateway starts executions of workflow B, nothing else",
    )
    workflow.grant_start_execution(role)
    model = api.add_model(
        REQUEST_MODEL,
        content_type=JSON,
        model_name=REQUEST_MODEL,
        description="the tickers whose market data workflow B fetches",
        schema=request_schema(),
    )
    body_validator = api.add_request_validator(
        "BodyValidator", validate_request_body=True, validate_request_parameters=True
    )
    api.add_gateway_response(
        "InvalidBody",
        type=apigw.ResponseType.BAD_REQUEST_BODY,
        status_code="400",
        templates={JSON: INVALID_BODY_TEMPLATE},
        response_headers=JSON_CONTENT_TYPE,
    )
    api.add_gateway_response(
        "UnsupportedBody",
        type=apigw.ResponseType.UNSUPPORTED_MEDIA_TYPE,
        status_code="400",
        templates={JSON: UNSUPPORTED_BODY_TEMPLATE},
        response_headers=JSON_CONTENT_TYPE,
    )
    # The execution input is the request body as a JSON string; the ARN token becomes an Fn::Join.
    request_template = (
        f'{{"stateMachineArn": "{workflow.state_machine_arn}", '
        '"input": "$util.escapeJavaScript($input.json(\'$\')).replaceAll("\\\\\'", "\'")"}'
    )
    integration = apigw.AwsIntegration(
        service="states",
        action="StartExecution",
        integration_http_method="POST",
        options=apigw.IntegrationOptions(
            credentials_role=role,
            passthrough_behavior=apigw.PassthroughBehavior.NEVER,
            request_templates=dict.fromkeys(BODY_CONTENT_TYPES, request_template),
            integration_responses=[
                apigw.IntegrationResponse(status_code="200"),
                apigw.IntegrationResponse(
                    status_code="502",
                    selection_pattern=r"[45]\d{2}",
                    response_templates={JSON: START_FAILED_TEMPLATE},
                ),
            ],
        ),
    )
    # The document's one operation without a function: POST /.
    (start,) = (operation for operation in rest_api.document.operations if operation.function is None)
    rest_api.add_operations(
        {contracts.API_DOCS_FUNCTION: api_docs},
        {
            start.operation_id: ServiceIntegration(
                integration=integration,
                request_validator=body_validator,
                request_models={DEFAULT_MODEL: model},
                method_responses=[apigw.MethodResponse(status_code="200"), apigw.MethodResponse(status_code="502")],
            )
        },
    )
    return rest_api


def request_schema() -> apigw.JsonSchema:
    """The ticker-map workflow's input: 1 to 100 tickers as Yahoo spells them (draft 4, API Gateway's dialect)."""
    ticker = apigw.JsonSchema(
        type=apigw.JsonSchemaType.OBJECT,
        required=[contracts.TICKER_FIELD],
        additional_properties=False,
        properties={
            contracts.TICKER_FIELD: apigw.JsonSchema(
                type=apigw.JsonSchemaType.STRING, pattern=contracts.MARKET_DATA_TICKER_PATTERN
            )
        },
    )
    detail = apigw.JsonSchema(
        type=apigw.JsonSchemaType.OBJECT,
        required=[contracts.TICKERS_FIELD],
        additional_properties=False,
        properties={
            contracts.TICKERS_FIELD: apigw.JsonSchema(
                type=apigw.JsonSchemaType.ARRAY,
                min_items=1,
                max_items=contracts.MAX_TICKERS_PER_EXECUTION,
                items=ticker,
            )
        },
    )
    return apigw.JsonSchema(
        schema=apigw.JsonSchemaVersion.DRAFT4,
        title=REQUEST_MODEL,
        type=apigw.JsonSchemaType.OBJECT,
        required=[contracts.DETAIL_FIELD],
        additional_properties=False,
        properties={contracts.DETAIL_FIELD: detail},
    )
