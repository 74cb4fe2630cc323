#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth [-c stage=prod]` or `CDK_OUTDIR=… python app.py`."""

from stacks.app_builder import build_app

build_app().synth()
