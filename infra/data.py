"""The stage's data: one DynamoDB table per PynamoDB model, the results bucket and the app's secret.

A table's keys, attributes, indexes and TTL attribute come from its model (chalicelib/store/dynamo), so the app and
its tables cannot disagree; what a model cannot say (its logical id, the stem of its name, the variable that names
it to the app, its stream) is in `TABLES`, one line per model. Every table and the bucket are on demand or
versioned, encrypted, kept when the stack is deleted or a change would replace them (Retain), and tables have
point-in-time recovery. Deployed with the stack, and by the local stack to its endpoint (local/resources.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model

from chalicelib.store.dynamo import audit_model, models
from infra.names import (
    APP_SECRET,
    APP_SECRET_NAME,
    BUCKET_NAME,
    BUCKET_TYPE,
    RESULTS_BUCKET,
    SECRET_TYPE,
    TABLE_TYPE,
    Template,
    named,
    ref,
    skips,
    sub,
)

RETAIN = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
ENCRYPTION_SKIP = (
    "Encrypted with the AWS managed key (aws/dynamodb); {holds}, so a customer managed key would add cost and "
    "key-policy upkeep, not protection"
)
VOTERS_AS_HMACS = "voters and IPs are stored only as HMACs"


@dataclass(frozen=True)
class Table:
    """One table: its model, logical id, name stem (`<stem>-<stage>`), the app's variable for it and its extras."""

    model: type[Model]
    logical_id: str
    stem: str
    variable: str
    holds: str  # why AWS's own key is enough (checkov's CKV_AWS_119)
    stream: str | None = None  # the stream's view type, for a table whose changes a function reads
    append_only: bool = False  # a resource policy denies every principal updates and deletes


# The polls and ballots tables' stems end in "-v2": their keys changed when votes became a ledger, and CloudFormation
# replaces a named table only under a new name (the old tables are retained, not migrated).
TABLES: tuple[Table, ...] = (
    Table(
        models.PollModel,
        "PollsTable",
        "polls-v2",
        "POLLS_TABLE",
        "definitions and vote totals, no voter data",
        stream="NEW_AND_OLD_IMAGES",  # the tallies' changes feed the published results (chalicelib/services/edge.py)
    ),
    Table(
        models.BallotModel,
        "BallotsTable",
        "poll-ballots-v2",
        "BALLOTS_TABLE",
        VOTERS_AS_HMACS,
        stream="NEW_AND_OLD_IMAGES",  # the ledger: folded into the tallies (chalicelib/services/fold.py)
    ),
    Table(models.GuardModel, "GuardsTable", "poll-guards", "GUARDS_TABLE", "addresses only as HMACs, spent proof ids"),
    Table(
        audit_model.AuditModel,
        "AuditTable",
        "poll-audit",
        "AUDIT_TABLE",
        "entries name editors and poll changes, no voter data",
        append_only=True,
    ),
)
APPEND_ONLY_DENIED = ["UpdateItem", "DeleteItem", "BatchWriteItem", "PartiQLUpdate", "PartiQLDelete"]


def table_of(model: type[Model]) -> Table:
    """Return the table a model's items live in."""
    return next(t for t in TABLES if t.model is model)


def table_name(table: Table) -> str:
    """Return the pattern of a table's name: `<stem>-{stage}`."""
    return f"{table.stem}-{{stage}}"


def ttl_attribute(model: type[Model]) -> str | None:
    """Return the name of a model's TTL attribute, if it has one."""
    for name, attribute in model.get_attributes().items():
        if isinstance(attribute, TTLAttribute):
            return attribute.attr_name or name
    return None


def _hash_first(key_schema: list[dict[str, str]]) -> list[dict[str, str]]:
    """Order a key schema as DynamoDB requires: the partition (HASH) key, then the sort (RANGE) key."""
    return sorted(key_schema, key=lambda key: key["KeyType"] != "HASH")


def _index(index: dict[str, Any]) -> Template:
    """Return a secondary index of the model's schema as CloudFormation writes it."""
    return {
        "IndexName": index["index_name"],
        "KeySchema": _hash_first(index["key_schema"]),
        "Projection": index["projection"],
    }


def table_resource(table: Table) -> Template:
    """Return a table's resource, from its model's schema and its extras."""
    schema: Template = dict(table.model._get_schema())
    keys = _hash_first(schema["key_schema"])
    indexes = schema["global_secondary_indexes"] + schema["local_secondary_indexes"]
    order = [k["AttributeName"] for k in keys]  # the table's keys, then its indexes' (as the template had them)
    order += [k["AttributeName"] for index in indexes for k in _hash_first(index["key_schema"])]
    definitions = sorted(schema["attribute_definitions"], key=lambda a: order.index(a["AttributeName"]))
    properties: Template = {
        "TableName": named(table_name(table)),
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": definitions,
        "KeySchema": keys,
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
    }
    if schema["global_secondary_indexes"]:
        properties["GlobalSecondaryIndexes"] = [_index(i) for i in schema["global_secondary_indexes"]]
    if schema["local_secondary_indexes"]:
        properties["LocalSecondaryIndexes"] = [_index(i) for i in schema["local_secondary_indexes"]]
    if table.stream:
        properties["StreamSpecification"] = {"StreamViewType": table.stream}
    ttl = ttl_attribute(table.model)
    if ttl:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    if table.append_only:
        properties["ResourcePolicy"] = {"PolicyDocument": _append_only(table)}
    return {
        "Type": TABLE_TYPE,
        "Metadata": skips({"CKV_AWS_119": ENCRYPTION_SKIP.format(holds=table.holds)}),
        **RETAIN,
        "Properties": properties,
    }


def _append_only(table: Table) -> Template:
    """Return the resource policy that lets nobody update or delete a table's items."""
    arn = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/" + table_name(table).format(
        stage="${Stage}"
    )
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AppendOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": [f"dynamodb:{action}" for action in APPEND_ONLY_DENIED],
                "Resource": sub(arn),
            }
        ],
    }


def bucket() -> Template:
    """Return the results bucket: private, encrypted, versioned; history objects age to infrequent access."""
    return {
        "Type": BUCKET_TYPE,
        "Metadata": skips(
            {
                "CKV_AWS_18": "Holds public results snapshots for a CDN; reads are logged at the CDN and writes come "
                "only from the snapshot function (its log group and CloudTrail)"
            }
        ),
        **RETAIN,
        "Properties": {
            "BucketName": named(BUCKET_NAME),
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "history-to-infrequent-access",
                        "Status": "Enabled",
                        "TagFilters": [{"Key": "kind", "Value": "history"}],
                        "Transitions": [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30}],
                    },
                    {
                        "Id": "expire-athena-results",  # the data desk's query results (infra/analytics.py)
                        "Status": "Enabled",
                        "Prefix": "private/athena/",
                        "ExpirationInDays": 30,
                    },
                    {
                        "Id": "expire-replaced-versions",
                        "Status": "Enabled",
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                    },
                ]
            },
        },
    }


def app_secret() -> Template:
    """Return the app's secret: an HMAC key generated once, and an admin token set by the operator."""
    return {
        "Type": SECRET_TYPE,
        "Metadata": skips(
            {
                "CKV_AWS_149": "Encrypted with the AWS managed key (aws/secretsmanager); only the stage's function "
                "roles read it, and a customer managed key would need its key policy kept in step with them"
            }
        ),
        **RETAIN,
        "Properties": {
            "Name": named(APP_SECRET_NAME),
            "Description": "Admin bearer token and the HMAC key for voter tokens and IPs. Set admin_token with "
            "`python -m ops.deploy set-admin-token --stage <stage>`.",
            "GenerateSecretString": {
                "SecretStringTemplate": '{"admin_token": ""}',
                "GenerateStringKey": "hmac_key",
                "PasswordLength": 64,
                "ExcludePunctuation": True,
            },
        },
    }


def fragment() -> Template:
    """Return the data's part of the stage's template: the tables, the bucket, the secret and their outputs."""
    resources = {table.logical_id: table_resource(table) for table in TABLES}
    resources[RESULTS_BUCKET] = bucket()
    resources[APP_SECRET] = app_secret()
    outputs = {
        "ResultsBucketName": {
            "Value": ref(RESULTS_BUCKET),
            "Description": "The results bucket: the site (CloudFront, SiteUrl) serves its public prefixes.",
        },
        "SecretArn": {"Value": ref(APP_SECRET)},
    }
    return {"Resources": resources, "Outputs": outputs}
