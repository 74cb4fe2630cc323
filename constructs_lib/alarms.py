"""Operational alarms (stages with `alarms: true`): anything in a dead-letter queue, any function error; each
notifies the stage's alarm topic (`constructs_lib.operations`) when it fires."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_lib.common.function import TradingFunction
from constructs_lib.stage_config import StageConfig


@dataclass(frozen=True, kw_only=True)
class AlarmsProps:
    config: StageConfig
    dead_letter_queues: Mapping[str, sqs.IQueue]
    """A readable PascalCase name -> queue; the name becomes part of the alarm's id."""
    functions: tuple[TradingFunction, ...]
    topic: sns.ITopic
    """The stage's alarm topic: every alarm notifies it."""


class Alarms(Construct):
    alarms: list[cloudwatch.Alarm]

    def __init__(self, scope: Construct, id: str, *, props: AlarmsProps) -> None:
        super().__init__(scope, id)
        stage = props.config.stage
        self.alarms = []
        for name, queue in props.dead_letter_queues.items():
            self.alarms.append(
                cloudwatch.Alarm(
                    self,
                    f"{name}DeadLetters",
                    metric=queue.metric_approximate_number_of_messages_visible(
                        period=Duration.minutes(1), statistic=cloudwatch.Stats.MAXIMUM
                    ),
                    alarm_description=f"{stage}: messages waiting in dead-letter queue {name}",
                    threshold=0,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                    evaluation_periods=1,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )
        for function in props.functions:
            self.alarms.append(
                cloudwatch.Alarm(
                    self,
                    f"{function.node.id}Errors",
                    metric=function.function.metric_errors(period=Duration.minutes(1), statistic=cloudwatch.Stats.SUM),
                    alarm_description=f"{stage}: {function.name} errors",
                    threshold=0,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                    evaluation_periods=1,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )
        for alarm in self.alarms:
            alarm.add_alarm_action(actions.SnsAction(props.topic))
