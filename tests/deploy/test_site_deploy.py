"""Putting the site in place: the files every deploy uploads (on moto's S3), skipping those already there, the embed
snippet it prints, and the edge key's rotation parameter."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import boto3
import pytest

from infra import site_files as site_assets
from ops.site import console_config, edge_key_rotation, publish

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
    snippet, _ = publish(s3, BUCKET, SITE, console=None)
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
    published = {"widget/poll-widget.js", "widget/pow-worker.js", "widget/locales/cy.js"}
    assert published | {"widget/vendor/hash-wasm-scrypt.umd.min.js"} <= objects(s3)
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


def test_a_second_publish_uploads_only_what_changed(s3):
    config = console_config(SITE, "eu-west-2", "eu-west-2_AbC123", "client123")
    _, first = publish(s3, BUCKET, SITE, console=config)
    assert first == len(objects(s3))
    assert publish(s3, BUCKET, SITE, console=config)[1] == 0
    moved = console_config("https://polls.example-news.com", "eu-west-2", "eu-west-2_AbC123", "client123")
    assert publish(s3, BUCKET, "https://polls.example-news.com", console=moved)[1] == 1  # console/config.json


def test_only_a_rotated_edge_secret_gives_the_deploy_a_new_edge_key_rotation_value(aws_backend):
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    assert edge_key_rotation(secrets, "dev") == "0"  # first deploy: the stack creates the secret
    secrets.create_secret(Name="polls/dev/edge", SecretString="a" * 48)
    assert edge_key_rotation(secrets, "dev") == "0"  # as the stack made it: a redeploy stays a no-op
    rotated = secrets.put_secret_value(SecretId="polls/dev/edge", SecretString="b" * 48)["VersionId"]
    assert edge_key_rotation(secrets, "dev") == rotated
    assert edge_key_rotation(secrets, "dev") == rotated  # unchanged until the next rotation
