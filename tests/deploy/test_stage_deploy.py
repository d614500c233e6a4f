"""`make deploy` and `make destroy` driven against moto's server: the change set's template holds the whole stage,
the first deploy creates it, a second is a no-op that says so, declining at the prompt changes nothing, and a teardown
keeps the data unless purged. moto's CloudFormation creates the kinds it knows and passes over the others."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest

from ops import deploy
from ops.session import Session
from ops.stack import Waiting
from tests.deploy.conftest import reset

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS")  # moto names the kinds it passes over
ALARM_EMAIL = "oncall@example-news.com"
# Every kind of resource the stage is made of, and how many of each the change set must hold (None: at least one).
KINDS: dict[str, int | None] = {
    "AWS::DynamoDB::Table": 4,
    "AWS::S3::Bucket": 1,
    "AWS::SecretsManager::Secret": 2,  # the app's and the edge's
    "AWS::Cognito::UserPool": 1,
    "AWS::Cognito::UserPoolGroup": 2,
    "AWS::Cognito::UserPoolClient": 1,
    "AWS::CloudFront::Distribution": 1,
    "AWS::CloudFront::OriginAccessControl": 1,
    "AWS::S3::BucketPolicy": 1,
    "AWS::CloudFront::Function": 1,
    "AWS::CloudFront::CachePolicy": 1,
    "AWS::CloudFront::OriginRequestPolicy": 1,
    "AWS::CloudFront::ResponseHeadersPolicy": 2,
    "AWS::WAFv2::WebACL": 1,
    "AWS::WAFv2::WebACLAssociation": 1,
    "AWS::ApiGateway::GatewayResponse": 3,
    "AWS::ApiGateway::RestApi": 1,
    "AWS::ApiGateway::Deployment": 1,
    "AWS::ApiGateway::Stage": 1,
    "AWS::Lambda::Function": 7,
    "AWS::Lambda::LayerVersion": 2,  # the share cards' (Pillow and the fonts), the API's tokens (cryptography)
    "AWS::Lambda::EventSourceMapping": 3,  # the fold's (ballots' stream), the publisher's and the cards' (polls')
    "AWS::Lambda::EventInvokeConfig": 3,
    "AWS::Lambda::Permission": 4,  # API Gateway's and the three schedules'
    "AWS::Events::Rule": 3,
    "AWS::IAM::Role": 7,
    "AWS::CloudWatch::Alarm": None,
    "AWS::CloudWatch::Dashboard": 1,
    "AWS::SNS::Topic": 1,
    "AWS::SNS::Subscription": 1,
    "AWS::SQS::Queue": 6,  # the three schedules' and the three stream consumers' failures
    "AWS::KMS::Key": 1,
    "AWS::KMS::Alias": 1,
    "AWS::Logs::LogGroup": 8,  # seven functions' and the API's access log
    # The data desk's analytics (infra/analytics.py); moto's CloudFormation passes over these four kinds
    # (tests/deploy/test_analytics_template.py gives them to moto's Glue and Athena APIs instead).
    "AWS::Glue::Database": 1,
    "AWS::Glue::Table": 1,
    "AWS::Athena::WorkGroup": 1,
    "AWS::Athena::NamedQuery": 3,
}


def session(workdir: Path, answer: str | None = None) -> Session:
    """A deploy session that writes to a buffer and, when given an answer, asks at a terminal."""
    return Session(
        region="us-east-1",
        out=io.StringIO(),
        ask=lambda _question: answer or "",
        interactive=answer is not None,
        workdir=workdir,
        waiting=Waiting(every=0.05, at_most=60),
    )


def run(command: str, stage: str, run_session: Session, *flags: str) -> tuple[int, str]:
    """Run an ops.deploy command; return its exit status and what it printed."""
    status = deploy.main([command, "--stage", stage, *flags], session=run_session)
    return status, run_session.out.getvalue()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def deployed(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path]:
    """The dev stage deployed once to the endpoint: exit status, output, and its build directory."""
    workdir = tmp_path_factory.mktemp("dev")
    status, output = run("deploy", "dev", session(workdir), "--yes", "--alarm-email", ALARM_EMAIL)
    return status, output, workdir


@pytest.fixture(scope="module")
def received(deployed: tuple[int, str, Path]) -> dict[str, Any]:
    """The template CloudFormation received for the dev stage."""
    body = boto3.client("cloudformation").get_template(StackName="polls-dev")["TemplateBody"]
    return body if isinstance(body, dict) else json.loads(body)


@pytest.mark.parametrize(("kind", "count"), list(KINDS.items()))
def test_the_change_set_holds_every_kind_of_resource_of_the_stage(received, kind, count):
    found = [r for r in received["Resources"].values() if r["Type"] == kind]
    assert len(found) == count if count is not None else found, kind


def test_the_template_is_plain_cloudformation_with_the_stages_settings(received):
    resources = received["Resources"]
    assert "Transform" not in received
    assert not [r for r in resources.values() if r["Type"].startswith("AWS::Serverless::")]
    mappings = {
        r["Properties"]["FunctionName"]["Ref"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
    }
    publisher, fold, cards = mappings["PublishResults"], mappings["FoldBallots"], mappings["RenderCards"]
    assert [m["EventSourceArn"]["Fn::GetAtt"][0] for m in (publisher, fold, cards)] == [
        "PollsTable",
        "BallotsTable",
        "PollsTable",
    ]
    assert cards["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["RenderCardsFailureQueue", "Arn"]}
    assert (publisher["MaximumRetryAttempts"], publisher["BisectBatchOnFunctionError"]) == (5, True)
    assert publisher["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["PublishResultsFailureQueue", "Arn"]
    }
    # The fold never gives a ballot up; its tumbling window names the stream shard whose tally it writes.
    assert (fold["MaximumRetryAttempts"], fold["MaximumRecordAgeInSeconds"]) == (-1, -1)
    assert (fold["BisectBatchOnFunctionError"], fold["TumblingWindowInSeconds"]) == (True, 1)
    assert (fold["StartingPosition"], fold["MaximumBatchingWindowInSeconds"]) == ("TRIM_HORIZON", 1)
    functions = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    assert all(f["TracingConfig"] == {"Mode": "Active"} for f in functions)
    assert all(f["Code"]["S3Key"].startswith("polls-dev/deployment-") for f in functions)
    layers = sorted(
        r["Properties"]["Content"]["S3Key"] for r in resources.values() if r["Type"] == "AWS::Lambda::LayerVersion"
    )
    assert [key.split("-layer-")[0] for key in layers] == ["polls-dev/cards", "polls-dev/tokens"]
    (stage,) = [r for r in resources.values() if r["Type"] == "AWS::ApiGateway::Stage"]
    assert stage["Properties"]["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert stage["Properties"]["TracingEnabled"] is True
    assert stage["Condition"] == resources["VoteRateLimitAssociation"]["Condition"] == "DeploysRestApi"


def test_the_first_deploy_creates_the_stack_and_its_tables_bucket_and_functions(deployed):
    status, output, _ = deployed
    assert status == 0, output
    assert re.search(r"^Add\s+PollsTable\s+AWS::DynamoDB::Table", output, re.MULTILINE), output
    shown = set(re.findall(r"^Add\s+\S+\s+(AWS::\S+)", output, re.MULTILINE))
    assert shown == set(KINDS)  # the change set, shown before it runs, lists every kind
    assert "polls-dev: CREATE_COMPLETE" in output
    stack = boto3.client("cloudformation").describe_stacks(StackName="polls-dev")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["AlarmEmail"] == ALARM_EMAIL
    tables = boto3.client("dynamodb").list_tables()["TableNames"]
    assert {"polls-v2-dev", "poll-guards-dev", "poll-ballots-v2-dev", "poll-audit-dev"} <= set(tables)
    functions = {f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]}
    assert functions == {
        "polls-dev",
        "polls-dev-snapshot_results",
        "polls-dev-publish_results",
        "polls-dev-fold_ballots",
        "polls-dev-render_cards",
        "polls-dev-refresh_cards",
        "polls-dev-export_ballots",
    }
    (mapping,) = boto3.client("lambda").list_event_source_mappings(FunctionName="polls-dev-publish_results")[
        "EventSourceMappings"
    ]
    assert (mapping["MaximumRetryAttempts"], mapping["BisectBatchOnFunctionError"]) == (5, True)
    (fold,) = boto3.client("lambda").list_event_source_mappings(FunctionName="polls-dev-fold_ballots")[
        "EventSourceMappings"
    ]
    assert fold["EventSourceArn"].split("/")[1] == "poll-ballots-v2-dev"  # the ledger's stream, never given up
    assert (fold["StartingPosition"], fold["MaximumRetryAttempts"], fold["BisectBatchOnFunctionError"]) == (
        "TRIM_HORIZON",
        -1,
        True,
    )
    keys = {o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="poll-results-dev")["Contents"]}
    assert "widget/manifest.json" in keys  # the site's files, published after the stack
    layers = boto3.client("lambda").list_layer_versions(LayerName="polls-powertools-stand-in")["LayerVersions"]
    assert len(layers) == 1 and "aws-lambda-powertools 3.22.0" in layers[0]["Description"]
    artifacts = "polls-artifacts-123456789012-us-east-1"
    assert all(boto3.client("s3").get_public_access_block(Bucket=artifacts)["PublicAccessBlockConfiguration"].values())
    rules = boto3.client("s3").get_bucket_encryption(Bucket=artifacts)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert "Embed a poll:" in output and 'integrity="sha384-' in output


def test_a_second_deploy_with_no_change_is_a_no_op_that_says_so(deployed):
    _, _, workdir = deployed
    cfn = boto3.client("cloudformation")
    events = cfn.describe_stack_events(StackName="polls-dev")["StackEvents"]
    status, output = run("deploy", "dev", session(workdir), "--yes")
    assert status == 0, output
    assert "polls-dev: no changes" in output and "Published 0 changed site files" in output
    assert cfn.describe_stack_events(StackName="polls-dev")["StackEvents"] == events
    summaries = cfn.list_change_sets(StackName="polls-dev").get("Summaries", [])
    assert [c["ExecutionStatus"] for c in summaries] == ["EXECUTE_COMPLETE"]  # the empty one is deleted
    layers = boto3.client("lambda").list_layer_versions(LayerName="polls-powertools-stand-in")["LayerVersions"]
    assert len(layers) == 1  # the same stand-in, reused


def test_declining_at_the_prompt_runs_nothing(endpoint, tmp_path):
    status, output = run("deploy", "prod", session(tmp_path, answer="n"), "--alarm-email", ALARM_EMAIL)
    assert status == 1
    assert "Changes to polls-prod" in output and "Nothing changed" in output
    assert "polls-v2-prod" not in boto3.client("dynamodb").list_tables()["TableNames"]


@pytest.mark.parametrize(("purge", "kept"), [(False, True), (True, False)], ids=["kept", "purged"])
def test_destroy_deletes_the_stack_and_keeps_the_data_unless_purged(endpoint, tmp_path, purge, kept):
    reset(endpoint)
    assert run("deploy", "prod", session(tmp_path), "--yes", "--alarm-email", ALARM_EMAIL)[0] == 0
    status, output = run("destroy", "prod", session(tmp_path), *(["--purge"] if purge else []))
    assert status == 0, output
    assert not boto3.client("lambda").list_functions()["Functions"]
    tables = set(boto3.client("dynamodb").list_tables()["TableNames"])
    assert ({"polls-v2-prod", "poll-guards-prod", "poll-ballots-v2-prod", "poll-audit-prod"} <= tables) is kept
    buckets = {b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]}
    assert ("poll-results-prod" in buckets) is kept
    assert ("PURGE=1 deletes them" in output) is kept
