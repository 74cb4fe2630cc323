"""CDK constructs of the trading system (one per subsystem plus small building blocks).

The shared layer's `trading_core` package holds the names both sides agree on (table keys, SSM parameter
names); importing this package makes it importable so constructs take those constants from one place.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
LAMBDAS_DIR = REPO_ROOT / "lambdas"
SHARED_LAYER_DIR = LAMBDAS_DIR / "shared_layer"

_SHARED_PYTHON = str(SHARED_LAYER_DIR / "python")
if _SHARED_PYTHON not in sys.path:
    sys.path.append(_SHARED_PYTHON)
