"""API Gateway's data plane for the templates' REST APIs: HTTP on loopback, Lambda proxy events.

The deployer records every `AWS::ApiGateway::*` resource of the templates in an `ApiCatalog`; the
`Gateway` serves each deployed stage at `http://127.0.0.1:<port>/<restApiId>/<stage>/<path>` (the stage
URLs written into `.localcloud/outputs.json`) the way API Gateway serves
`https://<restApiId>.execute-api.<region>.amazonaws.com/<stage>/<path>`:

* the path is matched against the template's resources: a literal part first, then `{param}`,
  then the greedy `{proxy+}`; then the method, else `ANY`. No match answers 403
  `{"message":"Missing Authentication Token"}`, like API Gateway; an unknown API id answers 404;
* `ApiKeyRequired` methods need an `x-api-key` of an enabled key that a usage plan of this API
  stage holds, else 403 `{"message":"Forbidden"}`;
* a request validator with `ValidateRequestParameters` checks the method's required query
  strings and headers (400 `{"message": "Missing required request parameters: [...]"}`);
* a request validator with `ValidateRequestBody` checks a JSON body against the method's
  request model for its content type (JSON schema draft 4); a failure answers the API's
  `BAD_REQUEST_BODY` gateway response (400 `{"message": "Invalid request body"}` unless the
  template defines one) with `$context.error.validationErrorString` set to `[<message>, …]`, each
  message naming the failing field as a JSON pointer (API Gateway's own wording differs);
* `AWS_PROXY` integrations get the REST API (payload 1.0) proxy event and are invoked
  synchronously through the local Lambda runtime; the proxy response is mapped back. A function
  error or a malformed response answers 502 `{"message": "Internal server error"}`;
* `AWS` service integrations (`arn:aws:apigateway:<region>:<service>:action/<Action>`) render the
  request template of the content type (`localcloud.gateway.vtl`; with passthrough `NEVER` a content
  type without a template answers 415), call the action on the local AWS (moto) and map the answer
  through the integration response whose `SelectionPattern` matches the status code (else the one
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
- `service_integrations`: `AWS` integrations and gateway responses, rendered with `vtl`;
- `vtl`: the subset of the mapping-template language that is supported;
- `replies`: the reply a request gets and API Gateway's error bodies;
- `data_plane`: `Gateway`, one request through all of the above, and its server's lifecycle;
- `http_server`: HTTP/1.1 on a socket: persistent connections, body framing, gentle closing.
"""
