"""Who may call the REST APIs: one API key on a usage plan (throttle + daily quota from the stage)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_apigateway as apigw
from constructs import Construct

from constructs_lib.common.rest_api import TradingRestApi
from constructs_lib.stage_config import StageConfig


@dataclass(frozen=True, kw_only=True)
class ApiAccessProps:
    config: StageConfig
    apis: tuple[TradingRestApi, ...]


class ApiAccess(Construct):
    """ApiKey + UsagePlan associated with every given API's stage."""

    api_key: apigw.ApiKey
    usage_plan: apigw.UsagePlan

    def __init__(self, scope: Construct, id: str, *, props: ApiAccessProps) -> None:
        super().__init__(scope, id)
        config = props.config
        self.api_key = apigw.ApiKey(
            self, "ApiKey", api_key_name=config.resource_name("api-key"), description="trading system clients"
        )
        self.usage_plan = apigw.UsagePlan(
            self,
            "UsagePlan",
            name=config.resource_name("usage-plan"),
            throttle=apigw.ThrottleSettings(
                rate_limit=config.api_throttle.rate_limit, burst_limit=config.api_throttle.burst_limit
            ),
            quota=apigw.QuotaSettings(limit=config.api_quota_per_day, period=apigw.Period.DAY),
            api_stages=[apigw.UsagePlanPerApiStage(api=api.api, stage=api.stage) for api in props.apis],
        )
        self.usage_plan.add_api_key(self.api_key)
