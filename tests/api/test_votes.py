"""Voting: exactly once per voter, only inside the poll's window, within its choice and IP limits."""

from __future__ import annotations

import json

import pytest
from chalice.local import LambdaEventConverter

from chalicelib.runtime import clock
from chalicelib.services import catalog
from chalicelib.store import adapters
from tests.conftest import ADMIN, JSON
from tests.helpers import (
    aws_error,
    conflict_on_window,
    create_poll,
    error_code,
    folded,
    iso_in,
    new_voter,
    patch,
    vote,
)

GUARDED = {"address_limit": {"votes": 60, "minutes": 10}}  # a vote writes its ballot and its windows: a transaction


def totals(client, poll_id):
    """Return the poll's voters and votes once the fold has caught up with every vote so far."""
    folded()
    body = client.http.get(f"/polls/{poll_id}/results", headers=ADMIN).json_body
    return body["total_voters"], {o["id"]: o["votes"] for o in body["options"]}


def test_vote_is_counted_and_answered_with_results(client):
    poll = create_poll(client)
    response = vote(client, poll["id"], ["no"], new_voter())
    assert response.status_code == 201
    assert response.json_body["poll_id"] == poll["id"]
    assert response.json_body["options"] == ["no"]
    results = response.json_body["results"]  # the folded tally (nothing yet) and this vote
    assert results["total_voters"] == 1
    assert {o["id"]: o["votes"] for o in results["options"]} == {"yes": 0, "no": 1, "dont-know": 0}
    assert totals(client, poll["id"]) == (1, {"yes": 0, "no": 1, "dont-know": 0})


@pytest.mark.parametrize("fold_first", [False, True], ids=["before-the-fold", "after-the-fold"])
@pytest.mark.parametrize("protection", [{}, {"address_limit": {"votes": 50, "minutes": 1}}], ids=["put", "transaction"])
def test_a_voter_can_vote_only_once_and_the_repeat_carries_results_holding_their_ballot_once(
    client, monkeypatch, fold_first, protection
):
    poll = create_poll(client, **protection)
    voter = new_voter()
    assert vote(client, poll["id"], ["yes"], voter).status_code == 201
    if fold_first:
        later = clock.now() + 2  # the fold and the publisher run seconds after a vote
        monkeypatch.setattr(clock, "now", lambda: later)
        folded()
    repeat = vote(client, poll["id"], ["no"], voter)
    assert repeat.status_code == 409
    assert error_code(repeat) == "already_voted"
    shown = {o["id"]: o["votes"] for o in repeat.json_body["results"]["options"]}
    assert (repeat.json_body["results"]["total_voters"], shown) == (1, {"yes": 1, "no": 0, "dont-know": 0})
    assert totals(client, poll["id"]) == (1, {"yes": 1, "no": 0, "dont-know": 0})


def test_repeat_of_a_hidden_results_poll_carries_no_results(client):
    poll = create_poll(client, results_visibility="never")
    voter = new_voter()
    assert vote(client, poll["id"], ["yes"], voter).json_body["results"] is None
    repeat = vote(client, poll["id"], ["yes"], voter)
    assert error_code(repeat) == "already_voted"
    assert repeat.json_body["results"] is None


def test_text_plain_bodies_are_accepted_so_browsers_skip_the_preflight(client):
    poll = create_poll(client)
    body = json.dumps({"options": ["yes"], "voter": new_voter()})
    response = client.http.post(f"/polls/{poll['id']}/votes", headers={"Content-Type": "text/plain"}, body=body)
    assert response.status_code == 201
    assert totals(client, poll["id"]) == (1, {"yes": 1, "no": 0, "dont-know": 0})


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"", "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        (b"[]", "invalid_json"),
        (b'"yes"', "invalid_json"),
        (b'{"options": ["yes"], "voter": "abcdefgh1", "extra": 1}', "invalid_json"),
        (b"[" * 5000 + b"]" * 5000, "payload_too_large"),
        (b"[" * 4000 + b"]" * 4000, "invalid_json"),
        (b'{"options": ["yes"], "voter": "short"}', "invalid_voter"),
        (b'{"options": ["yes"], "voter": "has spaces!!"}', "invalid_voter"),
        (b'{"options": ["yes"], "voter": "' + b"a" * 129 + b'"}', "invalid_voter"),
        (b'{"options": ["yes"], "voter": 12345678}', "invalid_voter"),
        ('{"options": ["yes"], "voter": "abcdéfghij"}'.encode(), "invalid_voter"),
        (b'{"options": ["yes"], "voter": "abcdefgh\\u0000"}', "invalid_voter"),
        (b'{"options": ["yes"]}', "invalid_voter"),
        (b'{"options": [], "voter": "abcdefgh1"}', "invalid_option"),
        (b'{"voter": "abcdefgh1"}', "invalid_option"),
        (b'{"options": "yes", "voter": "abcdefgh1"}', "invalid_option"),
        (b'{"options": [1], "voter": "abcdefgh1"}', "invalid_option"),
        (b'{"options": ["maybe"], "voter": "abcdefgh1"}', "invalid_option"),
        (b'{"options": ["yes", "yes"], "voter": "abcdefgh1"}', "invalid_option"),
        (b'{"options": ["yes", "no"], "voter": "abcdefgh1"}', "invalid_option"),
        (b'{"options": ["#yes"], "voter": "abcdefgh1"}', "invalid_option"),
        (b'{"options": [":v", "counts.yes"], "voter": "abcdefgh1"}', "invalid_option"),
        (b'{"options": ["yes"], "voter": "abcdefgh1"}' + b" " * 9000, "payload_too_large"),
    ],
)
def test_bad_votes_get_their_error_code_and_write_nothing(client, calls, body, code):
    poll = create_poll(client)
    calls.clear()
    response = client.http.post(f"/polls/{poll['id']}/votes", headers=JSON, body=body)
    assert error_code(response) == code
    assert response.status_code == {"payload_too_large": 413}.get(code, 400)
    assert not {"TransactWriteItems", "PutItem"} & set(calls.operations())
    assert totals(client, poll["id"])[0] == 0


@pytest.mark.parametrize("poll_id", ["no-such-poll", "a%23b", "x", "polls..results", "%3Aid", "UPPER-case"])
def test_votes_for_unknown_polls_are_not_found_and_write_nothing(client, calls, poll_id):
    response = vote(client, poll_id, ["yes"], new_voter())
    assert response.status_code == 404
    assert error_code(response) == "poll_not_found"
    assert not {"TransactWriteItems", "PutItem"} & set(calls.operations())


def test_wrong_content_type_is_refused_in_the_api_error_shape_and_counts_nothing(client):
    poll = create_poll(client)
    response = client.http.post(
        f"/polls/{poll['id']}/votes", headers={"Content-Type": "application/x-www-form-urlencoded"}, body=b"a=b"
    )
    assert response.status_code == 415
    assert error_code(response) == "unsupported_media_type"
    assert totals(client, poll["id"])[0] == 0


def test_a_scheduled_poll_refuses_votes_until_it_opens(client, monkeypatch):
    poll = create_poll(client, opens_at=iso_in(3600))
    assert client.http.get(f"/polls/{poll['id']}").json_body["status"] == "scheduled"
    refused = vote(client, poll["id"], ["yes"], new_voter())
    assert refused.status_code == 409 and error_code(refused) == "poll_not_open"
    later = clock.now() + 3601
    monkeypatch.setattr(clock, "now", lambda: later)
    assert client.http.get(f"/polls/{poll['id']}").json_body["status"] == "open"
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201


def test_a_poll_refuses_votes_once_its_close_time_passes(client, monkeypatch):
    poll = create_poll(client, closes_at=iso_in(600))
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    later = clock.now() + 601
    monkeypatch.setattr(clock, "now", lambda: later)
    refused = vote(client, poll["id"], ["yes"], new_voter())
    assert refused.status_code == 409 and error_code(refused) == "poll_closed"
    assert totals(client, poll["id"])[0] == 1


def test_an_editors_close_reaches_a_process_holding_the_open_definition_within_a_second(client, monkeypatch):
    import time

    poll = create_poll(client)
    stale = catalog.poll(poll["id"])  # this process has the poll, open
    assert patch(client, poll["id"], status="closed").status_code == 200  # as another Lambda would
    catalog.remember(stale)
    assert catalog.poll(poll["id"]).status_at(clock.now()) == "open"
    later = time.monotonic() + 1.0  # POLL_CACHE_SECONDS
    monkeypatch.setattr(time, "monotonic", lambda: later)
    refused = vote(client, poll["id"], ["yes"], new_voter())
    assert refused.status_code == 409 and error_code(refused) == "poll_closed"
    assert totals(client, poll["id"])[0] == 0


def test_a_vote_for_a_deleted_incarnation_is_never_counted_in_the_poll_made_again_with_its_id(client):
    create_poll(client, id="recreated")
    stale = catalog.poll("recreated")
    client.http.delete("/polls/recreated", headers=ADMIN)
    create_poll(client, id="recreated", options=["Yes", "No"])
    assert vote(client, "recreated", ["yes"], new_voter()).status_code == 201
    catalog.created(stale)  # a process that still holds the deleted poll for its last second
    vote(client, "recreated", ["yes"], new_voter())  # its ballot names the deleted incarnation
    catalog.forget("recreated")
    assert totals(client, "recreated") == (1, {"yes": 1, "no": 0})


def test_multi_choice_polls_accept_up_to_max_choices(client):
    poll = create_poll(client, options=["A", "B", "C", "D"], max_choices=2)
    assert vote(client, poll["id"], ["a", "b"], new_voter()).status_code == 201
    assert vote(client, poll["id"], ["a"], new_voter()).status_code == 201
    too_many = vote(client, poll["id"], ["a", "b", "c"], new_voter())
    assert too_many.status_code == 400 and error_code(too_many) == "invalid_option"
    folded()
    body = client.http.get(f"/polls/{poll['id']}/results").json_body
    assert body["total_voters"] == 2
    assert [(o["votes"], o["percent"]) for o in body["options"]] == [(2, 100.0), (1, 50.0), (0, 0.0), (0, 0.0)]


def test_block_none_counts_repeat_votes_without_a_voter_token(client):
    poll = create_poll(client, repeat_votes={"block": "none"})
    for _ in range(3):
        assert vote(client, poll["id"], ["yes"]).status_code == 201
    voter = new_voter()
    assert vote(client, poll["id"], ["no"], voter).status_code == 201
    assert vote(client, poll["id"], ["no"], voter).status_code == 201
    assert totals(client, poll["id"]) == (5, {"yes": 3, "no": 2, "dont-know": 0})


def test_voter_and_ip_caps_votes_per_ip_address(client, monkeypatch):
    poll = create_poll(client, repeat_votes={"block": "voter_and_ip", "ip_limit": 2})
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", "203.0.113.7")
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    capped = vote(client, poll["id"], ["yes"], new_voter())
    assert capped.status_code == 429 and error_code(capped) == "ip_limit_reached"
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", "198.51.100.9")
    assert vote(client, poll["id"], ["no"], new_voter()).status_code == 201
    assert totals(client, poll["id"]) == (3, {"yes": 2, "no": 1, "dont-know": 0})


def test_a_voter_refused_by_the_ip_cap_is_not_marked_as_having_voted(client, monkeypatch):
    poll = create_poll(client, repeat_votes={"block": "voter_and_ip", "ip_limit": 1})
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    voter = new_voter()
    assert error_code(vote(client, poll["id"], ["yes"], voter)) == "ip_limit_reached"
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", "198.51.100.10")
    assert vote(client, poll["id"], ["yes"], voter).status_code == 201


def test_folded_counts_add_up_to_the_ballots_of_many_votes(client):
    poll = create_poll(client, max_choices=2)
    for index in range(40):
        choice = [["yes"], ["no"], ["yes", "dont-know"]][index % 3]
        assert vote(client, poll["id"], choice, new_voter()).status_code == 201
    assert totals(client, poll["id"]) == (40, {"yes": 27, "no": 13, "dont-know": 13})


@pytest.mark.parametrize(
    ("fields", "operation", "items"),
    [
        ({}, "PutItem", 1),  # the ballot alone: a conditional PutItem
        (GUARDED, "TransactWriteItems", 3),  # the ballot, its address's window and its /24's
        ({"repeat_votes": {"block": "voter_and_ip"}, **GUARDED}, "TransactWriteItems", 4),
    ],
)
def test_a_warm_vote_is_one_request_writing_only_items_keyed_by_the_voter(client, calls, fields, operation, items):
    poll = create_poll(client, **fields)
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    calls.clear()
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    assert calls.operations("dynamodb") == [operation]
    params = calls.calls[0].params
    keys = (
        [params["Item"]["pk"]["S"]]
        if operation == "PutItem"
        else [
            next(iter(i.values())).get("Item", next(iter(i.values())).get("Key"))["pk"]["S"]
            for i in params["TransactItems"]
        ]
    )
    assert len(keys) == items
    assert all(key.split("#")[0] in {"b", "aw", "ip"} for key in keys)  # never a key of the poll's
    assert not any(poll["id"] in key for key in keys)


def test_a_transaction_conflict_is_retried_with_the_same_token_and_counted_once(client, calls, faults):
    poll = create_poll(client, **GUARDED)
    faults.add("TransactWriteItems", conflict_on_window, times=2)
    calls.clear()
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    writes = [c.params for c in calls.calls if c.operation == "TransactWriteItems"]
    assert len(writes) == 3
    assert len({w["ClientRequestToken"] for w in writes}) == 1 and writes[0] == writes[2]
    assert totals(client, poll["id"])[0] == 1


def test_a_transaction_in_progress_is_retried_with_the_same_token_not_as_a_new_attempt(client, calls, faults):
    poll = create_poll(client, **GUARDED)
    faults.add("TransactWriteItems", aws_error("TransactionInProgressException"), times=1)
    calls.clear()
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    tokens = [c.params["ClientRequestToken"] for c in calls.calls if c.operation == "TransactWriteItems"]
    assert len(tokens) >= 2 and len(set(tokens)) == 1
    assert totals(client, poll["id"])[0] == 1


def test_a_vote_that_keeps_conflicting_answers_try_again_and_counts_nothing(client, faults):
    poll = create_poll(client, **GUARDED)
    faults.add("TransactWriteItems", conflict_on_window, times=10)
    response = vote(client, poll["id"], ["yes"], new_voter())
    assert response.status_code == 503
    assert error_code(response) == "try_again"
    assert response.headers["Retry-After"] == "1"
    assert totals(client, poll["id"])[0] == 0


@pytest.mark.parametrize("block", ["voter", "none"])
def test_a_retry_after_a_committed_but_unacknowledged_write_counts_once(client, monkeypatch, block):
    poll = create_poll(client, repeat_votes={"block": block})
    voter = new_voter()
    from chalicelib.core.votes import Rejection, VoteRejected

    store = adapters.store()
    original = store.write_vote
    state = {"calls": 0}

    def commit_then_lose_the_answer(vote_write):
        state["calls"] += 1
        original(vote_write)
        if state["calls"] == 1:
            raise VoteRejected(Rejection.UNKNOWN)  # the answer was lost after the commit

    monkeypatch.setattr(store, "write_vote", commit_then_lose_the_answer)
    response = vote(client, poll["id"], ["yes"], voter)
    assert response.status_code == 201
    assert state["calls"] == 2
    assert totals(client, poll["id"])[0] == 1
    if block == "voter":
        assert error_code(vote(client, poll["id"], ["yes"], voter)) == "already_voted"


@pytest.mark.parametrize(("operation", "fields"), [("PutItem", {}), ("TransactWriteItems", GUARDED)])
def test_a_throttled_vote_is_retried_and_counted_once(client, faults, operation, fields):
    poll = create_poll(client, **fields)
    faults.add(operation, aws_error("ProvisionedThroughputExceededException"), times=1)
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    assert totals(client, poll["id"])[0] == 1


@pytest.fixture
def rate_limited(monkeypatch):
    """Turn on the per-IP vote rate limit (the local stage turns it off: all its traffic is 127.0.0.1)."""
    import dataclasses

    from chalicelib.runtime.settings import get_settings
    from chalicelib.services import ratelimit

    limited = dataclasses.replace(get_settings(), vote_rate_per_second=0.5, vote_burst=3)
    monkeypatch.setattr(ratelimit, "get_settings", lambda: limited)


def test_votes_faster_than_the_per_ip_rate_get_429_with_retry_after(client, rate_limited, monkeypatch, calls):
    poll = create_poll(client)
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", "192.0.2.50")
    for _ in range(3):
        assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    calls.clear()
    limited = vote(client, poll["id"], ["yes"], new_voter())
    assert limited.status_code == 429 and error_code(limited) == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert calls.operations("dynamodb") == []  # refused before any read or write
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", "192.0.2.51")
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201


def test_the_rate_limit_refills_over_time(rate_limited, monkeypatch):
    import time as time_module

    from chalicelib.core.errors import RateLimited
    from chalicelib.services import ratelimit

    now = {"t": 1000.0}
    monkeypatch.setattr(time_module, "monotonic", lambda: now["t"])
    for _ in range(3):
        ratelimit.check_vote("192.0.2.60")
    with pytest.raises(RateLimited) as refused:
        ratelimit.check_vote("192.0.2.60")
    assert refused.value.headers["Retry-After"] == "2"
    now["t"] += 2.0
    ratelimit.check_vote("192.0.2.60")  # 2 s at 0.5 a second refilled exactly one token
    with pytest.raises(RateLimited):
        ratelimit.check_vote("192.0.2.60")
