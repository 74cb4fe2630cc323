"""CloudFormation resource providers: one class per resource type, one module per AWS service.

`localcloud.resources.registry.REGISTRY` finds them; `localcloud.resources.base` is their contract and
`localcloud.resources.deployment` what the resources of one deployment share.
"""
