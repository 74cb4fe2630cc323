"""`api_docs`: one function serves `GET /openapi.json` on every REST API; the stage variable
`openApiDocument` of the API it was called through names the document it renders."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_lib.common.function import TradingFunction, TradingFunctionProps
from constructs_lib.stage_config import StageConfig
from trading_core import contracts


@dataclass(frozen=True, kw_only=True)
class ApiDocsProps:
    config: StageConfig
    shared_layer: lambda_.ILayerVersion


class ApiDocs(Construct):
    """The documents are in the shared layer (`trading_core.api`): the function touches no AWS resource."""

    handler: TradingFunction

    def __init__(self, scope: Construct, id: str, *, props: ApiDocsProps) -> None:
        super().__init__(scope, id)
        self.handler = TradingFunction(
            self,
            "ApiDocsFunction",
            props=TradingFunctionProps(
                config=props.config,
                name=contracts.API_DOCS_FUNCTION,
                description="GET /openapi.json: the OpenAPI document of the API it is called through",
                shared_layer=props.shared_layer,
            ),
        )

    @property
    def function(self) -> lambda_.IFunction:
        return self.handler.function
