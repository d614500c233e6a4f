"""Putting the site in place: the files every deploy uploads (on moto's S3), the embed snippet it prints, and path 1's
site stack (created, then updated; CloudFront is beyond moto's CloudFormation, so botocore's Stubber answers)."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import boto3
import pytest
from botocore.stub import ANY, Stubber

from infra import site_files as site_assets
from ops.site import api_domain, console_config, deploy_site, edge_key_version, publish

BUCKET = "poll-results-dev"
SITE = "https://d111111abcdef8.cloudfront.net"


@pytest.fixture
def s3(aws_backend):
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    return client


def objects(s3):
    return {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_publishing_uploads_the_content_named_widget_immutable_and_prints_its_integrity(s3):
    snippet = publish(s3, BUCKET, SITE, console=None)
    key = re.search(r'src="https://[^/]+/(widget/poll-widget\.[0-9a-f]{12}\.js)"', snippet).group(1)
    found = s3.get_object(Bucket=BUCKET, Key=key)
    body = found["Body"].read()
    assert found["CacheControl"] == "public, max-age=31536000, immutable"
    assert found["ContentType"] == "text/javascript; charset=utf-8"
    digest = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    assert f'integrity="{digest}"' in snippet and 'crossorigin="anonymous"' in snippet
    assert f'data-site="{SITE}"' in snippet
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key="widget/manifest.json")["Body"].read())
    assert manifest == {"widget": key, "integrity": digest}
    assert {"widget/poll-widget.js", "widget/pow-worker.js", "widget/locales/cy.js"} <= objects(s3)
    assert not any(k.startswith("console/") for k in objects(s3))  # no pool, no console


def test_with_an_editors_pool_the_console_and_its_config_are_published(s3):
    config = console_config(SITE, "eu-west-2", "eu-west-2_AbC123", "client123")
    publish(s3, BUCKET, SITE, console=config)
    assert {"console/index.html", "console/"} <= objects(s3)  # /console/ is the key `console/` behind OAC
    index = s3.get_object(Bucket=BUCKET, Key="console/")
    assert index["ContentType"] == "text/html; charset=utf-8" and b"<!doctype html>" in index["Body"].read().lower()
    published = json.loads(s3.get_object(Bucket=BUCKET, Key="console/config.json")["Body"].read())
    assert published["api"] == f"{SITE}/api"
    assert published["cognito"]["userPoolId"] == "eu-west-2_AbC123"
    assert s3.get_object(Bucket=BUCKET, Key="console/index.html")["CacheControl"] == "no-cache"


def test_a_new_widget_gets_a_new_name(tmp_path):
    for name in ("poll-widget.js", "pow-worker.js"):
        (tmp_path / name).write_text("/* one */")
    (tmp_path / "locales").mkdir()
    first = site_assets.manifest(tmp_path)
    (tmp_path / "poll-widget.js").write_text("/* two */")
    second = site_assets.manifest(tmp_path)
    assert first["widget"] != second["widget"] and first["integrity"] != second["integrity"]


def test_the_api_domain_comes_from_chalices_deployed_record(tmp_path):
    record = {
        "resources": [
            {"name": "api_handler", "resource_type": "lambda_function"},
            {"name": "rest_api", "resource_type": "rest_api", "rest_api_id": "abc123xyz"},
        ]
    }
    (tmp_path / "dev.json").write_text(json.dumps(record))
    assert api_domain(tmp_path, "dev", "eu-west-1") == "abc123xyz.execute-api.eu-west-1.amazonaws.com"
    (tmp_path / "prod.json").write_text(json.dumps({"resources": []}))
    with pytest.raises(SystemExit):  # no API deployed yet: say so rather than make a site without one
        api_domain(tmp_path, "prod", "eu-west-1")


OUTPUTS = {
    "Stacks": [
        {
            "StackName": "polls-dev-site",
            "CreationTime": "2026-01-01T00:00:00Z",
            "StackStatus": "CREATE_COMPLETE",
            "Outputs": [{"OutputKey": "SiteUrl", "OutputValue": SITE}],
        }
    ]
}
PARAMETERS = [
    {"ParameterKey": "Stage", "ParameterValue": "dev"},
    {"ParameterKey": "ApiDomain", "ParameterValue": "abc.execute-api.us-east-1.amazonaws.com"},
    {"ParameterKey": "EdgeKeyRotation", "ParameterValue": "0"},
]


def stubbed():
    client = boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    client.meta.events.unregister("needs-retry.cloudformation", unique_id=None)
    return client, Stubber(client)


def test_path_1_creates_the_site_stack_the_first_time(monkeypatch):
    monkeypatch.setattr("botocore.waiter.Waiter.wait", lambda self, **kwargs: None)
    client, stub = stubbed()
    stub.add_client_error("describe_stacks", "ValidationError", "Stack with id polls-dev-site does not exist")
    stub.add_response(
        "create_stack",
        {"StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/polls-dev-site/1"},
        {"StackName": "polls-dev-site", "TemplateBody": ANY, "Parameters": PARAMETERS},
    )
    stub.add_response("describe_stacks", OUTPUTS, {"StackName": "polls-dev-site"})
    with stub:
        assert deploy_site(client, "dev", "abc.execute-api.us-east-1.amazonaws.com") == {"SiteUrl": SITE}
    stub.assert_no_pending_responses()


@pytest.mark.parametrize("changed", [True, False])
def test_path_1_updates_an_existing_site_stack_and_an_unchanged_one_is_fine(monkeypatch, changed):
    monkeypatch.setattr("botocore.waiter.Waiter.wait", lambda self, **kwargs: None)
    client, stub = stubbed()
    stub.add_response("describe_stacks", OUTPUTS, {"StackName": "polls-dev-site"})
    arguments = {"StackName": "polls-dev-site", "TemplateBody": ANY, "Parameters": PARAMETERS}
    if changed:
        stub.add_response("update_stack", {"StackId": "arn:aws:cloudformation:us-east-1:1:stack/x/1"}, arguments)
    else:
        stub.add_client_error("update_stack", "ValidationError", "No updates are to be performed.", 400, arguments)
    stub.add_response("describe_stacks", OUTPUTS, {"StackName": "polls-dev-site"})
    with stub:
        assert deploy_site(client, "dev", "abc.execute-api.us-east-1.amazonaws.com")["SiteUrl"] == SITE


def test_after_the_edge_secret_is_rotated_path_1_passes_a_new_version_so_the_site_takes_the_new_key(aws_backend):
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    assert edge_key_version(secrets, "dev") == "0"  # first deploy: the site stack creates the secret
    secrets.create_secret(Name="polls/dev/edge", SecretString="a" * 48)
    first = edge_key_version(secrets, "dev")
    assert first != "0" and edge_key_version(secrets, "dev") == first  # unchanged: the stack stays as it is
    rotated = secrets.put_secret_value(SecretId="polls/dev/edge", SecretString="b" * 48)["VersionId"]
    assert edge_key_version(secrets, "dev") == rotated != first
