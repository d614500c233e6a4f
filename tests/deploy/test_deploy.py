"""Deployable as it is: a small package that runs on Lambda's own boto3, a linted template whose tables are the
models', the local stage's data from the same definitions."""

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

from infra import build as packaging
from infra import data, protection
from infra.functions import stage_environment
from local.resources import ensure_resources
from local.stack import applied_environment, free_port
from ops import secrets
from tests.conftest import ROOT

STAGES = ("dev", "prod")
# The variables that name a resource to the app, and the kind of resource each must refer to.
RESOURCE_VARS = {
    **{table.variable: "AWS::DynamoDB::Table" for table in data.TABLES},
    "RESULTS_BUCKET": "AWS::S3::Bucket",
    "SECRET_ID": "AWS::SecretsManager::Secret",
}
API_ONLY_VARS = {
    "EDGE_SECRET_ID": "AWS::SecretsManager::Secret",
    "USER_POOL_ID": "AWS::Cognito::UserPool",
    "USER_POOL_CLIENT_IDS": "AWS::Cognito::UserPoolClient",
}
# What the Lambda Python runtime provides besides the standard library.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")
# What AWS's Powertools layer puts on the path (/opt/python): Powertools, the X-Ray SDK and what they import.
LAYER_PACKAGES = ("aws_lambda_powertools", "aws_xray_sdk", "wrapt", "typing_extensions.py")


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    """`make package` for each deployable stage, built once for the module."""
    return {stage: packaging.package(stage, tmp_path_factory.mktemp(stage)) for stage in STAGES}


@pytest.mark.parametrize("stage", STAGES)
def test_the_deployment_package_is_under_1_mb_and_holds_only_what_lambda_lacks(packages, stage):
    archive = packages[stage] / "deployment.zip"
    assert archive.stat().st_size < 1_000_000
    top = {name.split("/")[0] for name in zipfile.ZipFile(archive).namelist()}
    assert {"app.py", "chalicelib", "pynamodb", "chalice"} <= top
    assert not top & {"boto3", "botocore", "s3transfer", "moto", "pytest"}


@pytest.mark.parametrize("stage", STAGES)
def test_only_the_card_functions_have_the_card_layer_which_holds_pillow_and_the_fonts(packages, stage):
    resources = json.loads((packages[stage] / "sam.json").read_text())["Resources"]
    functions = {k: r for k, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    with_layer = {
        r["Properties"]["FunctionName"]["Fn::Sub"]
        for r in functions.values()
        if {"Ref": "CardLayer"} in r["Properties"]["Layers"]
    }
    assert with_layer == {"polls-${Stage}-render_cards", "polls-${Stage}-refresh_cards"}
    assert resources["CardLayer"]["Type"] == "AWS::Lambda::LayerVersion"
    layer = zipfile.ZipFile(packages[stage] / "cards-layer.zip")
    names = set(layer.namelist())
    fonts = {"NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"}
    assert {f"fonts/{name}" for name in fonts | {"OFL.txt"}} <= names
    assert {"python/PIL/__init__.py", "python/arabic_reshaper/__init__.py", "python/bidi/__init__.py"} <= names
    assert any(name.startswith("python/PIL/_imaging.cpython-") and "x86_64-linux" in name for name in names)
    unpacked = sum(info.file_size for info in layer.infolist())
    assert unpacked < 50 * 1024 * 1024  # far under Lambda's 250 MB for function and layers together
    api = set(zipfile.ZipFile(packages[stage] / "deployment.zip").namelist())
    assert not {name for name in api if name.split("/")[0] in {"PIL", "bidi", "arabic_reshaper", "fonts"}}


@pytest.mark.parametrize("stage", STAGES)
def test_only_the_api_has_the_token_layer_which_holds_cryptography_for_lambdas_platform(packages, stage):
    resources = json.loads((packages[stage] / "sam.json").read_text())["Resources"]
    with_layer = {
        logical_id
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::Serverless::Function" and {"Ref": "TokenLayer"} in r["Properties"]["Layers"]
    }
    assert with_layer == {"APIHandler"}
    assert resources["TokenLayer"]["Type"] == "AWS::Lambda::LayerVersion"
    layer = zipfile.ZipFile(packages[stage] / "tokens-layer.zip")
    names = set(layer.namelist())
    assert {"python/cryptography/__init__.py", "python/cffi/__init__.py"} <= names
    assert any(name.startswith("python/cryptography/hazmat/bindings/_rust.abi3") for name in names)
    assert sum(info.file_size for info in layer.infolist()) < 50 * 1024 * 1024
    api = {name.split("/")[0] for name in zipfile.ZipFile(packages[stage] / "deployment.zip").namelist()}
    assert not api & {"cryptography", "cffi", "pycparser"}


@pytest.mark.parametrize("stage", STAGES)
def test_the_merged_template_passes_cfn_lint(packages, stage):
    lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(lint), str(packages[stage] / "sam.json")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("stage", STAGES)
def test_every_resource_the_code_reads_is_named_to_it_by_reference_to_the_template(packages, stage):
    template = json.loads((packages[stage] / "sam.json").read_text())
    resources = template["Resources"]
    functions = {k: r for k, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    assert len(functions) == 7  # the API, the snapshot job, the fold, the publisher, two card functions, the export
    for logical_id, function in functions.items():
        env = function["Properties"]["Environment"]["Variables"]
        wanted = {**RESOURCE_VARS, **(API_ONLY_VARS if logical_id == "APIHandler" else {})}
        for var, kind in wanted.items():
            assert resources[env[var]["Ref"]]["Type"] == kind, (logical_id, var)
        assert env["STAGE"] == {"Ref": "Stage"} and env["SITE_URL"] == {"Ref": "SiteUrl"}


@pytest.mark.parametrize("table", data.TABLES, ids=[t.logical_id for t in data.TABLES])
def test_each_table_has_its_models_keys_indexes_and_ttl_and_is_kept(packages, table):
    resource = json.loads((packages["dev"] / "sam.json").read_text())["Resources"][table.logical_id]
    properties = resource["Properties"]
    attributes = table.model.get_attributes()
    keys = [(a.attr_name, "HASH") for a in attributes.values() if a.is_hash_key]
    keys += [(a.attr_name, "RANGE") for a in attributes.values() if a.is_range_key]
    assert [(k["AttributeName"], k["KeyType"]) for k in properties["KeySchema"]] == keys
    indexes = {i.Meta.index_name for i in table.model._indexes.values()}
    assert {i["IndexName"] for i in properties.get("GlobalSecondaryIndexes", [])} == indexes
    ttl = [a.attr_name for a in attributes.values() if type(a).__name__ == "TTLAttribute"]
    assert properties.get("TimeToLiveSpecification") == ({"AttributeName": ttl[0], "Enabled": True} if ttl else None)
    assert properties["TableName"] == {"Fn::Sub": f"{table.stem}-${{Stage}}"}
    assert (properties["BillingMode"], properties["SSESpecification"]) == ("PAY_PER_REQUEST", {"SSEEnabled": True})
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")


@pytest.mark.filterwarnings("ignore:Tried to parse AWS")  # moto names the types its CloudFormation passes over
def test_the_local_stages_data_comes_from_the_same_definitions_and_a_second_run_creates_nothing(aws_backend):
    from chalicelib.runtime.settings import get_settings

    dynamodb = boto3.client("dynamodb")
    for table in data.TABLES:
        described = dynamodb.describe_table(TableName=f"{table.stem}-local")["Table"]
        definition = data.table_resource(table)["Properties"]
        assert described["KeySchema"] == definition["KeySchema"]
        assert [i["IndexName"] for i in described.get("GlobalSecondaryIndexes", [])] == [
            i["IndexName"] for i in definition.get("GlobalSecondaryIndexes", [])
        ]
        assert ("LatestStreamArn" in described) is bool(table.stream)
    assert boto3.client("s3").head_bucket(Bucket="poll-results-local")
    secret = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId="polls/local")["SecretString"])
    assert secret["admin_token"] == "" and len(secret["hmac_key"]) == 64  # as GenerateSecretString says
    stacks = boto3.client("cloudformation").describe_stacks(StackName="polls-local")["Stacks"]
    assert stacks[0]["StackStatus"] == "CREATE_COMPLETE"
    assert ensure_resources(get_settings()) == []


def test_rotating_the_admin_token_keeps_the_hmac_key(aws_backend):
    manager = boto3.client("secretsmanager")
    before = json.loads(manager.get_secret_value(SecretId="polls/local")["SecretString"])
    token = secrets.set_admin_token(manager, "polls/local")
    after = json.loads(manager.get_secret_value(SecretId="polls/local")["SecretString"])
    assert after == {"admin_token": token, "hmac_key": before["hmac_key"]}
    assert len(token) >= 24


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
        **stage_environment("prod"),  # as the template names the prod stage's resources
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
            token = secrets.set_admin_token(boto3.client("secretsmanager"), env["SECRET_ID"])
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
    resources = protection.fragment()["Resources"]
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
