"""Editors create, list, change, close, reopen and delete polls through the admin API."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ADMIN
from tests.helpers import DAY, create_poll, error_code, folded, iso_in, new_voter, patch, vote

ADMIN_ROUTES = [
    ("POST", "/polls", {"question": "Q?", "options": ["A", "B"]}),
    ("GET", "/polls", None),
    ("PATCH", "/polls/{id}", {"status": "closed"}),
    ("DELETE", "/polls/{id}", None),
]


def test_create_poll_returns_the_full_poll_with_defaults_and_location(client):
    response = client.http.post(
        "/polls", headers=ADMIN, body=json.dumps({"question": "Tea or coffee?", "options": ["Tea", "Coffee"]})
    )
    assert response.status_code == 201
    poll = response.json_body
    assert response.headers["Location"] == f"/polls/{poll['id']}"
    assert poll["options"] == [{"id": "tea", "label": "Tea"}, {"id": "coffee", "label": "Coffee"}]
    assert poll["status"] == "open"
    assert poll["closes_at"] is None
    assert poll["max_choices"] == 1
    assert poll["results_visibility"] == "always"
    assert poll["repeat_votes"] == {"block": "voter"}
    assert "shards" not in poll
    assert poll["created_at"].endswith("Z") and poll["opens_at"].endswith("Z")


def test_option_ids_are_unique_slugs_of_their_labels(client):
    poll = create_poll(client, options=["Don't know", "Don’t know!", "Ça va", "是", {"id": "x-1", "label": "X"}])
    assert [o["id"] for o in poll["options"]] == ["dont-know", "dont-know-2", "ca-va", "option-4", "x-1"]


def test_repeated_slugs_get_numbered_suffixes(client):
    poll = create_poll(client, options=["Yes", "yes", "YES!"])
    assert [o["id"] for o in poll["options"]] == ["yes", "yes-2", "yes-3"]


def test_create_poll_with_given_id_and_settings(client):
    closes_at = iso_in(30 * DAY)  # once: a second may tick between two calls
    poll = create_poll(
        client,
        id="my-poll",
        max_choices=2,
        results_visibility="after_vote",
        repeat_votes={"block": "voter_and_ip", "ip_limit": 3},
        closes_at=closes_at,
    )
    assert poll["id"] == "my-poll"
    assert poll["repeat_votes"] == {"block": "voter_and_ip", "ip_limit": 3}
    assert (poll["max_choices"], poll["closes_at"]) == (2, closes_at)


def test_create_poll_with_a_taken_id_is_a_conflict(client):
    create_poll(client, id="taken-id")
    response = client.http.post(
        "/polls", headers=ADMIN, body=json.dumps({"id": "taken-id", "question": "Again?", "options": ["A", "B"]})
    )
    assert response.status_code == 409
    assert error_code(response) == "poll_exists"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"question": None}, "question"),
        ({"question": ""}, "question"),
        ({"question": "   "}, "question"),
        ({"question": "x" * 301}, "question"),
        ({"question": "bad\x00question"}, "question"),
        ({"options": ["Only one"]}, "options"),
        ({"options": [f"O{i}" for i in range(21)]}, "options"),
        ({"options": "Yes,No"}, "options"),
        ({"options": ["Yes", ""]}, "options[1]"),
        ({"options": ["Yes", "x" * 201]}, "options[1]"),
        ({"options": ["Yes", 3]}, "options[1]"),
        ({"options": [{"id": "a", "label": "A"}, {"id": "a", "label": "B"}]}, "options"),
        ({"options": [{"id": "A B", "label": "A"}, "B"]}, "options[0].id"),
        ({"options": [{"id": "a", "label": "A", "x": 1}, "B"]}, "options[0]"),
        ({"id": "ab"}, "id"),
        ({"id": "Has Spaces"}, "id"),
        ({"id": "a#b:c.d"}, "id"),
        ({"max_choices": 0}, "max_choices"),
        ({"max_choices": 4}, "max_choices"),
        ({"max_choices": True}, "max_choices"),
        ({"max_choices": "2"}, "max_choices"),
        ({"results_visibility": "sometimes"}, "results_visibility"),
        ({"repeat_votes": {"block": "cookie"}}, "repeat_votes.block"),
        ({"repeat_votes": {"ip_limit": 0}}, "repeat_votes.ip_limit"),
        ({"repeat_votes": {"extra": 1}}, "repeat_votes.extra"),
        ({"repeat_votes": "voter"}, "repeat_votes"),
        ({"shards": 0}, "shards"),
        ({"shards": 1001}, "shards"),
        ({"address_limit": "60/10"}, "address_limit"),
        ({"address_limit": {"votes": 0, "minutes": 10}}, "address_limit.votes"),
        ({"address_limit": {"votes": 60}}, "address_limit.minutes"),
        ({"address_limit": {"votes": 60, "minutes": 10, "per": "ip"}}, "address_limit.per"),
        ({"address_limit": {"votes": 60, "minutes": 10, "blocks": []}}, "address_limit.blocks"),
        ({"address_limit": {"votes": 60, "minutes": 10, "blocks": {"ipv4_16": None}}}, "address_limit.blocks.ipv4_16"),
        (
            {"address_limit": {"votes": 60, "minutes": 10, "blocks": {"ipv6_48": {"votes": 9, "minutes": 1441}}}},
            "address_limit.blocks.ipv6_48.minutes",
        ),
        ({"address_limit": {"votes": 60, "minutes": 10, "blocks": {"ipv4_24": 500}}}, "address_limit.blocks.ipv4_24"),
        ({"opens_at": "tomorrow"}, "opens_at"),
        ({"opens_at": "1999-12-31T00:00:00Z"}, "opens_at"),
        ({"closes_at": "2999-01-01T00:00:00Z"}, "closes_at"),
        ({"closes_at": "2020-01-01T00:00:00Z"}, "closes_at"),
        ({"opens_at": iso_in(2 * DAY), "closes_at": iso_in(DAY)}, "closes_at"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_create_poll_rejects_invalid_fields_naming_the_field(client, fields, field):
    body = {"question": "Valid question?", "options": ["Yes", "No", "Maybe"], **fields}
    response = client.http.post("/polls", headers=ADMIN, body=json.dumps(body))
    assert response.status_code == 400, response.json_body
    assert error_code(response) == "invalid_poll"
    assert response.json_body["error"]["field"] == field
    assert client.http.get("/polls", headers=ADMIN).json_body["polls"] == []


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "", "null"])
def test_create_poll_rejects_bodies_that_are_not_objects(client, body):
    response = client.http.post("/polls", headers=ADMIN, body=body)
    assert response.status_code == 400
    assert error_code(response) in ("invalid_json", "invalid_poll")


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", "Bearer test-admin-toke", "Bearer test-admin-tokenx", "test-admin-token", "Basic x"],
)
def test_admin_routes_reject_missing_and_wrong_tokens(client, method, path, body, authorization):
    poll = create_poll(client)
    headers = {"Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    response = client.http.request(
        method, path.format(id=poll["id"]), headers=headers, body=json.dumps(body) if body else b""
    )
    assert response.status_code == 401
    assert error_code(response) == "unauthorized"
    assert client.http.get(f"/polls/{poll['id']}").json_body["status"] == "open"


def test_list_polls_pages_with_a_cursor_and_filters_by_status(client):
    ids = {create_poll(client)["id"] for _ in range(5)}
    closed = create_poll(client)["id"]
    patch(client, closed, status="closed")
    seen, cursor = [], None
    while True:
        url = "/polls?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.http.get(url, headers=ADMIN).json_body
        assert len(page["polls"]) <= 2
        seen += [p["id"] for p in page["polls"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids | {closed})
    only_closed = client.http.get("/polls?status=closed", headers=ADMIN).json_body["polls"]
    assert [p["id"] for p in only_closed] == [closed]


@pytest.mark.parametrize("query", ["status=archived", "limit=0", "limit=101", "limit=ten", "cursor=!!!"])
def test_list_polls_rejects_bad_parameters(client, query):
    response = client.http.get(f"/polls?{query}", headers=ADMIN)
    assert response.status_code == 400
    assert error_code(response) == "invalid_parameter"


def test_question_and_options_can_change_while_the_poll_has_no_votes(client):
    poll = create_poll(client)
    response = patch(client, poll["id"], question="A better question?", options=["Up", "Down"])
    assert response.status_code == 200
    assert response.json_body["question"] == "A better question?"
    assert [o["id"] for o in response.json_body["options"]] == ["up", "down"]
    assert vote(client, poll["id"], ["up"], new_voter()).status_code == 201
    folded()
    results = client.http.get(f"/polls/{poll['id']}/results").json_body
    assert [(o["id"], o["votes"]) for o in results["options"]] == [("up", 1), ("down", 0)]


def test_question_and_options_cannot_change_once_the_poll_has_votes(client):
    poll = create_poll(client)
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    folded()
    response = patch(client, poll["id"], options=["Up", "Down"])
    assert response.status_code == 409
    assert error_code(response) == "poll_has_votes"
    assert [o["id"] for o in client.http.get(f"/polls/{poll['id']}").json_body["options"]][0] == "yes"


def test_closing_a_poll_stops_votes_and_reopening_accepts_them_again(client):
    poll = create_poll(client)
    closed = patch(client, poll["id"], status="closed")
    assert closed.json_body["status"] == "closed"
    refused = vote(client, poll["id"], ["yes"], new_voter())
    assert refused.status_code == 409 and error_code(refused) == "poll_closed"
    assert patch(client, poll["id"], status="open").json_body["status"] == "open"
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201


def test_patch_can_set_and_clear_the_close_time(client):
    poll = create_poll(client)
    closes_at = iso_in(5 * DAY)
    assert patch(client, poll["id"], closes_at=closes_at).json_body["closes_at"] == closes_at
    assert patch(client, poll["id"], closes_at=None).json_body["closes_at"] is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "body"),
        ({"status": "paused"}, "status"),
        ({"max_choices": 2}, "max_choices"),
        ({"closes_at": "2001-01-01T00:00:00Z"}, "closes_at"),
        ({"options": ["Only"]}, "options"),
    ],
)
def test_patch_rejects_invalid_changes(client, fields, field):
    poll = create_poll(client)
    response = patch(client, poll["id"], **fields)
    assert response.status_code == 400
    assert error_code(response) == "invalid_poll"
    assert response.json_body["error"]["field"] == field


def test_patch_of_an_unknown_poll_is_not_found(client):
    response = patch(client, "no-such-poll", status="closed")
    assert response.status_code == 404 and error_code(response) == "poll_not_found"


def test_deleted_poll_and_its_tallies_are_gone(client, calls):
    poll = create_poll(client)
    vote(client, poll["id"], ["yes"], new_voter())
    folded()
    response = client.http.delete(f"/polls/{poll['id']}", headers=ADMIN)
    assert response.status_code == 204
    for path in (f"/polls/{poll['id']}", f"/polls/{poll['id']}/results"):
        gone = client.http.get(path)
        assert gone.status_code == 404 and error_code(gone) == "poll_not_found"
    assert error_code(vote(client, poll["id"], ["yes"], new_voter())) == "poll_not_found"
    from chalicelib.runtime.clients import client as aws
    from chalicelib.runtime.settings import get_settings

    left = aws("dynamodb").query(
        TableName=get_settings().polls_table,
        KeyConditionExpression="id = :id",
        ExpressionAttributeValues={":id": {"S": poll["id"]}},
    )["Items"]
    assert left == []  # the definition and its tallies


def test_a_recreated_poll_id_does_not_inherit_old_ballots(client):
    voter = new_voter()
    create_poll(client, id="reused-id")
    assert vote(client, "reused-id", ["yes"], voter).status_code == 201
    client.http.delete("/polls/reused-id", headers=ADMIN)
    create_poll(client, id="reused-id")
    assert vote(client, "reused-id", ["yes"], voter).status_code == 201
    folded()
    assert client.http.get("/polls/reused-id/results").json_body["total_voters"] == 1
