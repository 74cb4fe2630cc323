"""The functions' `ParameterReader`: Powertools Parameters over SSM, one GetParameters call per batch.

Powertools caches each value for `POWERTOOLS_PARAMETERS_MAX_AGE` seconds (the functions set 30; its own
default is 300), so a warm function makes one call per cache period.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

from trading_core.common.parameters import ParameterReader


def ssm_reader(prefix: str) -> ParameterReader:
    """Reads the parameters under `prefix` (`/trading-system/<stage>`) by their short names."""
    base = prefix.rstrip("/")

    def read(names: list[str]) -> dict[str, str]:
        values = parameters.get_parameters_by_name(parameters={f"{base}/{name}": {} for name in names})
        return {name: str(values[f"{base}/{name}"]) for name in names}

    return read
