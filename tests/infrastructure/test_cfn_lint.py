"""cfn-lint finds no error in any synthesized template (warnings such as W3005 from CDK's DependsOn are allowed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.infrastructure.conftest import Synthesized

CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def test_templates_have_no_cfn_lint_errors(dev: Synthesized, prod: Synthesized) -> None:
    files = dev.template_files() + prod.template_files()
    assert all(f.is_file() for f in files)
    run = subprocess.run([str(CFN_LINT), "--format", "json", *map(str, files)], capture_output=True, text=True)
    findings = json.loads(run.stdout or "[]")
    errors = [f"{f['Rule']['Id']} {f['Filename']}: {f['Message']}" for f in findings if f["Level"] == "Error"]
    assert not errors, "\n".join(errors)
    assert run.returncode in (0, 4), run.stderr  # 4 = warnings only
