"""`make deploy-check` (`python -m deploy_check`): every stage synthesized as `cdk deploy` would deploy
it, then checked by cdk-nag (during the synthesis: an unacknowledged finding fails it), cfn-lint and checkov.
A cfn-lint or checkov finding passes only when `acknowledged.toml` (the one file of their acknowledgements, each
with its reason) covers it; an acknowledgement that covers nothing fails too, so the file stays what the templates
need. cdk-nag's acknowledgements sit next to the resources they concern (`constructs_lib/common/nag.py`).
"""
