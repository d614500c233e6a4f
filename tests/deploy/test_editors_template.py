"""The merged template gives each stage its editors' user pool, the console's client, an append-only audit table,
and tells the API function where the pool is; the local stack serves the console with the same shape of config."""

from __future__ import annotations

import json

import pytest

from infra import build as packaging

STAGES = ("dev", "prod")


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    return {
        stage: json.loads((packaging.package(stage, tmp_path_factory.mktemp(stage)) / "sam.json").read_text())
        for stage in STAGES
    }


@pytest.mark.parametrize("stage", STAGES)
def test_the_api_function_knows_the_stages_user_pool_and_console_client(templates, stage):
    resources = templates[stage]["Resources"]
    env = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["USER_POOL_ID"] == {"Ref": "EditorsUserPool"}
    assert env["USER_POOL_CLIENT_IDS"] == {"Ref": "ConsoleClient"}
    assert env["AUDIT_TABLE"] == {"Ref": "AuditTable"}


@pytest.mark.parametrize("stage", STAGES)
def test_the_pool_has_the_two_groups_and_a_public_console_client(templates, stage):
    resources = templates[stage]["Resources"]
    pool = resources["EditorsUserPool"]
    assert pool["DeletionPolicy"] == "Retain"
    assert pool["Properties"]["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    groups = {r["Properties"]["GroupName"] for r in resources.values() if r["Type"] == "AWS::Cognito::UserPoolGroup"}
    assert groups == {"editors", "admins"}
    client = resources["ConsoleClient"]["Properties"]
    assert client["GenerateSecret"] is False  # a browser app cannot keep a secret
    assert "ALLOW_USER_PASSWORD_AUTH" in client["ExplicitAuthFlows"]
    assert client["EnableTokenRevocation"] is True
    outputs = templates[stage]["Outputs"]
    assert {"UserPoolId", "ConsoleClientId"} <= set(outputs)


@pytest.mark.parametrize("stage", STAGES)
def test_the_audit_table_denies_updates_and_deletes_to_everyone(templates, stage):
    table = templates[stage]["Resources"]["AuditTable"]
    assert table["DeletionPolicy"] == "Retain"
    assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    (statement,) = table["Properties"]["ResourcePolicy"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny" and statement["Principal"] == "*"
    assert {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} <= set(statement["Action"])
    assert "dynamodb:PutItem" not in statement["Action"]


@pytest.mark.parametrize("stage", STAGES)
def test_an_alarm_fires_when_an_audit_entry_could_not_be_stored(templates, stage):
    alarm = templates[stage]["Resources"]["AuditWriteFailuresAlarm"]["Properties"]
    assert alarm["MetricName"] == "AuditWriteFailures"
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
