"""A cdk.json stage that breaks a rule fails synth, and the error names the field (docs/architecture.md §6)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from constructs_lib.stage_config import ConfigError, StageConfig
from stacks.app_builder import build_app
from tests.infrastructure.conftest import CONTEXT, NO_BUNDLING


def synth_dev_with(*, stage: str = "bad", **changes: Any) -> None:
    """Builds the app for a copy of the dev stage with `changes` (`parameters__x` changes `parameters.x`)."""
    settings = copy.deepcopy(CONTEXT["stages"]["dev"])
    for key, value in changes.items():
        target, name = (settings["parameters"], key.removeprefix("parameters__")) if "__" in key else (settings, key)
        if value is None:
            del target[name]
        else:
            target[name] = value
    build_app({**NO_BUNDLING, "nag": False, "stage": stage, "stages": {stage: settings}})


DEV = CONTEXT["stages"]["dev"]["parameters"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # every venue has a fee, and every fee is a venue's
        ({"parameters__litPools": [*DEV["litPools"], "IEXG"]}, r"parameters\.venueFees has no fee for \['IEXG'\]"),
        (
            {"parameters__venueFees": {**DEV["venueFees"], "XXXX": "0.00001"}},
            r"parameters\.venueFees names \['XXXX'\], which are not venues of parameters\.darkPools and "
            r"parameters\.litPools",
        ),
        ({"parameters__litPools": [*DEV["litPools"], "UBSA"]}, r"parameters\.litPools repeats \['UBSA'\]"),
        ({"parameters__litPools": ["NYSE", "NYSE"]}, r"parameters\.litPools lists \['NYSE'\] more than once"),
        ({"parameters__darkPools": ["ubs a"]}, r"parameters\.darkPools has \['ubs a'\], which are not venue codes"),
        ({"parameters__venueFees": {**DEV["venueFees"], "EBS": "1.5"}}, r"venueFees\.EBS must be a fraction"),
        ({"parameters__venueFees": {**DEV["venueFees"], "EBS": "9bp"}}, r"venueFees\.EBS must be a decimal"),
        # dark-pool tickers are tickers an order can have, and the parameter cannot be empty
        ({"parameters__darkPoolTickers": ["AAPL", "msft"]}, r"parameters\.darkPoolTickers has \['msft'\]"),
        ({"parameters__darkPoolTickers": []}, r"parameters\.darkPoolTickers must not be empty"),
        # split size positive and at most the largest order quantity
        ({"parameters__orderSplitSize": 0}, r"parameters\.orderSplitSize must be between 1 and 1000000000"),
        ({"parameters__orderSplitSize": 1_000_000_001}, r"parameters\.orderSplitSize must be between 1 and"),
        ({"parameters__orderSplitSize": 12.5}, r"parameters\.orderSplitSize must be a whole number"),
        # match probability in [0, 1]
        ({"parameters__darkPoolMatchProbability": "1.5"}, r"parameters\.darkPoolMatchProbability must be between 0"),
        ({"parameters__darkPoolMatchProbability": "half"}, r"parameters\.darkPoolMatchProbability must be a decimal"),
        # values the functions compare with
        ({"parameters__busType": "KAFKA"}, r"parameters\.busType must be one of \['EVENT-BRIDGE', 'SNS'\]"),
        ({"parameters__marketDataInvokeMode": "Lambda"}, r"parameters\.marketDataInvokeMode must be one of"),
        ({"parameters__busType": None}, r"lacks setting 'parameters\.busType'"),
        # the stage's own settings
        ({"alarms": "ture"}, r"alarms must be true or false"),
        ({"region": "US East"}, r"region must be an AWS region"),
        ({"apiThrottle": {"rateLimit": 0, "burstLimit": 100}}, r"apiThrottle\.rateLimit must be positive"),
        ({"apiThrottle": {"rateLimit": 50, "burstLimit": 0}}, r"apiThrottle\.burstLimit must be at least 1"),
        ({"apiQuotaPerDay": -1}, r"apiQuotaPerDay must be a whole number"),
        ({"removalPolicy": "keep"}, r"removalPolicy must be one of \['destroy', 'retain-on-update-or-delete', "),
        ({"removalPolicy": "retain"}, r"removalPolicy 'retain' is refused: a first deployment that rolls back"),
        ({"logRetentionDays": 8}, r"logRetentionDays must be one of"),
        ({"marketDataProvider": "bloomberg"}, r"marketDataProvider must be one of"),
    ],
)
def test_a_broken_rule_fails_synth_naming_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=rf"^stage 'bad'.*{message}"):
        synth_dev_with(**changes)


def test_a_stage_name_that_cannot_be_part_of_a_bucket_name_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"stage 'QA': the name must match"):
        synth_dev_with(stage="QA")


def test_case_and_cli_strings_are_accepted_as_before() -> None:
    dev = CONTEXT["stages"]["dev"]
    settings = {**dev, "removalPolicy": "DESTROY", "alarms": "false", "marketDataProvider": "Offline"}
    config = StageConfig.from_context("dev", {"dev": settings})
    assert (config.removal_policy_name, config.alarms, config.market_data_provider) == ("destroy", False, "offline")
