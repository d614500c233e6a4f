"""Least privilege: every AWS action the app performed in this test run is granted, and nothing more.

conftest records every call made from app code (chalicelib/) by any botocore client, PynamoDB's
included; this module runs last and compares those calls with each deployable stage's policy, which infra/access.py
writes from the stage's resources (resolved here as CloudFormation would, for one account and region).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from infra import access, data
from infra.functions import stage_environment
from local.recorder import Call
from tests.conftest import ROOT
from tests.support.aws import APP_CALLS

pytestmark = pytest.mark.runs_last

STAGES = ("dev", "prod")
RESOURCE_VARS = (*(table.variable for table in data.TABLES), "RESULTS_BUCKET", "SECRET_ID")
TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
REGION, ACCOUNT = "us-east-1", "123456789012"
ACCOUNT_ARN = f"{REGION}:{ACCOUNT}"
# Calls authorised by the caller's own token, not IAM: botocore sends them unsigned (authtype "none").
UNSIGNED = {("cognito-idp", "GetUser")}
# S3 operations whose IAM action has another name.
S3_ACTIONS = {"ListObjectsV2": "ListBucket"}

Permission = tuple[str, str]  # (IAM action, resource ARN)


def renamer(stage: str) -> dict[str, str]:
    """Map the local stage's resource names to a deployed stage's."""
    local, target = stage_environment("local"), stage_environment(stage)
    return {local[var]: target[var] for var in RESOURCE_VARS if var in local and var in target}


def physical_names(stage: str) -> dict[str, str]:
    """Return what CloudFormation would resolve each Ref, attribute and pseudo parameter of the policy to."""
    names = {"Stage": stage, "AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}
    for table in data.TABLES:
        names[f"{table.logical_id}.Arn"] = f"arn:aws:dynamodb:{ACCOUNT_ARN}:table/{table.stem}-{stage}"
    names["ResultsBucket.Arn"] = f"arn:aws:s3:::poll-results-{stage}"
    names["AppSecret"] = f"arn:aws:secretsmanager:{ACCOUNT_ARN}:secret:polls/{stage}-AbCdEf"
    names["EdgeSecret"] = f"arn:aws:secretsmanager:{ACCOUNT_ARN}:secret:polls/{stage}/edge-AbCdEf"
    return names


def resolved(value: Any, names: dict[str, str]) -> Any:
    """Resolve Ref, Fn::GetAtt and Fn::Sub (with its `${!` escape) against known names, as CloudFormation would."""
    if isinstance(value, dict) and "Ref" in value:
        return names[value["Ref"]]
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return names[".".join(value["Fn::GetAtt"])]
    if isinstance(value, dict) and "Fn::Sub" in value:
        text = re.sub(r"\$\{([^}!]+)\}", lambda m: names[m.group(1)], value["Fn::Sub"])
        return text.replace("${!", "${")
    if isinstance(value, dict):
        return {key: resolved(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [resolved(item, names) for item in value]
    return value


def permissions(calls: Iterable[Call], stage: str) -> Iterator[Permission]:
    """Turn recorded API calls into the IAM permissions they need on the stage's resources."""
    names = renamer(stage)
    secret = stage_environment(stage).get("SECRET_ID", "")

    def table(name: str) -> str:
        return f"arn:aws:dynamodb:{ACCOUNT_ARN}:table/{names.get(name, name)}"

    for call in calls:
        service, operation, params = call.service, call.operation, call.params
        if (service, operation) in UNSIGNED:
            continue
        if service == "dynamodb" and operation == "TransactWriteItems":
            for item in params["TransactItems"]:
                kind, body = next(iter(item.items()))
                yield f"dynamodb:{TRANSACT_ACTIONS[kind]}", table(body["TableName"])
        elif service == "dynamodb" and operation in ("BatchGetItem", "BatchWriteItem"):
            for name in params["RequestItems"]:
                yield f"dynamodb:{operation}", table(name)
        elif service == "dynamodb":
            index = f"/index/{params['IndexName']}" if params.get("IndexName") else ""
            yield f"dynamodb:{operation}", table(params["TableName"]) + index
        elif service == "s3":
            bucket = names.get(params["Bucket"], params["Bucket"])
            if operation == "DeleteObjects":  # one s3:DeleteObject per key
                for item in params["Delete"]["Objects"]:
                    yield "s3:DeleteObject", f"arn:aws:s3:::{bucket}/{item['Key']}"
            elif "Key" in params:
                yield f"s3:{operation}", f"arn:aws:s3:::{bucket}/{params['Key']}"
                if operation == "PutObject" and params.get("Tagging"):
                    yield "s3:PutObjectTagging", f"arn:aws:s3:::{bucket}/{params['Key']}"
                if operation == "GetObject":  # without ListBucket a missing key reads as AccessDenied
                    yield "s3:ListBucket", f"arn:aws:s3:::{bucket}"
            else:
                yield f"s3:{S3_ACTIONS.get(operation, operation)}", f"arn:aws:s3:::{bucket}"
        elif service == "secretsmanager":
            name = f"polls/{stage}/edge" if str(params.get("SecretId", "")).endswith("/edge") else secret
            yield f"secretsmanager:{operation}", f"arn:aws:secretsmanager:{ACCOUNT_ARN}:secret:{name}-AbCdEf"
        else:
            yield f"{service}:{operation}", "*"


def load_policy(stage: str) -> list[dict[str, Any]]:
    statements = resolved(access.app_policy(), physical_names(stage))["Statement"]
    for statement in statements:
        for key in ("Action", "Resource"):
            if isinstance(statement[key], str):
                statement[key] = [statement[key]]
    return statements


def grants(statements: list[dict[str, Any]]) -> Iterator[tuple[str, str, str]]:
    """Yield (statement id, action, resource pattern) for every Allow grant."""
    for statement in statements:
        if statement["Effect"] == "Allow":
            for action in statement["Action"]:
                for resource in statement["Resource"]:
                    yield statement.get("Sid", "?"), action, resource


def allowed(statements: list[dict[str, Any]], permission: Permission) -> bool:
    action, arn = permission
    return any(
        fnmatchcase(action, granted) and fnmatchcase(arn, resource) for _, granted, resource in grants(statements)
    )


def missing_and_unused(statements: list[dict[str, Any]], needed: set[Permission]) -> tuple[set, set]:
    missing = {p for p in needed if not allowed(statements, p)}
    unused = {
        (sid, action, resource)
        for sid, action, resource in grants(statements)
        if not action.startswith("logs:")
        and not any(fnmatchcase(a, action) and fnmatchcase(arn, resource) for a, arn in needed)
    }
    return missing, unused


def full_run(config: pytest.Config) -> bool:
    """Tell whether this session runs the whole suite (only then can 'never performed' be judged)."""
    if config.option.keyword or config.option.markexpr or config.option.maxfail:
        return False
    tests_dir = ROOT / "tests"
    return all(Path(arg.split("::")[0]).resolve() in (ROOT, tests_dir) for arg in config.args)


def test_policies_grant_only_explicit_actions_on_the_stages_own_resources():
    for stage in STAGES:
        for sid, action, resource in grants(load_policy(stage)):
            assert "*" not in action, (stage, sid, action)
            if not action.startswith("logs:"):
                assert resource != "*" and stage in resource, (stage, sid, resource)


def test_the_checker_notices_a_missing_and_an_unused_grant():
    calls = [Call("dynamodb", "GetItem", {"TableName": stage_environment("local")["POLLS_TABLE"]})]
    needed = set(permissions(calls, "dev"))
    statements = [
        {
            "Sid": "S",
            "Effect": "Allow",
            "Action": ["dynamodb:PutItem"],
            "Resource": ["arn:aws:dynamodb:*:*:table/polls-v2-dev"],
        }
    ]
    missing, unused = missing_and_unused(statements, needed)
    assert missing == {("dynamodb:GetItem", f"arn:aws:dynamodb:{ACCOUNT_ARN}:table/polls-v2-dev")}
    assert unused == {("S", "dynamodb:PutItem", "arn:aws:dynamodb:*:*:table/polls-v2-dev")}


@pytest.mark.parametrize("stage", STAGES)
def test_every_action_the_app_performed_is_granted_and_every_grant_was_used(stage, request):
    assert APP_CALLS, "no AWS calls were recorded from app code"
    needed = set(permissions(APP_CALLS, stage))
    missing, unused = missing_and_unused(load_policy(stage), needed)
    assert not missing, f"the {stage} policy (infra/access.py) lacks: {sorted(missing)}"
    if not full_run(request.config):
        pytest.skip("unused grants are only judged when the whole suite runs")
    assert not unused, f"the {stage} policy (infra/access.py) grants what the app never did: {sorted(unused)}"


def test_getuser_is_unsigned_so_needs_no_grant():
    import botocore.session

    model = botocore.session.get_session().get_service_model("cognito-idp")
    for service, operation in UNSIGNED:
        assert model.operation_model(operation).auth_type == "none", (service, operation)


@pytest.mark.parametrize("stage", STAGES)
def test_the_audit_table_is_append_only_for_the_app(stage):
    table = f"arn:aws:dynamodb:{ACCOUNT_ARN}:table/poll-audit-{stage}"
    statements = load_policy(stage)
    assert allowed(statements, ("dynamodb:PutItem", table))
    assert allowed(statements, ("dynamodb:Query", table))
    assert allowed(statements, ("dynamodb:Query", f"{table}/index/feed"))
    for action in ("UpdateItem", "DeleteItem", "BatchWriteItem", "GetItem", "Scan", "PartiQLUpdate", "PartiQLDelete"):
        assert not allowed(statements, (f"dynamodb:{action}", table)), action
