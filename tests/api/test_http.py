"""HTTP behaviour shared by all routes: health, CORS, error shape, no 500s, nothing personal stored."""

from __future__ import annotations

import dataclasses
import json

import pytest

from chalicelib.api import middleware
from chalicelib.runtime import settings as settings_module
from tests.conftest import ADMIN, ADMIN_TOKEN
from tests.helpers import create_poll, error_code, new_voter, vote


def test_health_is_ok(client):
    response = client.http.get("/health")
    assert response.status_code == 200
    assert response.json_body == {"status": "ok"}


@pytest.mark.parametrize("path", ["/health", "/polls/any-poll", "/polls/any-poll/results"])
def test_public_routes_allow_any_origin_on_the_local_stage(client, path):
    response = client.http.get(path, headers={"Origin": "https://news.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_preflight_allows_json_posts_and_the_admin_header(client):
    response = client.http.request("OPTIONS", "/polls/p1/votes", headers={"Origin": "https://news.example"})
    assert response.status_code == 204
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


@pytest.fixture
def restricted_origins(monkeypatch):
    restricted = dataclasses.replace(
        settings_module.get_settings(), stage="prod", cors_origins=("https://www.example-news.com",)
    )
    monkeypatch.setattr(settings_module, "get_settings", lambda: restricted)
    monkeypatch.setattr(middleware, "get_settings", lambda: restricted)


def test_cors_echoes_only_allowed_origins_on_restricted_stages(client, restricted_origins):
    allowed = client.http.get("/health", headers={"Origin": "https://www.example-news.com"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://www.example-news.com"
    assert "Origin" in allowed.headers["Vary"]
    other = client.http.get("/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Origin" in other.headers["Vary"]


def test_errors_carry_cors_headers_so_browsers_can_read_them(client):
    response = client.http.get("/polls/missing-poll", headers={"Origin": "https://news.example"})
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_unsupported_methods_get_405_in_the_api_error_shape(client):
    response = client.http.request("PUT", "/polls/p1/votes", headers={"Content-Type": "application/json"}, body=b"{}")
    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"


def test_an_unexpected_failure_is_a_500_without_internals(client, monkeypatch):
    from chalicelib.api import public

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internal detail in storage.py")

    monkeypatch.setattr(public.polls, "get", broken)
    response = client.http.get("/polls/any-poll")
    assert response.status_code == 500
    assert error_code(response) == "internal_error"
    assert "secret" not in response.body.decode() and "storage" not in response.body.decode()


def test_a_store_outage_is_a_503_with_retry_after(client, faults):
    from tests.helpers import aws_error

    faults.add("Query", aws_error("InternalServerError", status=500), times=10)
    response = client.http.get("/polls/some-poll")
    assert response.status_code == 503
    assert error_code(response) == "service_unavailable"
    assert int(response.headers["Retry-After"]) > 0


def test_stored_items_hold_no_voter_token_or_ip(client, monkeypatch):
    from chalice.local import LambdaEventConverter

    from chalicelib.runtime.clients import client as aws_client
    from chalicelib.runtime.settings import get_settings

    ip = "203.0.113.199"
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", ip)
    poll = create_poll(client, repeat_votes={"block": "voter_and_ip"})
    voters = [new_voter() for _ in range(5)]
    for voter in voters:
        assert vote(client, poll["id"], ["yes"], voter).status_code == 201
    dynamodb = aws_client("dynamodb")
    settings = get_settings()
    dumped = ""
    for table in (settings.polls_table, settings.guards_table, settings.ballots_table):
        dumped += json.dumps(dynamodb.scan(TableName=table)["Items"])
    assert "expires_at" in dumped
    for secret in [*voters, ip, ADMIN_TOKEN]:
        assert secret not in dumped


def test_ballots_expire_retention_days_after_the_poll_closes(client):
    from chalicelib.core.times import parse_iso
    from chalicelib.runtime.clients import client as aws_client
    from chalicelib.runtime.settings import get_settings
    from tests.helpers import DAY, iso_in

    closes_at = iso_in(3 * DAY)
    poll = create_poll(client, closes_at=closes_at)
    vote(client, poll["id"], ["yes"], new_voter())
    items = aws_client("dynamodb").scan(TableName=get_settings().ballots_table)["Items"]
    assert len(items) == 1
    expected = parse_iso(closes_at) + get_settings().retention_days * DAY
    assert int(items[0]["expires_at"]["N"]) == int(expected)
    ttl = aws_client("dynamodb").describe_time_to_live(TableName=get_settings().ballots_table)
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"


def test_admin_token_comes_from_the_environment_not_the_config(client):
    config = open(".chalice/config.json").read()
    assert ADMIN_TOKEN not in config
    assert client.http.get("/polls", headers=ADMIN).status_code == 200
