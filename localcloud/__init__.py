"""The local cloud: the synthesized stacks running in-process on moto (docs: ../../shared/DESIGN.md section 8).

Pieces:
- `localcloud.runtime`: `FunctionSpec`, `LambdaRuntime` (in-process Lambda: execution environments with
  isolated module state, the template's environment, Lambda's context and error envelope, asynchronous
  invocations with retries and on-failure destinations, `wait_idle`).
- `localcloud.delivery`: `Delivery`, the DynamoDB stream pollers (event source mappings).
- `localcloud.moto_patches`: `apply(runtime, delivery)`, the pinned patches of moto's internals that route
  every trigger through the runtime as AWS does.
- `localcloud.deployer`, `localcloud.gateway`, `localcloud.server`, `python -m localcloud`: templates to
  moto, the HTTP API gateway, the AWS endpoint and `make run`.

Importing the package installs the thread-local `os.environ` (`localcloud.runtime.ENVIRON`): outside an
invocation it is the process environment, unchanged; inside one it is that function's environment. It is
installed at import so that objects which keep a reference to `os.environ` (botocore sessions) see it.
"""

from localcloud.environ import install_environ

install_environ()
