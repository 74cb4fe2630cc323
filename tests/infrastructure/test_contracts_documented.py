"""docs/contracts.md describes every name of `trading_core/contracts.py`.

The other infrastructure tests check the templates against that page, so a name the page lacks
would go unchecked. Compared: every `str` constant and every key and value of a mapping constant.
Tuple constants group constants compared one by one, except `SEED_CUSTOMERS`, a generated range
the page gives by its ends.
"""

from __future__ import annotations

import pytest

from tests.infrastructure.contracts import CONTRACTS
from trading_core import contracts


def documented_values() -> dict[str, str]:
    """Value -> the constant that holds it."""
    out: dict[str, str] = {}
    for name, value in vars(contracts).items():
        if not name.isupper():
            continue
        if isinstance(value, str):
            out.setdefault(value, name)
        elif hasattr(value, "items"):
            for key, item in value.items():
                out.setdefault(str(key), name)
                out.setdefault(str(item), name)
    out.setdefault(contracts.SEED_CUSTOMERS[0], "SEED_CUSTOMERS")
    out.setdefault(contracts.SEED_CUSTOMERS[-1], "SEED_CUSTOMERS")
    return out


@pytest.mark.parametrize(("value", "constant"), sorted(documented_values().items()))
def test_the_page_names_the_value(value: str, constant: str) -> None:
    assert f"`{value}`" in CONTRACTS or f'"{value}"' in CONTRACTS, f"docs/contracts.md lacks contracts.{constant}"
