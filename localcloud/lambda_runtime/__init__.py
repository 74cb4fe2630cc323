"""In-process AWS Lambda for the local cloud: the functions of the templates run from the app's source.

Interface (used by the deployer, the gateway and `localcloud.moto_patches`):

    FunctionSpec(name, arn, code_dir, handler, environment, layer_dirs, timeout_seconds, memory_mb)
    runtime = LambdaRuntime(output=None)                               # output: (function, request id, line)
    runtime.register(spec)
    runtime.invoke(name_or_arn, event) -> (payload, errored)          # synchronous (RequestResponse)
    runtime.invoke_async(name_or_arn, event) -> None                   # queued (Event)
    runtime.configure_async(name_or_arn, max_retries=2, on_failure_arn=None)
    runtime.wait_idle(timeout=30.0)                                    # raises TimeoutError
    runtime.close()

Modules, one job each:
- `function_spec`: `FunctionSpec`, `FunctionNotFound`, `AsyncConfig` and how a name or ARN names a function;
- `environments`: execution environments (isolated module state, the template's environment, Lambda's
  context, result and error envelope) and a function's warm ones;
- `timeouts`: a function's `Timeout` (its deadline, its AWS requests past it, Lambda's timed-out error);
- `async_invocations`: the queue of asynchronous invocations, retries and on-failure destinations;
- `function_output`: a function's stdout, line by line, to the runtime's `output` sink;
- `activity`: work in progress and `wait_idle`;
- `runtime`: `LambdaRuntime`, which registers functions and invokes them (serialized, outside `MOTO_LOCK`).
"""
