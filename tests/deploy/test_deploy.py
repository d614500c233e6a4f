"""Deployable as it is: a small package that runs on Lambda's own boto3, a linted template, idempotent provisioning."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest

from chalicelib.runtime import state
from chalicelib.store.dynamo import audit, models
from infra import build as packaging
from local.resources import TABLE_MODELS, ensure_resources, set_admin_token, table_spec, ttl_attribute
from local.stack import applied_environment, free_port, stage_environment
from tests.conftest import ROOT

STAGES = ("dev", "prod")
RESOURCE_VARS = {
    "POLLS_TABLE": "AWS::DynamoDB::Table",
    "COUNTERS_TABLE": "AWS::DynamoDB::Table",
    "BALLOTS_TABLE": "AWS::DynamoDB::Table",
    "RESULTS_BUCKET": "AWS::S3::Bucket",
    "SECRET_ID": "AWS::SecretsManager::Secret",
}
NAME_PROPERTY = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SecretsManager::Secret": "Name",
}
# What the Lambda Python runtime provides besides the standard library.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")
# What AWS's Powertools layer puts on the path (/opt/python): Powertools, the X-Ray SDK and what they import.
LAYER_PACKAGES = ("aws_lambda_powertools", "aws_xray_sdk", "wrapt", "typing_extensions.py")


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    """`make package` for each deployable stage, built once for the module."""
    return {stage: packaging.package(stage, tmp_path_factory.mktemp(stage)) for stage in STAGES}


def resolve(value, stage):
    """Resolve the Fn::Sub names of the infrastructure template for a stage."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        return value["Fn::Sub"].replace("${Stage}", stage)
    return value


@pytest.mark.parametrize("stage", STAGES)
def test_the_deployment_package_is_under_1_mb_and_holds_only_what_lambda_lacks(packages, stage):
    archive = packages[stage] / "deployment.zip"
    assert archive.stat().st_size < 1_000_000
    top = {name.split("/")[0] for name in zipfile.ZipFile(archive).namelist()}
    assert {"app.py", "chalicelib", "pynamodb", "chalice"} <= top
    assert not top & {"boto3", "botocore", "s3transfer", "moto", "pytest"}


@pytest.mark.parametrize("stage", STAGES)
def test_the_merged_template_passes_cfn_lint(packages, stage):
    lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(lint), str(packages[stage] / "sam.json")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("stage", STAGES)
def test_every_resource_name_the_code_reads_exists_in_the_template(packages, stage):
    template = json.loads((packages[stage] / "sam.json").read_text())
    defined = {
        (resource["Type"], resolve(resource["Properties"][NAME_PROPERTY[resource["Type"]]], stage))
        for resource in template["Resources"].values()
        if resource["Type"] in NAME_PROPERTY
    }
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    assert len(functions) == 3  # the API, the snapshot job, the stream's results publisher
    for function in functions:
        env = function["Properties"]["Environment"]["Variables"]
        for var, kind in RESOURCE_VARS.items():
            assert (kind, env[var]) in defined, f"{var}={env[var]} is not created by the template"


def test_the_template_tables_match_the_pynamodb_models():
    template = json.loads((ROOT / "infra" / "template.json").read_text())["Resources"]
    tables = {
        resolve(r["Properties"]["TableName"], "local"): r["Properties"]
        for r in template.values()
        if r["Type"] == "AWS::DynamoDB::Table"
    }
    state.reset_all()
    from chalicelib.runtime.settings import get_settings

    models.bind(get_settings())
    audit.bind(get_settings())
    for model in TABLE_MODELS:
        spec = table_spec(model)
        table = tables[spec["TableName"]]
        assert table["KeySchema"] == spec["KeySchema"]
        assert sorted(table["AttributeDefinitions"], key=str) == sorted(spec["AttributeDefinitions"], key=str)
        assert table["BillingMode"] == "PAY_PER_REQUEST"
        assert table["SSESpecification"] == {"SSEEnabled": True}
        assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        expected_gsis = spec.get("GlobalSecondaryIndexes", [])
        assert table.get("GlobalSecondaryIndexes", []) == expected_gsis
        ttl = ttl_attribute(model)
        assert table.get("TimeToLiveSpecification") == ({"AttributeName": ttl, "Enabled": True} if ttl else None)


def test_provisioning_applies_every_setting_and_is_idempotent(aws_backend, monkeypatch):
    from chalicelib.runtime import settings as settings_module

    monkeypatch.setenv("SECRET_ID", "polls/local")
    state.reset_all()
    settings = settings_module.get_settings()
    first = ensure_resources(settings)
    assert first == ["polls/local"]  # the tables and bucket came from the fixture
    assert ensure_resources(settings) == []
    dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")
    for table in (settings.polls_table, settings.counters_table, settings.ballots_table):
        description = dynamodb.describe_table(TableName=table)["Table"]
        assert description["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert description["SSEDescription"]["Status"] == "ENABLED"
        backups = dynamodb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
        assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert (
        dynamodb.describe_time_to_live(TableName=settings.ballots_table)["TimeToLiveDescription"]["AttributeName"]
        == "expires_at"
    )
    indexes = dynamodb.describe_table(TableName=settings.polls_table)["Table"]["GlobalSecondaryIndexes"]
    assert [i["IndexName"] for i in indexes] == ["snapshot-due"]
    bucket = settings.results_bucket
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert {r["ID"] for r in lifecycle} == {"history-to-infrequent-access", "expire-replaced-versions"}
    secret = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId="polls/local")["SecretString"])
    assert len(secret["admin_token"]) >= 24 and len(secret["hmac_key"]) >= 32


def test_rotating_the_admin_token_keeps_the_hmac_key(aws_backend, monkeypatch):
    from chalicelib.runtime import settings as settings_module

    monkeypatch.setenv("SECRET_ID", "polls/local")
    state.reset_all()
    settings = settings_module.get_settings()
    ensure_resources(settings)
    manager = boto3.client("secretsmanager")
    before = json.loads(manager.get_secret_value(SecretId="polls/local")["SecretString"])
    token = set_admin_token(settings)
    after = json.loads(manager.get_secret_value(SecretId="polls/local")["SecretString"])
    assert after == {"admin_token": token, "hmac_key": before["hmac_key"]}
    assert token != before["admin_token"]


CHILD = r"""
import json, sys
import altcha, app, chalice, pynamodb
for module in (altcha, app, chalice, pynamodb):
    assert module.__file__.startswith(sys.argv[1]), module.__file__
assert "moto" not in sys.modules

class Context:
    function_name = "polls-prod"; aws_request_id = "req-1"; memory_limit_in_mb = 512
    log_group_name = log_stream_name = function_version = invoked_function_arn = "x"

def call(method, path, resource, params, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = "Bearer " + token
    event = {"resource": resource, "path": path, "httpMethod": method, "headers": headers,
             "multiValueHeaders": {k: [v] for k, v in headers.items()},
             "pathParameters": params, "queryStringParameters": None, "multiValueQueryStringParameters": None,
             "stageVariables": None, "body": json.dumps(body) if body is not None else None, "isBase64Encoded": False,
             "requestContext": {"resourcePath": resource, "httpMethod": method, "path": path,
                                "identity": {"sourceIp": "198.51.100.4"}}}
    response = app.app(event, Context())
    return response["statusCode"], json.loads(response["body"] or "null")

def proof():  # the default challenge, solved with the vendored altcha as a client would
    challenge = altcha.Challenge.from_dict(call("GET", "/polls/packaged/challenge", "/polls/{poll_id}/challenge",
                                                {"poll_id": "packaged"})[1])
    return altcha.Payload(challenge, altcha.solve_challenge(challenge)).to_base64()

token = sys.argv[2]
print(json.dumps([
    call("POST", "/polls", "/polls", None, {"id": "packaged", "question": "Works?", "options": ["Yes", "No"]}, token),
    call("POST", "/polls/packaged/votes", "/polls/{poll_id}/votes", {"poll_id": "packaged"},
         {"options": ["yes"], "voter": "packaged-voter-1", "proof": proof()}),
    call("POST", "/polls/packaged/votes", "/polls/{poll_id}/votes", {"poll_id": "packaged"},
         {"options": ["no"], "voter": "packaged-voter-1", "proof": proof()}),
]))
"""


def test_the_packaged_app_serves_a_vote_with_only_the_runtimes_boto3_and_the_powertools_layer(packages, tmp_path):
    from moto.server import ThreadedMotoServer

    unpacked = tmp_path / "task"
    zipfile.ZipFile(packages["prod"] / "deployment.zip").extractall(unpacked)
    runtime = tmp_path / "runtime"  # stands in for the Lambda runtime's own boto3 and botocore
    runtime.mkdir()
    site = Path(boto3.__file__).parent.parent
    for name in RUNTIME_PACKAGES:
        (runtime / name).symlink_to(site / name)
    layer = tmp_path / "layer"  # stands in for the Powertools layer the stage attaches
    layer.mkdir()
    for name in LAYER_PACKAGES:
        (layer / name).symlink_to(site / name)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        "PATH": os.environ["PATH"],
        **stage_environment("prod"),
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
    try:
        with applied_environment(env):
            from chalicelib.runtime.settings import get_settings

            ensure_resources(get_settings())
            token = json.loads(
                boto3.client("secretsmanager").get_secret_value(SecretId=env["SECRET_ID"])["SecretString"]
            )["admin_token"]
            result = subprocess.run(
                [sys.executable, "-S", "-c", CHILD, str(unpacked), token],
                env={**env, "PYTHONPATH": f"{unpacked}:{layer}:{runtime}"},
                cwd=unpacked,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    created, voted, repeated = json.loads(result.stdout.strip().splitlines()[-1])
    assert created[0] == 201
    assert voted[0] == 201 and voted[1]["results"]["total_voters"] == 1
    assert repeated[0] == 409 and repeated[1]["error"]["code"] == "already_voted"


def test_requirements_pin_every_run_time_dependency():
    pins = (ROOT / "requirements.txt").read_text()
    for name in ("pynamodb", "boto3", "botocore"):
        assert re.search(rf"^{name}==\d", pins, re.MULTILINE), name


def test_gateway_errors_and_throttles_carry_cors_headers_and_the_api_error_shape():
    resources = json.loads((ROOT / "infra" / "template.json").read_text())["Resources"]
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::ApiGateway::GatewayResponse"
    }
    assert set(responses) == {"DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED"}
    for response in responses.values():
        assert response["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == "'*'"
        assert "code" in json.loads(response["ResponseTemplates"]["application/json"])["error"]
    assert responses["THROTTLED"]["StatusCode"] == "429"
    assert responses["THROTTLED"]["ResponseParameters"]["gatewayresponse.header.Retry-After"] == "'1'"
