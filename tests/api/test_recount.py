"""Recount on moto: ballots found through the by-poll index and re-read by key, drift per option, safe repair."""

from __future__ import annotations

import json

import pytest

from chalicelib.core.counts import Counts
from chalicelib.core.ledger import INDEX_BUCKETS
from chalicelib.runtime import clock
from chalicelib.services import recount as recounting
from chalicelib.store import adapters
from tests.conftest import ADMIN
from tests.helpers import create_poll, error_code, folded, new_voter, patch, vote


def recount(client, poll_id, body=None, headers=ADMIN):
    return client.http.post(
        f"/polls/{poll_id}/recount", headers=headers, body=json.dumps(body) if body is not None else b""
    )


def corrupt(poll_id: str, option: str, by: int) -> None:
    """Add to a poll's base tally behind the fold's back, as a bug or a bad restore would."""
    store = adapters.store()
    view = store.read_view(poll_id, consistent=True)
    assert store.correct_base(view, Counts(votes={option: by}))


@pytest.fixture
def voted_poll(client):
    poll = create_poll(client, max_choices=2)
    for choice in (["yes"], ["no"], ["yes", "dont-know"], ["yes"], ["no"]):
        assert vote(client, poll["id"], choice, new_voter()).status_code == 201
    folded()
    return poll


@pytest.fixture
def settled(monkeypatch):
    """Move the clock past the recount's settling time (the poll closed long enough ago)."""

    def settle() -> None:
        later = clock.now() + recounting.RECOUNT_SETTLE_SECONDS
        monkeypatch.setattr(clock, "now", lambda: later)

    return settle


def test_a_consistent_poll_recounts_without_drift(client, voted_poll):
    report = recount(client, voted_poll["id"]).json_body
    expected = {"total_voters": 5, "options": {"yes": 3, "no": 2, "dont-know": 1}}
    assert report["ballots"] == expected
    assert report["tallies"] == expected
    assert report["drift"] == {"total_voters": 0, "options": {"yes": 0, "no": 0, "dont-know": 0}}
    assert report["fixed"] is False


def test_drift_is_reported_per_option(client, voted_poll):
    corrupt(voted_poll["id"], "yes", 2)
    report = recount(client, voted_poll["id"]).json_body
    assert report["drift"]["options"] == {"yes": 2, "no": 0, "dont-know": 0}
    assert report["tallies"]["options"]["yes"] == report["ballots"]["options"]["yes"] + 2


def test_a_ballot_voided_but_still_unvoided_in_the_index_is_not_counted(client, voted_poll):
    from chalicelib.services.ledger import every_ballot

    store = adapters.store()
    key = next(iter(every_ballot(store.get_poll(voted_poll["id"])))).key
    assert store.void_ballot(key, "void-1", int(clock.now()))
    report = recount(client, voted_poll["id"]).json_body  # before the fold: the tallies still count it
    assert (report["ballots"]["total_voters"], report["drift"]["total_voters"]) == (4, 1)
    folded()
    assert recount(client, voted_poll["id"]).json_body["drift"]["total_voters"] == 0


def test_repair_needs_a_poll_closed_long_enough_then_restores_the_ballot_counts(client, voted_poll, settled):
    corrupt(voted_poll["id"], "no", -1)
    refused = recount(client, voted_poll["id"], {"fix": True})
    assert refused.status_code == 409 and error_code(refused) == "poll_open"
    patch(client, voted_poll["id"], status="closed")
    early = recount(client, voted_poll["id"], {"fix": True})
    assert early.status_code == 409 and error_code(early) == "recount_too_soon"
    assert 0 < int(early.headers["Retry-After"]) <= recounting.RECOUNT_SETTLE_SECONDS
    settled()
    repaired = recount(client, voted_poll["id"], {"fix": True}).json_body
    assert repaired["fixed"] is True
    after = recount(client, voted_poll["id"]).json_body
    assert after["drift"] == {"total_voters": 0, "options": {"yes": 0, "no": 0, "dont-know": 0}}
    results = client.http.get(f"/polls/{voted_poll['id']}/results").json_body
    assert {o["id"]: o["votes"] for o in results["options"]} == {"yes": 3, "no": 2, "dont-know": 1}


def test_a_repair_cannot_race_a_fold_it_did_not_see(client, voted_poll, settled, monkeypatch):
    corrupt(voted_poll["id"], "yes", 1)
    patch(client, voted_poll["id"], status="closed")
    settled()
    store = adapters.store()
    original = store.read_view

    def a_fold_lands_just_after_the_read(poll_id, consistent):
        view = original(poll_id, consistent)
        assert store.correct_base(original(poll_id, True), Counts(votes={"yes": 1}))  # they move after the read
        return view

    monkeypatch.setattr(store, "read_view", a_fold_lands_just_after_the_read)
    response = recount(client, voted_poll["id"], {"fix": True})
    assert response.status_code == 503 and error_code(response) == "service_unavailable"
    assert "recount again" in response.json_body["error"]["message"]


def test_recount_reads_the_by_poll_index_and_never_scans(client, voted_poll, calls):
    other = create_poll(client)
    for _ in range(4):
        vote(client, other["id"], ["no"], new_voter())
    calls.clear()
    report = recount(client, voted_poll["id"]).json_body
    assert report["ballots"]["total_voters"] == 5  # the other poll's ballots are not counted
    dynamo = calls.count("dynamodb")
    assert "Scan" not in dynamo
    queries = [c.params for c in calls.calls if c.operation == "Query" and c.params.get("IndexName")]
    assert {q["IndexName"] for q in queries} == {"by-poll"}
    assert len(queries) == INDEX_BUCKETS  # one page per bucket here
    assert dynamo["BatchGetItem"] == 1  # the five ballots, re-read strongly by key


def test_polls_that_count_repeats_can_be_recounted_too(client):
    poll = create_poll(client, repeat_votes={"block": "none"})
    for _ in range(3):
        assert vote(client, poll["id"], ["yes"]).status_code == 201
    folded()
    report = recount(client, poll["id"]).json_body
    assert (report["ballots"]["total_voters"], report["drift"]["total_voters"]) == (3, 0)


@pytest.mark.parametrize("body", [[], {"fix": "yes"}, {"fix": True, "other": 1}])
def test_recount_rejects_malformed_bodies(client, voted_poll, body):
    response = recount(client, voted_poll["id"], body)
    assert response.status_code == 400 and error_code(response) == "invalid_json"


def test_recount_is_admin_only_and_needs_an_existing_poll(client, voted_poll):
    assert error_code(recount(client, voted_poll["id"], headers={})) == "unauthorized"
    assert error_code(recount(client, "no-such-poll")) == "poll_not_found"


def test_the_command_line_prints_the_same_report(client, voted_poll, settled, capsys):
    from ops.recount import main

    corrupt(voted_poll["id"], "yes", 1)
    assert main([voted_poll["id"]]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["drift"]["options"]["yes"] == 1
    patch(client, voted_poll["id"], status="closed")
    settled()
    capsys.readouterr()  # the API's own log lines
    assert main([voted_poll["id"], "--fix"]) == 0
    assert json.loads(capsys.readouterr().out)["fixed"] is True


def test_a_write_in_and_a_quizs_right_ballots_are_recounted_and_their_drift_repaired(client, settled):
    quiz = create_poll(client, kind="quiz", correct=["yes"])
    write_in = create_poll(client, write_in=True)
    for choice in ("yes", "no", "yes"):
        assert vote(client, quiz["id"], [choice], new_voter()).status_code == 201
    answer = vote(client, write_in["id"], [], new_voter(), other="A ferry").json_body["options"][0]
    folded()
    assert recount(client, quiz["id"]).json_body["ballots"]["options"]["~right"] == 2
    corrupt(quiz["id"], "~right", 1)
    corrupt(write_in["id"], answer, -1)
    assert recount(client, quiz["id"]).json_body["drift"]["options"]["~right"] == 1
    assert recount(client, write_in["id"]).json_body["drift"]["options"][answer] == -1
    for poll in (quiz, write_in):
        assert patch(client, poll["id"], status="closed").status_code == 200
    settled()
    for poll in (quiz, write_in):
        assert recount(client, poll["id"], {"fix": True}).json_body["fixed"] is True
        assert not any(recount(client, poll["id"]).json_body["drift"]["options"].values())
