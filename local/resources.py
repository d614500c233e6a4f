"""Create or update a stage's tables, bucket and secret, idempotently (local stack, tests, `make deploy`).

The table definitions come from the PynamoDB models, so the app and its tables cannot disagree;
`infra/template.json` describes the same resources for the CloudFormation path (a test compares them).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model

from chalicelib.runtime.clients import client
from chalicelib.runtime.settings import Settings
from chalicelib.store.dynamo.models import BallotModel, PollModel
from chalicelib.store.dynamo.tables import TABLE_MODELS, bind

HISTORY_TAG = {"Key": "kind", "Value": "history"}
# The ballots table's stream is folded into the tallies; the polls table's carries the tallies' changes to the edge.
STREAMS: dict[type[Model], dict[str, Any]] = {
    BallotModel: {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    PollModel: {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
}
LIFECYCLE_RULES = [
    {
        "ID": "history-to-infrequent-access",
        "Status": "Enabled",
        "Filter": {"Tag": HISTORY_TAG},
        "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}],
    },
    {
        "ID": "expire-replaced-versions",
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
    },
]


def _hash_first(key_schema: list[dict[str, str]]) -> list[dict[str, str]]:
    """Order a key schema as DynamoDB requires: the partition (HASH) key, then the sort (RANGE) key."""
    return sorted(key_schema, key=lambda key: key["KeyType"] != "HASH")


def table_spec(model: type[Model], kind: type[Model] | None = None) -> dict[str, Any]:
    """Return CreateTable arguments for a (bound) model of a kind: on demand, encrypted, with its indexes."""
    schema = model._get_schema()
    spec: dict[str, Any] = {
        "TableName": model.Meta.table_name,
        "AttributeDefinitions": schema["attribute_definitions"],
        "KeySchema": _hash_first(schema["key_schema"]),
        "BillingMode": "PAY_PER_REQUEST",
        "SSESpecification": {"Enabled": True},
    }
    if (kind or model) in STREAMS:
        spec["StreamSpecification"] = STREAMS[kind or model]
    if schema["global_secondary_indexes"]:
        spec["GlobalSecondaryIndexes"] = [
            {
                "IndexName": gsi["index_name"],
                "KeySchema": _hash_first(gsi["key_schema"]),
                "Projection": gsi["projection"],
            }
            for gsi in schema["global_secondary_indexes"]
        ]
    return spec


def ttl_attribute(model: type[Model]) -> str | None:
    """Return the name of a model's TTL attribute, if it has one."""
    for name, attribute in model.get_attributes().items():
        if isinstance(attribute, TTLAttribute):
            return attribute.attr_name or name
    return None


def ensure_tables(settings: Settings) -> list[str]:
    """Create missing tables, then make sure TTL and point-in-time recovery are on; return those created."""
    dynamodb = client("dynamodb")
    created = []
    for setting, schema in TABLE_MODELS:
        model = bind(schema, getattr(settings, setting), settings)
        spec = table_spec(model, schema)
        try:
            dynamodb.create_table(**spec)
            created.append(spec["TableName"])
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceInUseException":
                raise
        dynamodb.get_waiter("table_exists").wait(
            TableName=spec["TableName"], WaiterConfig={"Delay": 1, "MaxAttempts": 120}
        )
        ttl = ttl_attribute(model)
        if ttl is not None:
            current = dynamodb.describe_time_to_live(TableName=spec["TableName"])["TimeToLiveDescription"]
            if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                dynamodb.update_time_to_live(
                    TableName=spec["TableName"], TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl}
                )
        if schema in STREAMS:
            described = dynamodb.describe_table(TableName=spec["TableName"])["Table"]
            if not described.get("StreamSpecification", {}).get("StreamEnabled"):
                dynamodb.update_table(TableName=spec["TableName"], StreamSpecification=STREAMS[schema])
        dynamodb.update_continuous_backups(
            TableName=spec["TableName"], PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    return created


def ensure_bucket(settings: Settings) -> bool:
    """Create the results bucket if missing and apply its settings; return whether it was created."""
    s3 = client("s3")
    bucket = settings.results_bucket
    created = False
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        kwargs: dict[str, Any] = {"Bucket": bucket}
        if settings.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": settings.region}
        s3.create_bucket(**kwargs)
        created = True
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": LIFECYCLE_RULES})
    return created


def ensure_secret(settings: Settings) -> bool:
    """Create the stage's secret (admin token and HMAC key, both random) if missing; return whether created."""
    if not settings.secret_id:
        return False
    manager = client("secretsmanager")
    try:
        manager.describe_secret(SecretId=settings.secret_id)
        return False
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    document = {"admin_token": secrets.token_urlsafe(32), "hmac_key": secrets.token_urlsafe(48)}
    manager.create_secret(Name=settings.secret_id, SecretString=json.dumps(document))
    return True


def set_admin_token(settings: Settings, token: str | None = None) -> str:
    """Replace the admin token in the stage's secret, keeping its HMAC key; return the new token."""
    if not settings.secret_id:
        raise ValueError("this stage has no SECRET_ID")
    manager = client("secretsmanager")
    document = json.loads(manager.get_secret_value(SecretId=settings.secret_id)["SecretString"])
    document["admin_token"] = token or secrets.token_urlsafe(32)
    manager.put_secret_value(SecretId=settings.secret_id, SecretString=json.dumps(document))
    return str(document["admin_token"])


def rotate_hmac_key(settings: Settings) -> None:
    """Replace the HMAC key in the stage's secret, keeping its admin token.

    Ballots and per-IP counters are keyed by HMACs under this key: after the change, voters who already
    voted on an open poll are not recognised and can vote again, and IP limits start from zero.
    """
    if not settings.secret_id:
        raise ValueError("this stage has no SECRET_ID")
    manager = client("secretsmanager")
    document = json.loads(manager.get_secret_value(SecretId=settings.secret_id)["SecretString"])
    document["hmac_key"] = secrets.token_urlsafe(48)
    manager.put_secret_value(SecretId=settings.secret_id, SecretString=json.dumps(document))


def ensure_resources(settings: Settings) -> list[str]:
    """Create or update whatever of the stage's tables, bucket and secret is missing; return what was created."""
    created = ensure_tables(settings)
    if ensure_bucket(settings):
        created.append(settings.results_bucket)
    if ensure_secret(settings):
        created.append(str(settings.secret_id))
    return created
