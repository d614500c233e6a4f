"""The embedded endpoint's item-level transaction rollback gives moto's own outcomes, without copying tables."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from local.endpoint import item_level_transactions


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="counts",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName="counts", Item={"pk": {"S": "shard"}, "votes": {"N": "5"}})
        client.put_item(TableName="counts", Item={"pk": {"S": "taken"}, "n": {"N": "1"}})
        yield client


def vote(client: Any, ballot: str) -> None:
    """A vote-shaped transaction: count on the shard, then put the ballot unless it exists."""
    client.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": "counts",
                    "Key": {"pk": {"S": "shard"}},
                    "UpdateExpression": "ADD votes :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
            {
                "Put": {
                    "TableName": "counts",
                    "Item": {"pk": {"S": ballot}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]
    )


def table_object() -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables["counts"]


def state(client: Any) -> dict[str, Any]:
    return {item["pk"]["S"]: item for item in client.scan(TableName="counts")["Items"]}


@pytest.mark.parametrize("item_level", [False, True], ids=["moto", "item-level"])
def test_a_cancelled_transaction_leaves_every_item_as_it_was(dynamodb, item_level):
    before, table = state(dynamodb), table_object()
    with item_level_transactions() if item_level else nullcontext():
        with pytest.raises(ClientError) as cancelled:
            vote(dynamodb, "taken")
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert state(dynamodb) == before
    assert (table_object() is table) == item_level  # moto puts a whole-table copy back; item-level does not copy


@pytest.mark.parametrize("item_level", [False, True], ids=["moto", "item-level"])
def test_a_committed_transaction_writes_every_item(dynamodb, item_level):
    with item_level_transactions() if item_level else nullcontext():
        vote(dynamodb, "new-ballot")
    after = state(dynamodb)
    assert after["shard"]["votes"] == {"N": "6"}
    assert "new-ballot" in after


def test_item_level_rollback_removes_an_item_the_cancelled_transaction_created(dynamodb):
    with item_level_transactions(), pytest.raises(ClientError):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "counts", "Item": {"pk": {"S": "fresh"}}}},
                {
                    "ConditionCheck": {
                        "TableName": "counts",
                        "Key": {"pk": {"S": "taken"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    assert "fresh" not in state(dynamodb)


@pytest.fixture
def two_tables(dynamodb: Any) -> Any:
    dynamodb.create_table(
        TableName="ledger",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    dynamodb.put_item(TableName="ledger", Item={"pk": {"S": "poll"}, "sk": {"S": "kept"}, "n": {"N": "1"}})
    return dynamodb


def stream_records(table: str) -> list[dict[str, Any]]:
    # botocore's account-based stream endpoints are not moto's: ask for the regional one
    streams = boto3.client(
        "dynamodbstreams", region_name="us-east-1", config=Config(account_id_endpoint_mode="disabled")
    )
    arn = boto3.client("dynamodb", region_name="us-east-1").describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]


@pytest.mark.parametrize("item_level", [False, True], ids=["moto", "item-level"])
def test_a_cancelled_transaction_across_tables_leaves_every_named_item_and_stream_as_they_were(two_tables, item_level):
    ledger_before, counts_before = two_tables.scan(TableName="ledger")["Items"], state(two_tables)
    records_before = stream_records("ledger")
    with item_level_transactions() if item_level else nullcontext(), pytest.raises(ClientError):
        two_tables.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "ledger", "Item": {"pk": {"S": "poll"}, "sk": {"S": "new"}}}},
                {
                    "Update": {
                        "TableName": "ledger",
                        "Key": {"pk": {"S": "poll"}, "sk": {"S": "kept"}},
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {
                    "Update": {
                        "TableName": "counts",
                        "Key": {"pk": {"S": "shard"}},
                        "UpdateExpression": "ADD votes :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": "counts",
                        "Key": {"pk": {"S": "taken"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    assert two_tables.scan(TableName="ledger")["Items"] == ledger_before
    assert state(two_tables) == counts_before
    assert stream_records("ledger") == records_before  # a fold reading the stream sees no write that never happened


def test_two_endpoints_entering_and_leaving_out_of_order_leave_moto_as_it_was():
    from moto.dynamodb import models

    before = (models.DynamoDBBackend.transact_write_items, models.copy)
    first, second = item_level_transactions(), item_level_transactions()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first endpoint leaves while the second still serves
    assert models.DynamoDBBackend.transact_write_items is not before[0]
    second.__exit__(None, None, None)
    assert (models.DynamoDBBackend.transact_write_items, models.copy) == before
