"""Every REST API document by name (the TradingRestApi short name, the docs function's stage variable)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from trading_core.contracts import OPENAPI_DOCUMENT_STAGE_VARIABLE

from . import data_api, market_data_api, market_data_manager_api, orders_api
from .spec import ApiDocument

DOCUMENTS: Final[Mapping[str, ApiDocument]] = MappingProxyType(
    {
        document.name: document
        for document in (
            orders_api.DOCUMENT,
            data_api.DOCUMENT,
            market_data_api.DOCUMENT,
            market_data_manager_api.DOCUMENT,
        )
    }
)
DOCUMENT_STAGE_VARIABLE: Final = OPENAPI_DOCUMENT_STAGE_VARIABLE
"""The stage variable that names an API's document for the docs function."""
