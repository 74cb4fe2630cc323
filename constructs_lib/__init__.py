"""CDK constructs of the trading system: one per subsystem, in modules named after the runtime's packages.

The names both sides agree on are `trading_core.contracts`, in the shared layer; importing this package
puts the layer on `sys.path`, so constructs take those names from the one module the functions use.
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
