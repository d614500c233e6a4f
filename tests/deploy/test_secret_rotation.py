"""Secret rotation for the runbook: a new HMAC key keeps the admin token, and only when confirmed."""

from __future__ import annotations

import json
import subprocess
import sys

import boto3

from ops.secrets import rotate_hmac_key, set_admin_token
from tests.conftest import ROOT


def test_rotating_the_hmac_key_keeps_the_admin_token(aws_backend):
    manager = boto3.client("secretsmanager")
    set_admin_token(manager, "polls/local")  # the local stage's secret, made from infra/data.py's definition
    before = json.loads(manager.get_secret_value(SecretId="polls/local")["SecretString"])
    rotate_hmac_key(manager, "polls/local")
    after = json.loads(manager.get_secret_value(SecretId="polls/local")["SecretString"])
    assert after["admin_token"] == before["admin_token"]
    assert after["hmac_key"] != before["hmac_key"] and len(after["hmac_key"]) >= 32
    versions = manager.list_secret_version_ids(SecretId="polls/local")["Versions"]
    assert any("AWSPREVIOUS" in v.get("VersionStages", []) for v in versions)  # the old key can be put back


def test_the_command_refuses_without_the_confirmation_and_says_why():
    result = subprocess.run(
        [sys.executable, "-m", "ops.deploy", "rotate-hmac-key", "--stage", "dev"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "voters on\nopen polls can vote again" in result.stderr
    assert "--voters-can-vote-again" in result.stderr
