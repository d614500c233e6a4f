"""The bad-input matrix: every malformed request gets its documented 4xx and code, writes nothing, leaks nothing."""

from __future__ import annotations

import json

import pytest

from chalicelib.runtime.clients import client as aws_client
from chalicelib.runtime.settings import get_settings
from tests.conftest import ADMIN, JSON
from tests.helpers import DAY, create_poll, error_code, iso_in, new_voter

INTERNAL_WORDS = ("Traceback", "chalicelib", "pynamodb", "botocore", "poll-ballots", "poll-guards", "polls-v2")


def stored_items() -> str:
    settings = get_settings()
    dynamodb = aws_client("dynamodb")
    tables = (settings.polls_table, settings.guards_table, settings.ballots_table)
    return json.dumps(
        [sorted(json.dumps(i, sort_keys=True) for i in dynamodb.scan(TableName=t)["Items"]) for t in tables]
    )


@pytest.fixture
def poll(client):
    return create_poll(client, id="target-poll", options=["Yes", "No", "Maybe"], max_choices=2)


CREATE_CASES = [
    ({"question": 42}, "question"),
    ({"question": ["Q?"]}, "question"),
    ({"question": "line\nbreak"}, "question"),
    ({"question": "\u202e\u0007bell"}, "question"),
    ({"question": "\ud800 lone surrogate"}, "question"),
    ({"options": None}, "options"),
    ({"options": {"a": "A"}}, "options"),
    ({"options": ["A", None]}, "options[1]"),
    ({"options": ["A", "B\x1b[31m"]}, "options[1]"),
    ({"options": [{"id": "#yes", "label": "Yes"}, "No"]}, "options[0].id"),
    ({"options": [{"id": ":v", "label": "Yes"}, "No"]}, "options[0].id"),
    ({"options": [{"id": "counts.yes", "label": "Yes"}, "No"]}, "options[0].id"),
    ({"options": [{"label": "Yes"}, "No"]}, "options[0].id"),
    ({"id": 123}, "id"),
    ({"id": "poll#1"}, "id"),
    ({"id": "a:b"}, "id"),
    ({"id": "../etc"}, "id"),
    ({"id": "x" * 65}, "id"),
    ({"opens_at": 1700000000}, "opens_at"),
    ({"opens_at": ""}, "opens_at"),
    ({"opens_at": "2026-13-45T99:00:00Z"}, "opens_at"),
    ({"closes_at": True}, "closes_at"),
    ({"closes_at": iso_in(-60)}, "closes_at"),
    ({"closes_at": iso_in(20 * 366 * DAY)}, "closes_at"),
    ({"opens_at": iso_in(2 * DAY), "closes_at": iso_in(DAY)}, "closes_at"),
    ({"max_choices": -1}, "max_choices"),
    ({"max_choices": 1.5}, "max_choices"),
    ({"max_choices": None}, "max_choices"),
    ({"results_visibility": None}, "results_visibility"),
    ({"results_visibility": 1}, "results_visibility"),
    ({"repeat_votes": {"block": None}}, "repeat_votes.block"),
    ({"repeat_votes": {"ip_limit": "20"}}, "repeat_votes.ip_limit"),
    ({"repeat_votes": {"ip_limit": 10**9}}, "repeat_votes.ip_limit"),
    ({"shards": 10}, "shards"),  # gone with the shared counters
    ({"shards": None}, "shards"),
    ({"__proto__": {}}, "__proto__"),
    ({"id": "new-poll\n"}, "id"),
    ({"options": [{"id": "yes\n", "label": "Yes"}, "No"]}, "options[0].id"),
    ({"lang": "en\n"}, "lang"),
]


@pytest.mark.parametrize(("fields", "field"), CREATE_CASES)
def test_create_poll_wrong_types_and_hostile_values_are_refused_and_write_nothing(client, poll, fields, field):
    before = stored_items()
    body = {"question": "A fine question?", "options": ["A", "B"], **fields}
    response = client.http.post("/polls", headers=ADMIN, body=json.dumps(body))
    assert (response.status_code, error_code(response)) == (400, "invalid_poll")
    assert response.json_body["error"]["field"] == field
    assert stored_items() == before


PATCH_CASES = [
    ({"question": None}, "question"),
    ({"options": "A,B"}, "options"),
    ({"status": None}, "status"),
    ({"status": "CLOSED"}, "status"),
    ({"opens_at": 5}, "opens_at"),
    ({"closes_at": "soon"}, "closes_at"),
    ({"shards": 50}, "shards"),
    ({"id": "other-id"}, "id"),
    ({"opens_at": iso_in(3 * DAY), "closes_at": iso_in(2 * DAY)}, "closes_at"),
    ({"options": ["Only", "Two"], "question": ""}, "question"),
]


@pytest.mark.parametrize(("fields", "field"), PATCH_CASES)
def test_patch_wrong_types_are_refused_and_change_nothing(client, poll, fields, field):
    before = stored_items()
    response = client.http.request("PATCH", "/polls/target-poll", headers=ADMIN, body=json.dumps(fields))
    assert (response.status_code, error_code(response)) == (400, "invalid_poll")
    assert response.json_body["error"]["field"] == field
    assert stored_items() == before


def nested(depth: int) -> str:
    return '{"options": ' + "[" * depth + "]" * depth + ', "voter": "abcdefgh1"}'


VOTE_CASES = [
    ("application/json", "", 400, "invalid_json"),
    ("application/json", "   ", 400, "invalid_json"),
    ("application/json", "true", 400, "invalid_json"),
    ("application/json", nested(3000), 400, "invalid_json"),
    ("application/json", nested(5), 400, "invalid_option"),
    ("application/json", '{"options": {"yes": 1}, "voter": "abcdefgh1"}', 400, "invalid_option"),
    ("application/json", '{"options": [null], "voter": "abcdefgh1"}', 400, "invalid_option"),
    ("application/json", '{"options": [["yes"]], "voter": "abcdefgh1"}', 400, "invalid_option"),
    ("application/json", '{"options": ["yes", "no", "maybe"], "voter": "abcdefgh1"}', 400, "invalid_option"),
    ("application/json", '{"options": ["yes"], "voter": null}', 400, "invalid_voter"),
    ("application/json", '{"options": ["yes"], "voter": ["abcdefgh1"]}', 400, "invalid_voter"),
    ("application/json", '{"options": ["yes"], "voter": "abc#defgh:1.x"}', 400, "invalid_voter"),
    ("application/json", '{"options": ["yes"], "voter": "\\u202eabcdefgh"}', 400, "invalid_voter"),
    ("application/json", '{"options": ["yes"], "voter": "abcdefgh1\\n"}', 400, "invalid_voter"),
    ("application/json", '{"options": ["yes"], "voter": "abcdefgh1", "poll_id": "x"}', 400, "invalid_json"),
    ("application/json", '{"options": ["yes"], "voter": "abcdefgh1"' + " " * 8200 + "}", 413, "payload_too_large"),
    ("multipart/form-data", "options=yes", 415, "unsupported_media_type"),
    ("application/xml", "<vote/>", 415, "unsupported_media_type"),
]


@pytest.mark.parametrize(("content_type", "body", "status", "code"), VOTE_CASES)
def test_malformed_votes_get_their_code_write_nothing_and_leak_nothing(client, poll, content_type, body, status, code):
    before = stored_items()
    response = client.http.post("/polls/target-poll/votes", headers={"Content-Type": content_type}, body=body)
    assert (response.status_code, error_code(response)) == (status, code)
    assert stored_items() == before
    for word in INTERNAL_WORDS:
        assert word not in response.body.decode()


@pytest.mark.parametrize(
    "poll_id",
    ["missing-poll", "a%23b", "a%3Ab", "a.b.c", "x", "%00", "polls%2Fother", "target-poll%0A", "target-poll%0D%0A"],
)
@pytest.mark.parametrize("route", ["", "/results", "/votes"])
def test_unknown_and_expression_like_poll_ids_are_not_found(client, poll_id, route):
    method = "POST" if route == "/votes" else "GET"
    body = json.dumps({"options": ["yes"], "voter": new_voter()}) if route == "/votes" else b""
    response = client.http.request(method, f"/polls/{poll_id}{route}", headers=JSON, body=body)
    assert (response.status_code, error_code(response)) == (404, "poll_not_found")
    for word in INTERNAL_WORDS:
        assert word not in response.body.decode()


@pytest.mark.parametrize("max_choices", [1, 3])
def test_max_choices_edges_accept_exactly_the_limit(client, max_choices):
    poll = create_poll(client, options=["A", "B", "C"], max_choices=max_choices)
    chosen = ["a", "b", "c"][:max_choices]
    assert (
        client.http.post(
            f"/polls/{poll['id']}/votes", headers=JSON, body=json.dumps({"options": chosen, "voter": new_voter()})
        ).status_code
        == 201
    )
    over = ["a", "b", "c"][: max_choices + 1] if max_choices < 3 else ["a", "b", "c", "a"]
    response = client.http.post(
        f"/polls/{poll['id']}/votes", headers=JSON, body=json.dumps({"options": over, "voter": new_voter()})
    )
    assert error_code(response) == "invalid_option"


@pytest.mark.parametrize("value", ["\u00b2", "\u0665", "+5", " 5", "5 ", "1e2", "0x5", "", "10000000000000000000"])
@pytest.mark.parametrize("path", ["/audit?limit={}", "/polls/target-poll/history?points={}", "/polls?limit={}"])
def test_a_count_in_the_query_string_is_ascii_digits_or_refused(client, poll, path, value):
    from urllib.parse import quote

    response = client.http.get(path.format(quote(value)), headers=ADMIN)
    assert (response.status_code, error_code(response)) == (400, "invalid_parameter")


@pytest.mark.parametrize("field", ["from", "to"])
@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+14:00", "1999-12-31T23:59:59Z", "2101-01-01T00:00:00Z", "9999-12-31T23:59:59-12:00"]
)
def test_a_void_time_outside_2000_to_2100_is_refused_and_the_voids_stay_readable(client, poll, field, value):
    assert (
        client.http.post(
            "/polls/target-poll/votes", headers=JSON, body=json.dumps({"options": ["yes"], "voter": new_voter()})
        ).status_code
        == 201
    )
    source = client.http.get("/polls/target-poll/forensics", headers=ADMIN).json_body["sources"][0]["source"]
    before = stored_items()
    body = {"source": source, field: value, "reason": "a time from another age"}
    response = client.http.post("/polls/target-poll/void", headers=ADMIN, body=json.dumps(body))
    assert (response.status_code, error_code(response)) == (400, "invalid_parameter")
    assert stored_items() == before
    voids = client.http.get("/polls/target-poll/voids", headers=ADMIN)
    assert voids.status_code == 200 and voids.json_body["voids"] == []
