"""Least privilege: the functions' IAM policies, written from the resources they use.

The app's policy (what its own code calls, PynamoDB included, which Chalice's policy generator cannot see) grants,
on each table of infra/data.py, the actions `TABLE_ACTIONS` lists for its model and `Query` on each of its indexes;
objects of the results bucket; the two secrets; the stage's log groups. Every resource is named by reference, so a
policy cannot name another stage's. The build writes it as the staging project's `.chalice/policy-<stage>.json`
(Chalice puts it on every function's role); tests/deploy/test_iam_policy.py checks it against every AWS call the
app makes in the test suite. Lambda's own use of a role (traces, the failure queue, reading a stream) is added per
function, from how Chalice's template invokes it.
"""

from __future__ import annotations

import json
from pathlib import Path

from pynamodb.models import Model

from chalicelib.store.dynamo import audit_model, models
from infra.data import TABLES, Table
from infra.names import (
    APP_SECRET,
    EDGE_SECRET,
    RESULTS_BUCKET,
    Template,
    failure_queue,
    functions,
    get_att,
    invocation,
    ref,
    sub,
)

# What the app's code does to each model's table (the audit log: append and read only).
TABLE_ACTIONS: dict[type[Model], tuple[str, ...]] = {
    models.PollModel: (
        "BatchWriteItem",
        "ConditionCheckItem",
        "DeleteItem",
        "GetItem",
        "PutItem",
        "Query",
        "Scan",
        "UpdateItem",
    ),
    models.BallotModel: ("BatchGetItem", "GetItem", "PutItem", "UpdateItem"),
    models.GuardModel: ("PutItem", "UpdateItem"),
    audit_model.AuditModel: ("PutItem", "Query"),
}
INDEX_ACTIONS = ("Query",)
OBJECT_ACTIONS = ("DeleteObject", "GetObject", "PutObject", "PutObjectTagging")
STREAM_ACTIONS = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]
LOG_GROUPS = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/polls-${Stage}*"


def allow(sid: str, actions: tuple[str, ...] | list[str], resource: object) -> Template:
    """Return an Allow statement."""
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": resource}


def table_statements(table: Table) -> list[Template]:
    """Return the app's grants on one table and its indexes."""
    if table.model not in TABLE_ACTIONS:
        raise SystemExit(f"infra/access.py TABLE_ACTIONS says nothing of {table.model.__name__}'s table")
    actions = [f"dynamodb:{action}" for action in TABLE_ACTIONS[table.model]]
    found = [allow(table.logical_id, actions, get_att(table.logical_id, "Arn"))]
    schema = table.model._get_schema()
    indexes = [i["index_name"] for i in schema["global_secondary_indexes"] + schema["local_secondary_indexes"]]
    if indexes:
        arns = [sub(f"${{{table.logical_id}.Arn}}/index/{name}") for name in indexes]
        found.append(allow(f"{table.logical_id}Indexes", [f"dynamodb:{a}" for a in INDEX_ACTIONS], arns))
    return found


def app_policy() -> Template:
    """Return the policy of what the app's code calls."""
    statements = [allow("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], sub(LOG_GROUPS))]
    for table in TABLES:
        statements += table_statements(table)
    statements += [
        allow("SnapshotObjects", [f"s3:{a}" for a in OBJECT_ACTIONS], sub(f"${{{RESULTS_BUCKET}.Arn}}/*")),
        allow("SnapshotBucketListForNotFound", ["s3:ListBucket"], get_att(RESULTS_BUCKET, "Arn")),
        allow("StageSecret", ["secretsmanager:GetSecretValue"], ref(APP_SECRET)),
        allow("EdgeSecret", ["secretsmanager:GetSecretValue"], ref(EDGE_SECRET)),
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def write_policy_files(project: Path, stages: tuple[str, ...]) -> None:
    """Write the app's policy where Chalice reads it (`autogen_policy` is off): the staging project's .chalice/."""
    for stage in stages:
        (project / ".chalice" / f"policy-{stage}.json").write_text(json.dumps(app_policy(), indent=2))


def service_policy(logical_id: str, function: Template) -> Template:
    """Return what Lambda itself does with a function's role: traces, and its failure queue and stream if any."""
    statements = [allow("LambdaSendsXRayTraces", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*")]
    kind = invocation(function)
    for event in function["Properties"].get("Events", {}).values():
        if event["Type"] == "DynamoDB":
            statements.append(allow("LambdaPollsTheStream", STREAM_ACTIONS, event["Properties"]["Stream"]))
    if kind in ("async", "stream"):
        queue = get_att(failure_queue(logical_id), "Arn")
        statements.append(allow("LambdaSendsFailuresToTheQueue", ["sqs:SendMessage"], queue))
    document = {"Version": "2012-10-17", "Statement": statements}
    return {"PolicyName": f"{logical_id}LambdaService", "PolicyDocument": document}


def fragment(template: Template) -> Template:
    """Return each function role's policies: the app's (as Chalice wrote it) and Lambda's own use of the role."""
    resources: Template = {}
    for logical_id, function in functions(template).items():
        role = function["Properties"]["Role"]["Fn::GetAtt"][0]
        policies = template["Resources"][role]["Properties"].get("Policies", [])
        resources[role] = {"Properties": {"Policies": [*policies, service_policy(logical_id, function)]}}
    return {"Resources": resources}
