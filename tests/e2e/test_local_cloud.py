"""The local cloud as `make run` presents it: outputs.json, API keys, the AWS endpoint."""

from __future__ import annotations

from tests.e2e.conftest import Client

DATA_STACK = "TradingSystem-dev-Data"
SERVICE_STACK = "TradingSystem-dev-Service"
ACCOUNT_STACK = "TradingSystem-ApiGatewayAccount"


def test_outputs_have_the_shape_cdk_deploy_writes_with_local_urls(client: Client) -> None:
    outputs = client.outputs
    assert set(outputs) == {DATA_STACK, SERVICE_STACK, ACCOUNT_STACK, "LocalCloud"}
    assert outputs[ACCOUNT_STACK] == {}  # the account's logging role: no outputs
    assert {"TradesTableName", "TradesBucketName"} <= outputs[DATA_STACK].keys()
    service = outputs[SERVICE_STACK]
    assert {"OrdersApiUrl", "DataApiUrl", "EventBusName", "OrdersTopicArn", "ApiKeyId"} <= service.keys()
    base = client.cloud.base_url
    for name in ("OrdersApiUrl", "DataApiUrl"):
        assert service[name].startswith(f"{base}/") and service[name].endswith("/dev/"), service[name]
    local = outputs["LocalCloud"]
    assert local["AwsEndpointUrl"] == client.cloud.aws_endpoint_url
    key = client.aws("apigateway").get_api_key(apiKey=service["ApiKeyId"], includeValue=True)
    assert key["value"] == local["ApiKey"]


def test_the_apis_enforce_the_api_key_and_answer_unknown_routes_as_api_gateway(client: Client) -> None:
    assert client.request("POST", client.url("OrdersApiUrl") + "orders", [], key=False) == (
        403,
        {"message": "Forbidden", "errors": []},
    )
    assert client.request("GET", client.url("DataApiUrl") + "customers/000001", key=False)[0] == 403
    assert client.request("GET", client.url("DataApiUrl") + "nowhere") == (
        403,
        {"message": "Missing Authentication Token", "errors": []},
    )
    status, body = client.post_orders({"customerId": "000001", "direction": "Sideways"})
    assert status == 400, body


def test_the_aws_endpoint_serves_the_running_system(client: Client) -> None:
    table = client.outputs[DATA_STACK]["TradesTableName"]
    items = client.aws("dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]
    # By key: a record written in the original's shape has no CustomerId until its first use.
    customers = {item["PK"]["S"].removeprefix("CUST#") for item in items if item["SK"]["S"].startswith("CUST#")}
    assert {*(f"{n:06d}" for n in range(1, 10)), "0000010", "0000011", "0000012"} <= customers
    assert client.bus_type() in ("EVENT-BRIDGE", "SNS")
    buckets = {bucket["Name"] for bucket in client.aws("s3").list_buckets()["Buckets"]}
    assert client.outputs[DATA_STACK]["TradesBucketName"] in buckets
