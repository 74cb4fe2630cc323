"""API Gateway's data plane for the templates' REST APIs: HTTP on loopback, Lambda proxy events.

The deployer records every `AWS::ApiGateway::*` resource of the templates in an `ApiCatalog`; the
`Gateway` serves each deployed stage at `http://127.0.0.1:<port>/<restApiId>/<stage>/<path>` (the stage
URLs written into `.localcloud/outputs.json`) the way API Gateway serves
`https://<restApiId>.execute-api.<region>.amazonaws.com/<stage>/<path>`:

* the path is matched against the template's resources: a literal part first, then `{param}`,
  then the greedy `{proxy+}`; then the method, else `ANY`. No match (or an unknown stage) is
  `MISSING_AUTHENTICATION_TOKEN` (403 `{"message":"Missing Authentication Token"}`); an unknown API id
  answers 404;
* `ApiKeyRequired` methods need an `x-api-key` of an enabled key that a usage plan of this API
  stage holds, else `INVALID_API_KEY` (403 `{"message":"Forbidden"}`);
* a request validator with `ValidateRequestParameters` checks the method's required query
  strings and headers (`BAD_REQUEST_PARAMETERS`, 400 `Missing required request parameters: [...]`);
* a request validator with `ValidateRequestBody` checks a JSON body against the method's
  request model for its content type, else its `$default` model (JSON schema draft 4); a failure is
  `BAD_REQUEST_BODY` (400 `{"message": "Invalid request body"}`) with `$context.error.validationErrorString`
  set to `[<message>, …]`, each message naming the failing field as a JSON pointer (API Gateway's own
  wording differs);
* every error the gateway answers itself goes through the API's gateway responses
  (`gateway_responses`: the type's response, else DEFAULT_4XX/DEFAULT_5XX, else API Gateway's default;
  simple-substitution templates, headers from response parameters);
* `AWS_PROXY` integrations get the REST API (payload 1.0) proxy event, with the stage's variables as
  `stageVariables` (null when it has none), and are invoked synchronously through the local Lambda
  runtime; the proxy response is mapped back. A function error (`INTEGRATION_FAILURE`) or a malformed
  response (`API_CONFIGURATION_ERROR`) answers 502 `{"message": "Internal server error"}`;
* `AWS` service integrations (`arn:aws:apigateway:<region>:<service>:action/<Action>`) render the
  request template of the content type (`localcloud.gateway.vtl`; without one, the passthrough behaviour
  decides: `WHEN_NO_MATCH` passes the body through, `WHEN_NO_TEMPLATES` only when there are no templates,
  `NEVER` answers `UNSUPPORTED_MEDIA_TYPE` 415), call the action on the local AWS (moto) and map the
  answer through the integration response whose `SelectionPattern` matches the status code (else the one
  without a pattern) and its response template. The integration's credentials role is recorded,
  not assumed: IAM is not enforced locally.

Connections are persistent as in RFC 9112 §9 (`localcloud.gateway.http_server`).

Not emulated: usage plan throttling and quotas, stage caching, access logs, CORS preflight for
APIs that do not declare OPTIONS methods, binary media types (a body that is not UTF-8 is passed
base64-encoded with `isBase64Encoded: true`).

Modules, one job each:
- `catalog`: what the deployer records (APIs, resources, methods, integrations, keys, usage plans);
- `routing`: which resource of an API answers a path;
- `validation`: the request validators (required parameters, body models);
- `lambda_proxy`: the `AWS_PROXY` event and the mapping of the function's answer;
- `service_integrations`: `AWS` integrations, rendered with `vtl`;
- `gateway_responses`: the errors the gateway answers itself, through the API's gateway responses;
- `vtl`: the subset of the mapping-template language that is supported;
- `replies`: the reply a request gets and API Gateway's error bodies;
- `data_plane`: `Gateway`, one request through all of the above, and its server's lifecycle;
- `http_server`: HTTP/1.1 on a socket: persistent connections, body framing, gentle closing.
"""
