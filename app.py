#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth [-c stage=prod]` or `CDK_OUTDIR=… python app.py`."""

import os

# jsii's runtime prints a Node.js end-of-life banner on every synth under Node 20; the toolchain pins Node 20.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from stacks.app_builder import build_app  # after the variable: jsii starts on this import

build_app().synth()
