"""Stuffing defences over HTTP on moto: challenges, spent proofs, shared address windows, forensics and voids."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager

import boto3
import pytest

from chalicelib.core.ledger import INDEX_BUCKETS
from chalicelib.runtime import clock, state
from chalicelib.runtime.settings import get_settings
from tests.conftest import ADMIN, JSON
from tests.helpers import UNPROTECTED, create_poll, error_code, folded, new_voter, patch, vote
from tests.proofs import solve, tampered
from tests.support.turnstile import Siteverify


@contextmanager
def from_address(client, address):
    """Send the test client's requests from another source address (API Gateway's identity.sourceIp)."""
    converter = client.http._local_gateway.event_converter
    converter.LOCAL_SOURCE_IP = address
    try:
        yield
    finally:
        del converter.LOCAL_SOURCE_IP


def challenge(client, poll_id):
    response = client.http.get(f"/polls/{poll_id}/challenge")
    assert response.status_code == 200, response.body
    return response.json_body


def proof_for(client, poll_id):
    return solve(challenge(client, poll_id))


def total(client, poll_id):
    """Return the poll's voters once the fold has caught up with every vote (and void) so far."""
    folded()
    return client.http.get(f"/polls/{poll_id}/results", headers=ADMIN).json_body["total_voters"]


def test_a_poll_created_without_protection_fields_gets_the_secure_defaults(client):
    body = {"question": "Tea or coffee?", "options": ["Tea", "Coffee"]}
    created = client.http.post("/polls", headers=ADMIN, body=json.dumps(body)).json_body
    blocks = {
        "ipv4_24": {"votes": 500, "minutes": 60},
        "ipv6_48": {"votes": 2000, "minutes": 60},
        "ipv6_56": {"votes": 500, "minutes": 60},
    }
    assert created["challenge"] == "proof_of_work"
    assert created["address_limit"] == {"votes": 60, "minutes": 10, "blocks": blocks}
    assert client.http.get(f"/polls/{created['id']}").json_body["challenge"] == "proof_of_work"
    assert error_code(vote(client, created["id"], ["tea"], new_voter())) == "challenge_required"


def test_a_poll_stored_before_challenges_existed_reads_as_unprotected(client):
    poll = create_poll(client, challenge="proof_of_work", address_limit={"votes": 1, "minutes": 10})
    boto3.client("dynamodb").update_item(
        TableName=get_settings().polls_table,
        Key={"id": {"S": poll["id"]}, "part": {"S": "poll"}},
        UpdateExpression="REMOVE challenge, address_votes, address_minutes",
    )
    state.reset_all()
    stored = client.http.get("/polls?limit=100", headers=ADMIN).json_body["polls"]
    assert [(p["challenge"], p["address_limit"]) for p in stored if p["id"] == poll["id"]] == [("none", None)]
    for _ in range(2):
        assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201


def test_the_challenge_is_signed_bound_to_the_poll_never_cached_and_costs_no_database_request(cheap, calls):
    poll = create_poll(cheap, challenge="proof_of_work")
    calls.clear()
    response = cheap.http.get(f"/polls/{poll['id']}/challenge")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert set(response.json_body) == {"parameters", "signature"}
    assert response.json_body["parameters"]["data"] == {"poll": poll["id"], "surge": 0}
    assert calls.operations("dynamodb") == []


def test_a_challenge_for_an_unknown_poll_is_not_found(client):
    assert error_code(client.http.get("/polls/no-such-poll/challenge")) == "poll_not_found"


@pytest.mark.parametrize(
    ("proof", "status", "code"),
    [
        (lambda c, poll, other: None, 400, "challenge_required"),
        (lambda c, poll, other: "bm90IGEgcGF5bG9hZA==", 400, "challenge_failed"),
        (lambda c, poll, other: 42, 400, "challenge_failed"),
        (lambda c, poll, other: proof_for(c, other), 400, "challenge_failed"),
        (lambda c, poll, other: tampered(proof_for(c, poll), key_prefix="00"), 400, "challenge_failed"),
        (lambda c, poll, other: tampered(proof_for(c, other), data={"poll": poll}), 400, "challenge_failed"),
    ],
    ids=["missing", "not an ALTCHA payload", "not a string", "another poll's", "tampered", "relabelled"],
)
def test_a_vote_without_a_valid_proof_is_refused_and_not_counted(cheap, proof, status, code):
    poll = create_poll(cheap, challenge="proof_of_work")["id"]
    other = create_poll(cheap, challenge="proof_of_work")["id"]
    given = proof(cheap, poll, other)
    response = vote(cheap, poll, ["yes"], new_voter(), **({} if given is None else {"proof": given}))
    assert (response.status_code, error_code(response)) == (status, code)
    assert total(cheap, poll) == 0


def test_an_expired_proof_is_refused(cheap, monkeypatch):
    poll = create_poll(cheap, challenge="proof_of_work")["id"]
    proof = proof_for(cheap, poll)
    later = clock.now() + 301
    monkeypatch.setattr(clock, "now", lambda: later)
    response = vote(cheap, poll, ["yes"], new_voter(), proof=proof)
    assert (response.status_code, error_code(response)) == (400, "challenge_failed")
    assert "expired" in response.json_body["error"]["message"]


def test_a_proof_is_spent_by_its_vote_and_a_replay_is_refused_in_any_process(cheap):
    poll = create_poll(cheap, challenge="proof_of_work")["id"]
    proof = proof_for(cheap, poll)
    assert vote(cheap, poll, ["yes"], new_voter(), proof=proof).status_code == 201
    state.reset_all()  # another Lambda: nothing remembered in the process
    replay = vote(cheap, poll, ["no"], new_voter(), proof=proof)
    assert (replay.status_code, error_code(replay)) == (409, "challenge_used")
    assert total(cheap, poll) == 1


def test_a_refused_vote_does_not_spend_its_proof(cheap):
    poll = create_poll(cheap, challenge="proof_of_work")["id"]
    voter = new_voter()
    assert vote(cheap, poll, ["yes"], voter, proof=proof_for(cheap, poll)).status_code == 201
    proof = proof_for(cheap, poll)
    assert error_code(vote(cheap, poll, ["yes"], voter, proof=proof)) == "already_voted"
    assert vote(cheap, poll, ["yes"], new_voter(), proof=proof).status_code == 201


def test_a_warm_protected_vote_is_still_one_transact_write_of_named_items(cheap, calls):
    poll = create_poll(cheap, challenge="proof_of_work", address_limit={"votes": 60, "minutes": 10})["id"]
    vote(cheap, poll, ["yes"], new_voter(), proof=proof_for(cheap, poll))
    proof = proof_for(cheap, poll)
    calls.clear()
    assert vote(cheap, poll, ["no"], new_voter(), proof=proof).status_code == 201
    assert calls.operations("dynamodb") == ["TransactWriteItems"]
    items = calls.calls[-1].params["TransactItems"]
    keys = [next(iter(item.values()))["Key" if "Update" in item else "Item"]["pk"]["S"] for item in items]
    # ballot, proof, the address's window and its /24's: no poll item
    assert sorted(key.split("#")[0] for key in keys) == ["aw", "aw", "b", "pow"]


def test_the_address_limit_refuses_past_its_allowance_with_retry_after(client):
    poll = create_poll(client, address_limit={"votes": 2, "minutes": 10})["id"]
    for _ in range(2):
        assert vote(client, poll, ["yes"], new_voter()).status_code == 201
    refused = vote(client, poll, ["yes"], new_voter())
    assert (refused.status_code, error_code(refused)) == (429, "address_limit_reached")
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
    with from_address(client, "192.0.2.44"):
        assert vote(client, poll, ["yes"], new_voter()).status_code == 201
    assert total(client, poll) == 3


def test_two_app_processes_share_one_address_limit(client):
    from chalice.test import Client

    from app import app

    poll = create_poll(client, address_limit={"votes": 3, "minutes": 10})["id"]
    with Client(app, stage_name="local") as other:
        answers = []
        for index in range(6):
            state.reset_all()  # each vote lands on a cold process, alternating between the two clients
            answers.append(vote(client if index % 2 else other, poll, ["yes"], new_voter()).status_code)
    assert answers == [201, 201, 201, 429, 429, 429]
    assert total(client, poll) == 3


@pytest.mark.parametrize(
    ("first", "second", "shared"),
    [
        ("2001:db8:0:1::1", "2001:db8:0:1:8000::2", True),
        ("2001:db8:0:1::1", "2001:db8:0:2::1", False),
    ],
    ids=["one /64", "two /64s"],
)
def test_ipv6_addresses_share_a_bucket_exactly_when_they_share_a_64(client, first, second, shared):
    poll = create_poll(client, address_limit={"votes": 1, "minutes": 10})["id"]
    with from_address(client, first):
        assert vote(client, poll, ["yes"], new_voter()).status_code == 201
    with from_address(client, second):
        assert vote(client, poll, ["yes"], new_voter()).status_code == (429 if shared else 201)


def stuff(client, poll, stuffer="198.51.100.7", votes=6, readers=3):
    for _ in range(votes):
        with from_address(client, stuffer):
            assert vote(client, poll, ["no"], new_voter()).status_code == 201
    for index in range(readers):
        with from_address(client, f"192.0.2.{index + 1}"):
            assert vote(client, poll, ["yes"], new_voter()).status_code == 201


def test_forensics_reads_every_bucket_of_the_by_poll_index_never_a_scan(client, calls):
    poll = create_poll(client)["id"]
    stuff(client, poll, votes=3, readers=1)
    stuff(client, poll, votes=3, readers=1)
    calls.clear()
    report = client.http.get(f"/polls/{poll}/forensics", headers=ADMIN)
    assert report.status_code == 200 and "no-store" in report.headers["Cache-Control"]
    assert report.json_body["total_voters"] == 8
    assert [(s["votes"], s["options"]) for s in report.json_body["sources"]] == [
        (6, {"yes": 0, "no": 6, "dont-know": 0}),
        (2, {"yes": 2, "no": 0, "dont-know": 0}),
    ]
    queries = [c.params for c in calls.calls if c.operation == "Query" and c.params.get("IndexName") == "by-poll"]
    assert "Scan" not in calls.operations("dynamodb") and len(queries) == INDEX_BUCKETS


@pytest.mark.parametrize("closed", [False, True], ids=["open poll", "closed poll"])
def test_voiding_a_source_is_exact_idempotent_and_agrees_with_results_snapshots_and_recount(client, closed):
    from tests.api.test_snapshots import read, run_scheduled

    poll = create_poll(client)["id"]
    stuff(client, poll)
    source = client.http.get(f"/polls/{poll}/forensics", headers=ADMIN).json_body["sources"][0]["source"]
    if closed:
        patch(client, poll, status="closed")
    run_scheduled(client)
    body = {"source": source, "reason": "six tokens from one address in a minute"}
    dry = client.http.post(f"/polls/{poll}/void", headers=ADMIN, body=json.dumps({**body, "dry_run": True}))
    assert (dry.json_body["voided"], total(client, poll)) == (6, 9)
    first = client.http.post(f"/polls/{poll}/void", headers=ADMIN, body=json.dumps(body)).json_body
    assert (first["voided"], first["options"]) == (6, {"yes": 0, "no": 6, "dont-know": 0})
    again = client.http.post(f"/polls/{poll}/void", headers=ADMIN, body=json.dumps(body)).json_body
    assert again["voided"] == 0
    folded()
    results = client.http.get(f"/polls/{poll}/results", headers=ADMIN).json_body
    assert (results["total_voters"], [o["votes"] for o in results["options"]]) == (3, [3, 0, 0])
    run_scheduled(client)
    prefix = "results"
    snapshot = json.loads(read(f"{prefix}/{poll}/latest.json")["Body"].read())
    assert snapshot["total_voters"] == 3
    recounted = client.http.post(f"/polls/{poll}/recount", headers=ADMIN).json_body
    assert recounted["drift"]["total_voters"] == 0 and set(recounted["drift"]["options"].values()) == {0}
    voids = client.http.get(f"/polls/{poll}/voids", headers=ADMIN).json_body["voids"]
    assert [(v["source"], v["voided"], v["reason"], v["complete"]) for v in voids] == [
        (source, 6, body["reason"], True),
        (source, 0, body["reason"], True),  # the repeat, recorded too: it found nothing left to void
    ]


def test_a_void_within_a_time_range_leaves_the_sources_other_ballots(client, monkeypatch):
    poll = create_poll(client)["id"]
    start = (clock.now() // 60 + 1) * 60  # minutes after the poll opened
    for minute in range(3):
        monkeypatch.setattr(clock, "now", lambda minute=minute: start + minute * 60 + 5)
        stuff(client, poll, votes=2, readers=0)
    source = client.http.get(f"/polls/{poll}/forensics", headers=ADMIN).json_body["sources"][0]
    assert (source["votes"], source["max_per_minute"]) == (6, 2)
    from chalicelib.core.times import to_iso

    window = {"from": to_iso(start + 60), "to": to_iso(start + 60)}
    body = {"source": source["source"], "reason": "the second minute", **window}
    assert client.http.post(f"/polls/{poll}/void", headers=ADMIN, body=json.dumps(body)).json_body["voided"] == 2
    assert total(client, poll) == 4


def test_a_voided_voter_token_cannot_vote_again(client):
    poll = create_poll(client)["id"]
    voter = new_voter()
    with from_address(client, "198.51.100.9"):
        vote(client, poll, ["no"], voter)
    source = client.http.get(f"/polls/{poll}/forensics", headers=ADMIN).json_body["sources"][0]["source"]
    client.http.post(f"/polls/{poll}/void", headers=ADMIN, body=json.dumps({"source": source, "reason": "x"}))
    assert error_code(vote(client, poll, ["yes"], voter)) == "already_voted"
    assert total(client, poll) == 0


def test_polls_that_count_repeats_have_forensics_and_voids_too(client):
    poll = create_poll(client, repeat_votes={"block": "none"})["id"]
    for _ in range(3):
        with from_address(client, "198.51.100.8"):
            assert vote(client, poll, ["no"]).status_code == 201
    source = client.http.get(f"/polls/{poll}/forensics", headers=ADMIN).json_body["sources"][0]
    assert source["votes"] == 3
    body = {"source": source["source"], "reason": "one address, three votes"}
    assert client.http.post(f"/polls/{poll}/void", headers=ADMIN, body=json.dumps(body)).json_body["voided"] == 3
    assert total(client, poll) == 0


@pytest.mark.parametrize(
    "body",
    ["not json", {"source": "nope", "reason": "x"}, {"source": "0" * 32}, {"source": "0" * 32, "reason": "x", "to": 5}],
)
def test_a_malformed_void_request_is_refused_naming_what_is_wrong(client, body):
    poll = create_poll(client)["id"]
    raw = body if isinstance(body, str) else json.dumps(body)
    response = client.http.post(f"/polls/{poll}/void", headers=ADMIN, body=raw)
    expected = "invalid_parameter" if isinstance(body, dict) and "to" in body else "invalid_json"
    assert (response.status_code, error_code(response)) == (400, expected)


@pytest.fixture
def siteverify(monkeypatch, client):
    stand_in = Siteverify()
    thread = threading.Thread(target=stand_in.server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("TURNSTILE_VERIFY_URL", stand_in.url)
    monkeypatch.setenv("TURNSTILE_SECRET", "turnstile-test-secret")
    state.reset_all()
    yield stand_in
    stand_in.server.shutdown()
    stand_in.server.server_close()


def test_a_turnstile_poll_needs_a_stage_secret(client):
    body = {"question": "Tea?", "options": ["Tea", "Coffee"], "challenge": "turnstile"}
    response = client.http.post("/polls", headers=ADMIN, body=json.dumps(body))
    assert (response.status_code, response.json_body["error"]["field"]) == (400, "challenge")


@pytest.mark.parametrize(("token", "status"), [("good-token", 201), ("forged-token", 400)])
def test_a_turnstile_vote_is_checked_with_siteverify(client, siteverify, token, status):
    poll = create_poll(client, challenge="turnstile")["id"]
    with from_address(client, "192.0.2.77"):
        response = vote(client, poll, ["yes"], new_voter(), proof=token)
    assert response.status_code == status
    assert siteverify.requests[-1] == {
        "secret": ["turnstile-test-secret"],
        "response": [token],
        "remoteip": ["192.0.2.77"],
    }
    assert total(client, poll) == (1 if status == 201 else 0)


def test_an_unreachable_siteverify_answers_503_and_counts_nothing(client, siteverify):
    poll = create_poll(client, challenge="turnstile")["id"]
    siteverify.server.shutdown()
    siteverify.server.server_close()
    response = vote(client, poll, ["yes"], new_voter(), proof="good-token")
    assert (response.status_code, error_code(response)) == (503, "service_unavailable")
    assert total(client, poll) == 0


def test_unprotected_is_what_the_helpers_create(client):
    poll = create_poll(client)
    assert {k: poll[k] for k in UNPROTECTED} == UNPROTECTED
    assert vote(client, poll["id"], ["yes"], new_voter(), **{}).status_code == 201
    assert JSON["Content-Type"] == "application/json"
