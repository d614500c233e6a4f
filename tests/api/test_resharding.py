"""Live resharding over the API on moto: PATCH shards, never shrink, stale processes, automatic raises, read cost."""

from __future__ import annotations

import pytest

from chalicelib.services import catalog
from chalicelib.store.dynamo.counts import shard_counts
from tests.conftest import ADMIN
from tests.helpers import conflict_on_shard, create_poll, error_code, new_voter, patch, vote


def results(client, poll_id):
    return client.http.get(f"/polls/{poll_id}/results", headers=ADMIN).json_body


def test_raising_shards_publishes_zeroed_shards_with_the_polls_window(client):
    poll = create_poll(client, shards=2)
    response = patch(client, poll["id"], shards=150)
    assert response.status_code == 200 and response.json_body["shards"] == 150
    shards = shard_counts(poll["id"], 150)
    assert sorted(shards) == list(range(150))
    assert all(counts.voters == 0 for counts in shards.values())
    assert client.http.get(f"/polls/{poll['id']}", headers=ADMIN).status_code == 200


@pytest.mark.parametrize(("shards", "status", "code"), [(1, 409, "shards_cannot_shrink"), (1001, 400, "invalid_poll")])
def test_lowering_or_overshooting_the_shard_count_is_refused_and_changes_nothing(client, shards, status, code):
    poll = create_poll(client, shards=4)
    response = patch(client, poll["id"], shards=shards)
    assert (response.status_code, error_code(response)) == (status, code)
    assert sorted(shard_counts(poll["id"], 1001)) == [0, 1, 2, 3]


def test_a_raise_with_other_changes_applies_the_window_to_every_shard(client):
    poll = create_poll(client, shards=2)
    response = patch(client, poll["id"], shards=5, status="closed")
    assert response.json_body["shards"] == 5 and response.json_body["status"] == "closed"
    refused = vote(client, poll["id"], ["yes"], new_voter())
    assert error_code(refused) == "poll_closed"
    catalog.reset()
    assert sum(c.voters for c in shard_counts(poll["id"], 5).values()) == 0


def test_votes_across_old_and_new_shards_agree_in_results_recount_and_snapshots(client):
    poll = create_poll(client, shards=2)
    for _ in range(5):
        assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    patch(client, poll["id"], shards=12)
    for _ in range(25):
        assert vote(client, poll["id"], ["no"], new_voter()).status_code == 201
    catalog.reset()
    assert results(client, poll["id"])["total_voters"] == 30
    assert sum(c.voters for n, c in shard_counts(poll["id"], 12).items() if n >= 2) > 0
    report = client.http.post(f"/polls/{poll['id']}/recount", headers=ADMIN).json_body
    assert report["drift"]["total_voters"] == 0 and report["ballots"]["total_voters"] == 30
    snapshot = client.http.post("/snapshots", headers=ADMIN).json_body
    assert poll["id"] in snapshot["written_polls"]


def test_a_process_still_holding_the_old_count_votes_in_old_shards_and_nothing_is_lost(client):
    poll = create_poll(client, shards=3)
    stale = catalog.poll(poll["id"])
    patch(client, poll["id"], shards=30)
    for _ in range(6):
        catalog.remember(poll["id"], stale)
        assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    assert sum(c.voters for n, c in shard_counts(poll["id"], 30).items() if n < 3) == 6
    catalog.reset()
    assert results(client, poll["id"])["total_voters"] == 6


def test_a_second_raise_from_a_stale_read_is_a_no_op_or_goes_on_from_the_stored_count(client):
    from chalicelib.services import resharding

    poll = create_poll(client, shards=2)
    stale = catalog.poll(poll["id"])
    patch(client, poll["id"], shards=20)
    assert resharding.raise_shards(stale, 10).shards == 20
    assert resharding.raise_shards(stale, 25).shards == 25
    assert sorted(shard_counts(poll["id"], 30)) == list(range(25))


def test_a_cold_results_read_of_a_1000_shard_poll_takes_11_batch_reads(client, calls):
    poll = create_poll(client, shards=10)
    assert patch(client, poll["id"], shards=1000).json_body["shards"] == 1000
    vote(client, poll["id"], ["yes"], new_voter())
    catalog.reset()
    calls.clear()
    assert client.http.get(f"/polls/{poll['id']}/results").json_body["total_voters"] == 1
    assert calls.count("dynamodb") == {"BatchGetItem": 11}
    calls.clear()
    client.http.get(f"/polls/{poll['id']}/results")
    assert calls.operations("dynamodb") == []  # cached as before


def test_contention_past_the_threshold_doubles_the_shards_once_a_window(client, faults, monkeypatch):
    from chalicelib.runtime.settings import get_settings
    from chalicelib.services import votes as votes_service

    monkeypatch.setattr(votes_service, "_backoff", lambda attempt: None)
    monkeypatch.setenv("AUTO_RESHARD_MIN_ATTEMPTS", "20")
    get_settings.cache_clear()
    poll = create_poll(client, shards=4)
    for index in range(40):
        if index % 4 == 0:  # a quarter of the votes meet a conflict first
            faults.add("TransactWriteItems", conflict_on_shard, times=1)
        assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    get_settings.cache_clear()
    stored = client.http.get("/polls", headers=ADMIN).json_body["polls"]
    assert [p["shards"] for p in stored if p["id"] == poll["id"]] == [8]
    assert results(client, poll["id"])["total_voters"] == 40
