"""TransactWriteItems on a big table, moto's code against patch 7 of localcloud.moto_patches.

    .venv/bin/python -m tests.localcloud.transact_speed [--patched]

moto 5.2.5 deep-copies the whole table once per item of a transaction; the patch backs up only the
written items. Run both ways (separate processes: the patch cannot be undone) and compare.
"""

from __future__ import annotations

import argparse
import os
import time

import boto3
from moto import mock_aws


def milliseconds_per_transaction(table_items: int, transactions: int = 20, items_per_transaction: int = 10) -> float:
    from moto.dynamodb.models import dynamodb_backends

    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    table = dynamodb_backends["123456789012"]["us-east-1"].tables["t"]
    for i in range(table_items):  # straight into the backend: fast to fill
        table.put_item({"PK": {"S": f"P{i % 500}"}, "SK": {"S": f"S{i}"}, "v": {"N": str(i)}, "pad": {"S": "x" * 100}})
    start = time.perf_counter()
    for t in range(transactions):
        items = [
            {
                "Update": {
                    "TableName": "t",
                    "Key": {"PK": {"S": f"P{j}"}, "SK": {"S": f"S{t}-{j}"}},
                    "UpdateExpression": "SET v = :v",
                    "ExpressionAttributeValues": {":v": {"N": "1"}},
                }
            }
            for j in range(items_per_transaction)
        ]
        ddb.transact_write_items(TransactItems=items)
    elapsed = time.perf_counter() - start
    ddb.delete_table(TableName="t")
    return elapsed / transactions * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patched", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        if args.patched:
            from localcloud import moto_patches

            moto_patches.patch_transactions()
        for size in (1_000, 10_000):
            label = "patched" if args.patched else "moto   "
            print(f"{label} table of {size:>6} items: {milliseconds_per_transaction(size):8.1f} ms per 10-item tx")


if __name__ == "__main__":
    main()
