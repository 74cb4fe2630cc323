"""The local cloud: a synthesized CDK app's stacks running in-process on moto.

It knows CloudFormation, AWS and moto, nothing of the app. What it must know of the app is data in the
`"localcloud"` block of the app's `cdk.json` (`localcloud.app`), read as JSON, never imported:

    "localcloud": {
      "synthesize": "package.module:function",   # the app's builder: function(context, outdir=…) → cdk.App
      "context": {"key": "value"},                # synthesis context over cdk.json's, after {"stage": …}
      "noNagContext": {"nag": false},             # added by --no-nag
      "layersNotLoaded": [{"marker": "path/in/the/app", "note": "printed when the stack deploys"}]
    }

A layer whose folder holds a file with the marker's name and bytes is created in moto but kept off the
functions' `sys.path`.

Pieces:
- `localcloud.app`: that block, and the in-process synthesis it describes.
- `localcloud.assembly`, `localcloud.template`, `localcloud.intrinsics`: the cloud assembly, one stack's
  template (resource order, parameters, references, outputs) and the intrinsic functions.
- `localcloud.resources`: one provider class per resource type, one module per service, found through
  `localcloud.resources.registry`; `localcloud.deployer` deploys the stacks with them.
- `localcloud.lambda_runtime`: `FunctionSpec`, `LambdaRuntime` (in-process Lambda: execution environments
  with isolated module state, the template's environment, Lambda's context and error envelope,
  asynchronous invocations with retries and on-failure destinations, `wait_idle`).
- `localcloud.moto_lock`, `localcloud.aws_formats`, `localcloud.destinations`: what the runtime, the
  delivery and the patches share: `MOTO_LOCK`, ARNs and timestamps, failures sent to SQS queues.
- `localcloud.delivery`: `Delivery`, the DynamoDB stream pollers (event source mappings), their filter
  criteria and record shapes.
- `localcloud.moto_patches`: `apply(runtime, delivery)`, the pinned patches of moto's internals that route
  every trigger through the runtime as AWS does.
- `localcloud.gateway`: the HTTP API gateway (the API catalog, routing, validation, Lambda proxy and
  service integrations with their mapping templates, HTTP/1.1).
- `localcloud.server`, `python -m localcloud`: the gateway and the AWS endpoint started together, and
  `make run`.

Importing the package installs the thread-local `os.environ` (`localcloud.environ.ENVIRON`): outside an
invocation it is the process environment, unchanged; inside one it is that function's environment. It is
installed at import so that objects which keep a reference to `os.environ` (botocore sessions) see it.
"""

from localcloud.environ import install_environ

install_environ()
