"""Stage settings and secrets: deployed stages read the admin token and HMAC key from Secrets Manager."""

from __future__ import annotations

import json

import pytest

from chalicelib.core.errors import ServiceUnavailable
from chalicelib.runtime import secrets, state
from chalicelib.runtime.clients import client as aws_client
from chalicelib.runtime.settings import get_settings

STRONG = "a-strong-admin-token-0123456789"


@pytest.fixture
def secret_stage(aws_backend, monkeypatch):
    """The environment of a deployed stage: no token or key in env vars, a SECRET_ID instead."""
    monkeypatch.delenv("POLL_ADMIN_TOKEN")
    monkeypatch.delenv("POLL_HMAC_KEY")
    monkeypatch.setenv("SECRET_ID", "polls/test")
    state.reset_all()

    def store(document):
        aws_client("secretsmanager").create_secret(Name="polls/test", SecretString=json.dumps(document))

    yield store
    state.reset_all()


def test_secrets_come_from_secrets_manager_when_secret_id_is_set(secret_stage, client):
    secret_stage({"admin_token": STRONG, "hmac_key": "k" * 40})
    assert secrets.get_secrets().hmac_key == b"k" * 40
    response = client.http.get("/polls", headers={"Authorization": f"Bearer {STRONG}"})
    assert response.status_code == 200


def test_a_missing_secret_makes_the_admin_routes_unavailable_not_open(secret_stage, client):
    response = client.http.get("/polls", headers={"Authorization": "Bearer anything-at-all-here-123"})
    assert response.status_code == 503
    assert response.json_body["error"]["code"] == "service_unavailable"


def test_deployed_stages_refuse_a_short_placeholder_admin_token(secret_stage, monkeypatch):
    secret_stage({"admin_token": "CHANGE-ME", "hmac_key": "k" * 40})
    monkeypatch.setenv("STAGE", "prod")
    state.reset_all()
    assert secrets.get_secrets().admin_token is None


def test_deployed_stages_without_an_hmac_key_refuse_to_serve(monkeypatch):
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.delenv("POLL_HMAC_KEY")
    state.reset_all()
    try:
        with pytest.raises(ServiceUnavailable):
            secrets.get_secrets()
    finally:
        state.reset_all()


def test_the_local_stage_allows_any_origin_and_deployed_stages_only_their_list(monkeypatch):
    monkeypatch.delenv("CORS_ALLOW_ORIGINS", raising=False)
    state.reset_all()
    assert get_settings().cors_origins == ("*",)
    monkeypatch.setenv("STAGE", "prod")
    state.reset_all()
    assert get_settings().cors_origins == ()
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", "https://a.example, https://b.example")
    state.reset_all()
    assert get_settings().cors_origins == ("https://a.example", "https://b.example")
    state.reset_all()
