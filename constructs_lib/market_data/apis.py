"""The two market-data REST APIs (docs/market-data.md).

- Market data API: `GET`/`DELETE /quote-summary/{ticker}`, `GET`/`DELETE /history/{ticker}`, proxied to
  `market_data_api`.
- Market-data manager API: `POST /` starts the ticker-map workflow (B) through API Gateway's Step Functions (AWS)
  integration, as the original did: no function in between; the body is checked against a JSON
  schema model first, so a bad request never starts an execution.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from constructs_lib.common.function import TradingFunction
from constructs_lib.common.rest_api import TradingRestApi, TradingRestApiProps
from constructs_lib.stage_config import StageConfig
from trading_core import contracts

# resource -> methods; every route is `/<resource>/{ticker}`
API_ROUTES: Final[Mapping[str, tuple[str, ...]]] = {
    "quote-summary": ("GET", "DELETE"),
    "history": ("GET", "DELETE"),
}
HISTORY_QUERY: Final = ("from", "to")
REQUEST_MODEL: Final = "MarketDataRequest"
# The project's 4xx shape around API Gateway's validation message; escapeJavaScript also escapes `'`,
# which JSON does not allow, hence the replaceAll (the usual idiom).
INVALID_BODY_TEMPLATE: Final = (
    '{"message": "invalid request", "errors": [{"field": "body", '
    '"message": "$util.escapeJavaScript($context.error.validationErrorString).replaceAll("\\\\\'", "\'")"}]}'
)
START_FAILED_TEMPLATE: Final = (
    '{"message": "could not start the market-data workflow, try again", '
    '"error": "$util.escapeJavaScript($input.path(\'$.__type\'))"}'
)


def market_data_api(scope: Construct, *, config: StageConfig, function: TradingFunction) -> TradingRestApi:
    rest_api = TradingRestApi(
        scope,
        "MarketDataApi",
        props=TradingRestApiProps(config=config, name="market-data-api", description="Market data API"),
    )
    integration = apigw.LambdaIntegration(function.function, allow_test_invoke=False)
    for resource, methods in API_ROUTES.items():
        item = rest_api.api.root.add_resource(resource).add_resource("{ticker}")
        for method in methods:
            request_parameters = {"method.request.path.ticker": True}
            if resource == "history" and method == "GET":
                request_parameters |= {f"method.request.querystring.{name}": False for name in HISTORY_QUERY}
            item.add_method(
                method,
                integration,
                api_key_required=True,
                request_validator=rest_api.validator,
                request_parameters=request_parameters,
            )
    return rest_api


def manager_api(scope: Construct, *, config: StageConfig, workflow: sfn.IStateMachine) -> TradingRestApi:
    """`POST /` with `{"detail": {"tickers": [{"ticker": "AAPL"}]}}` → StartExecution of the ticker-map workflow."""
    rest_api = TradingRestApi(
        scope,
        "MarketDataManagerApi",
        props=TradingRestApiProps(
            config=config,
            name="market-data-manager-api",
            description="Market-data manager API: starts workflow B",
        ),
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
        content_type="application/json",
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
        templates={"application/json": INVALID_BODY_TEMPLATE},
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
            request_templates={"application/json": request_template},
            integration_responses=[
                apigw.IntegrationResponse(status_code="200"),
                apigw.IntegrationResponse(
                    status_code="502",
                    selection_pattern=r"[45]\d{2}",
                    response_templates={"application/json": START_FAILED_TEMPLATE},
                ),
            ],
        ),
    )
    api.root.add_method(
        "POST",
        integration,
        api_key_required=True,
        request_validator=body_validator,
        request_models={"application/json": model},
        method_responses=[apigw.MethodResponse(status_code="200"), apigw.MethodResponse(status_code="502")],
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
