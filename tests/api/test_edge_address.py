"""Behind the CDN the reader's address comes from CloudFront-Viewer-Address, trusted only with the edge's key."""

from __future__ import annotations

import json

import pytest

from chalicelib.runtime import clock
from tests.api.conftest import EDGE_KEY
from tests.conftest import ADMIN, JSON
from tests.helpers import create_poll, new_voter, patch


def vote_from(client, poll_id, headers):
    body = json.dumps({"options": ["yes"], "voter": new_voter()})
    return client.http.post(f"/polls/{poll_id}/votes", headers={**JSON, **headers}, body=body)


@pytest.mark.parametrize(
    ("first", "second", "distinct"),
    [
        # through the edge: two readers are two addresses
        (
            {"X-Origin-Verify": EDGE_KEY, "CloudFront-Viewer-Address": "198.51.100.7:40001"},
            {"X-Origin-Verify": EDGE_KEY, "CloudFront-Viewer-Address": "203.0.113.9:40002"},
            True,
        ),
        (
            {"X-Origin-Verify": EDGE_KEY, "CloudFront-Viewer-Address": "2001:db8::1:40001"},
            {"X-Origin-Verify": EDGE_KEY, "CloudFront-Viewer-Address": "2001:db9::1:40002"},
            True,
        ),
        # the same reader through the edge, another port: one address
        (
            {"X-Origin-Verify": EDGE_KEY, "CloudFront-Viewer-Address": "198.51.100.7:40001"},
            {"X-Origin-Verify": EDGE_KEY, "CloudFront-Viewer-Address": "198.51.100.7:40999"},
            False,
        ),
        # a caller that claims an address without the key, or with a wrong one: its own source IP counts
        ({"CloudFront-Viewer-Address": "198.51.100.7:1"}, {"CloudFront-Viewer-Address": "203.0.113.9:1"}, False),
        (
            {"X-Origin-Verify": "wrong-key-wrong-key-wrong-key", "CloudFront-Viewer-Address": "198.51.100.7:1"},
            {"X-Origin-Verify": "wrong-key-wrong-key-wrong-key", "CloudFront-Viewer-Address": "203.0.113.9:1"},
            False,
        ),
        # the key with an address that is not one: the source IP counts
        (
            {"X-Origin-Verify": EDGE_KEY, "CloudFront-Viewer-Address": "not-an-ip:1"},
            {"X-Origin-Verify": EDGE_KEY, "CloudFront-Viewer-Address": "also-not:2"},
            False,
        ),
    ],
)
def test_the_address_limit_sees_the_readers_address_only_through_the_edge(client, edge_key, first, second, distinct):
    poll = create_poll(client, options=["Yes", "No"], address_limit={"votes": 1, "minutes": 10})
    assert vote_from(client, poll["id"], first).status_code == 201
    answer = vote_from(client, poll["id"], second)
    assert answer.status_code == (201 if distinct else 429)


def test_without_an_edge_key_no_header_is_trusted(client):
    poll = create_poll(client, options=["Yes", "No"], address_limit={"votes": 1, "minutes": 10})
    claims = [
        {"X-Origin-Verify": "any-value-any-value-any-value", "CloudFront-Viewer-Address": f"198.51.100.{n}:1"}
        for n in (1, 2)
    ]
    assert vote_from(client, poll["id"], claims[0]).status_code == 201
    assert vote_from(client, poll["id"], claims[1]).status_code == 429


def test_deployed_the_edge_key_is_read_once_from_its_secret(client, monkeypatch, calls):
    from chalicelib.runtime import state
    from chalicelib.runtime.clients import client as aws

    aws("secretsmanager").create_secret(Name="polls/local/edge", SecretString=EDGE_KEY)
    monkeypatch.delenv("EDGE_KEY", raising=False)
    monkeypatch.setenv("EDGE_SECRET_ID", "polls/local/edge")
    state.reset_all()
    poll = create_poll(client, options=["Yes", "No"], address_limit={"votes": 1, "minutes": 10})
    calls.clear()
    for n in (1, 2):  # two readers through the edge: two addresses, the secret read once
        edge = {"X-Origin-Verify": EDGE_KEY, "CloudFront-Viewer-Address": f"198.51.100.{n}:443"}
        assert vote_from(client, poll["id"], edge).status_code == 201
    edge_reads = [c for c in calls.calls if c.operation == "GetSecretValue" and c.params["SecretId"].endswith("/edge")]
    assert len(edge_reads) == 1
    state.reset_all()


def test_readers_of_one_ipv6_48_share_its_window_and_another_48_does_not(client, edge_key, monkeypatch):
    hour = int(clock.now()) // 3600 * 3600
    monkeypatch.setattr(clock, "now", lambda: hour + 100)  # 100 s into an hour and into a 10-minute window
    blocks = {"ipv6_48": {"votes": 2, "minutes": 60}, "ipv6_56": None}
    poll = create_poll(client, options=["Yes", "No"], address_limit={"votes": 5, "minutes": 10, "blocks": blocks})
    listed = client.http.get("/polls", headers=ADMIN).json_body["polls"]  # read back from the table
    stored = next(p for p in listed if p["id"] == poll["id"])["address_limit"]
    assert stored == {"votes": 5, "minutes": 10, "blocks": {"ipv6_48": {"votes": 2, "minutes": 60}}}

    def edge(address):
        return {"X-Origin-Verify": EDGE_KEY, "CloudFront-Viewer-Address": f"{address}:443"}

    for address in ("2001:db8:7:100::1", "2001:db8:7:200::1"):  # two /56s of one /48
        assert vote_from(client, poll["id"], edge(address)).status_code == 201
    refused = vote_from(client, poll["id"], edge("2001:db8:7:ff00::9"))
    assert (refused.status_code, refused.json_body["error"]["code"]) == (429, "address_limit_reached")
    assert int(refused.headers["Retry-After"]) == 3500  # the /48's hour, not the /64's 10 minutes
    assert vote_from(client, poll["id"], edge("2001:db8:8::1")).status_code == 201  # another /48


@pytest.mark.parametrize(
    ("change", "blocks"),
    [
        ({"votes": 9, "minutes": 10}, {"ipv6_48": {"votes": 2, "minutes": 60}}),  # left out: kept as they are
        ({"votes": 9, "minutes": 10, "blocks": {}}, {}),
        ({"votes": 9, "minutes": 10, "blocks": {"ipv6_48": None}}, {}),
        (
            {"votes": 9, "minutes": 10, "blocks": {"ipv4_24": {"votes": 7, "minutes": 5}}},
            {"ipv4_24": {"votes": 7, "minutes": 5}},
        ),
    ],
    ids=["kept", "none", "null", "another"],
)
def test_a_change_of_the_address_limit_keeps_or_replaces_the_stored_blocks(client, change, blocks):
    limit = {"votes": 5, "minutes": 10, "blocks": {"ipv6_48": {"votes": 2, "minutes": 60}}}
    poll = create_poll(client, options=["Yes", "No"], address_limit=limit)
    assert patch(client, poll["id"], address_limit=change).status_code == 200
    listed = client.http.get("/polls", headers=ADMIN).json_body["polls"]  # read back from the table
    assert next(p for p in listed if p["id"] == poll["id"])["address_limit"] == {
        "votes": 9,
        "minutes": 10,
        "blocks": blocks,
    }
