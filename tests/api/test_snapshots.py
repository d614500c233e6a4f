"""Scheduled results snapshots: keys, bodies, headers, idempotency, privacy, failures and cost."""

from __future__ import annotations

import csv
import io
import json

import pytest

from chalicelib.core.times import minute_key, to_iso
from chalicelib.runtime import clock
from chalicelib.runtime.clients import client as aws_client
from chalicelib.runtime.settings import get_settings
from chalicelib.store import adapters
from local.seed import seed_active_polls
from tests.conftest import ADMIN
from tests.helpers import aws_error, create_poll, error_code, folded, new_voter, patch
from tests.helpers import vote as cast


def vote(*args, **fields):
    """Vote, then wait for the fold (the snapshot job shows what the tallies hold)."""
    response = cast(*args, **fields)
    folded()
    return response


def due_polls():
    return adapters.store().due_polls()


HOSTILE = 'Yes, "of course"\nabsolutely — 東京 ✓ <script>'


@pytest.fixture
def frozen(monkeypatch):
    """Pin the clock to the middle of a minute; returns a setter to move it."""
    state = {"now": (int(clock.now()) // 60) * 60 + 20.0}
    monkeypatch.setattr(clock, "now", lambda: state["now"])

    def move(seconds: float) -> None:
        state["now"] += seconds

    return move


def run_scheduled(client):
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=["arn:aws:events:rule/snapshot"]
    )
    response = client.lambda_.invoke("snapshot_results", event)
    return response.payload


def s3():
    return aws_client("s3")


def keys(prefix=""):
    listing = s3().list_objects_v2(Bucket=get_settings().results_bucket, Prefix=prefix)
    return sorted(o["Key"] for o in listing.get("Contents", []))


def read(key):
    return s3().get_object(Bucket=get_settings().results_bucket, Key=key)


def test_the_scheduled_run_writes_latest_json_csv_history_and_index(client, frozen):
    poll = create_poll(client)
    vote(client, poll["id"], ["yes"], new_voter())
    report = run_scheduled(client)
    assert (report["written"], report["skipped"], report["failed"]) == (1, 0, 0)
    minute = to_iso(clock.now())[:16].replace(":", "-") + "Z"
    assert keys(f"results/{poll['id']}/") == [
        f"results/{poll['id']}/history/{minute}.json",
        f"results/{poll['id']}/latest.csv",
        f"results/{poll['id']}/latest.json",
    ]
    index = json.loads(read("results/index.json")["Body"].read())
    assert index["polls"] == [
        {
            "id": poll["id"],
            "question": poll["question"],
            "languages": ["en"],
            "status": "open",
            "total_voters": 1,
            "snapshot_at": to_iso(clock.now()),
        }
    ]


def test_latest_json_is_the_results_route_plus_snapshot_at_and_translations(client, frozen):
    poll = create_poll(client)
    for choice in ("yes", "no", "no"):
        vote(client, poll["id"], [choice], new_voter())
    run_scheduled(client)
    snapshot = json.loads(read(f"results/{poll['id']}/latest.json")["Body"].read())
    route = client.http.get(f"/polls/{poll['id']}/results").json_body
    assert snapshot.pop("snapshot_at") == to_iso(clock.now())
    assert snapshot.pop("as_of") == to_iso(clock.now())
    assert snapshot.pop("translations") == {}
    route.pop("as_of")
    assert snapshot == route


def test_snapshot_objects_carry_content_type_and_cache_control(client, frozen):
    poll = create_poll(client)
    run_scheduled(client)
    prefix = f"results/{poll['id']}"
    latest = read(f"{prefix}/latest.json")
    assert latest["ContentType"] == "application/json; charset=utf-8"
    assert latest["CacheControl"] == "public, max-age=5"
    assert read(f"{prefix}/latest.csv")["ContentType"] == "text/csv; charset=utf-8"
    history = read(keys(f"{prefix}/history/")[0])
    assert history["CacheControl"] == "public, max-age=31536000, immutable"


def test_csv_round_trips_hostile_labels_and_starts_with_a_byte_order_mark(client, frozen):
    poll = create_poll(client, options=[HOSTILE, '=HYPERLINK("http://x")', "No"], max_choices=2)
    ids = [o["id"] for o in poll["options"]]
    vote(client, poll["id"], [ids[0], ids[1]], new_voter())
    run_scheduled(client)
    raw = read(f"results/{poll['id']}/latest.csv")["Body"].read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["# Readers' poll: a self-selected sample, not a scientific survey."]  # the disclaimer line
    assert rows[1] == ["option_id", "label", "votes", "percent"]
    assert rows[2] == [ids[0], HOSTILE, "1", "100.0"]
    assert rows[3] == [ids[1], '\'=HYPERLINK("http://x")', "1", "100.0"]  # no formula runs in a spreadsheet
    assert rows[4] == ["no", "No", "0", "0.0"]
    assert rows[5] == ["total_voters", "", "1", ""]
    assert len(rows) == 6


def test_two_runs_in_the_same_minute_leave_one_history_object(client, frozen):
    poll = create_poll(client)
    vote(client, poll["id"], ["yes"], new_voter())
    run_scheduled(client)
    first = read(keys(f"results/{poll['id']}/history/")[0])["Body"].read()
    frozen(10)
    second = run_scheduled(client)
    assert (second["written"], second["skipped"]) == (0, 1)
    history = keys(f"results/{poll['id']}/history/")
    assert len(history) == 1
    assert read(history[0])["Body"].read() == first


def test_a_change_within_the_minute_overwrites_that_minutes_history_object(client, frozen):
    poll = create_poll(client)
    run_scheduled(client)
    vote(client, poll["id"], ["no"], new_voter())
    frozen(15)
    assert run_scheduled(client)["written"] == 1
    history = keys(f"results/{poll['id']}/history/")
    assert len(history) == 1
    assert json.loads(read(history[0])["Body"].read())["total_voters"] == 1


def test_a_new_minute_with_new_votes_adds_a_history_object(client, frozen):
    poll = create_poll(client)
    run_scheduled(client)
    frozen(60)
    vote(client, poll["id"], ["no"], new_voter())
    run_scheduled(client)
    assert len(keys(f"results/{poll['id']}/history/")) == 2


def test_unchanged_polls_are_skipped_without_s3_writes(client, calls, frozen):
    polls = [create_poll(client) for _ in range(3)]
    run_scheduled(client)
    vote(client, polls[1]["id"], ["yes"], new_voter())
    frozen(60)
    calls.clear()
    report = run_scheduled(client)
    assert (report["written"], report["skipped"]) == (1, 2)
    assert report["written_polls"] == [polls[1]["id"]]
    puts = [c.params["Key"] for c in calls.calls if c.operation == "PutObject"]
    assert sorted(puts) == sorted(
        [
            f"results/{polls[1]['id']}/latest.json",
            f"results/{polls[1]['id']}/latest.csv",
            f"r/{polls[1]['id']}",
            f"results/{polls[1]['id']}/history/{to_iso(clock.now())[:16].replace(':', '-')}Z.json",
            "results/index.json",
        ]
    )


def test_a_closed_poll_gets_one_final_snapshot_and_is_then_no_longer_read(client, calls, frozen):
    poll = create_poll(client)
    vote(client, poll["id"], ["yes"], new_voter())
    run_scheduled(client)
    patch(client, poll["id"], status="closed")
    frozen(60)
    assert run_scheduled(client)["written_polls"] == [poll["id"]]
    latest = json.loads(read(f"results/{poll['id']}/latest.json")["Body"].read())
    assert latest["status"] == "closed"
    for _ in range(3):  # its stream shard's tally is sealed into its base once idle, then dropped, then forgotten
        assert [d.poll.id for d in due_polls()] == [poll["id"]]
        frozen(600)
        assert run_scheduled(client)["written"] == 0  # the counts shown do not change
    assert [d.poll.id for d in due_polls()] == []
    assert json.loads(read(f"results/{poll['id']}/latest.json")["Body"].read())["total_voters"] == 1
    frozen(60)
    calls.clear()
    report = run_scheduled(client)
    assert (report["written"], report["skipped"], report["failed"]) == (0, 0, 0)
    assert calls.operations("dynamodb") == ["Query"]


def test_a_poll_whose_close_time_passes_gets_its_final_snapshot(client, frozen):
    poll = create_poll(client, closes_at=to_iso(clock.now() + 90))  # the frozen clock, not the wall clock
    run_scheduled(client)
    frozen(120)
    assert run_scheduled(client)["written"] == 1
    assert json.loads(read(f"results/{poll['id']}/latest.json")["Body"].read())["status"] == "closed"
    assert due_polls() == []


def test_reopening_a_poll_puts_it_back_on_the_schedule(client, frozen):
    poll = create_poll(client)
    patch(client, poll["id"], status="closed")
    run_scheduled(client)
    assert due_polls() == []
    patch(client, poll["id"], status="open")
    frozen(60)
    assert run_scheduled(client)["written_polls"] == [poll["id"]]


def test_scheduled_polls_are_not_snapshotted_before_they_open(client, frozen):
    from tests.helpers import iso_in

    poll = create_poll(client, opens_at=iso_in(3600))
    assert run_scheduled(client)["written"] == 0
    assert keys("results/") == keys("private/") == []
    assert keys("polls/") == [f"polls/{poll['id']}.json"]  # the edge document says when it opens


@pytest.mark.parametrize("visibility", ["after_vote", "never", "after_close"])
def test_hidden_results_polls_are_snapshotted_under_the_private_prefix(client, frozen, visibility):
    poll = create_poll(client, results_visibility=visibility)
    run_scheduled(client)
    assert keys(f"results/{poll['id']}/") == []
    assert f"private/results/{poll['id']}/latest.json" in keys("private/")
    assert read(f"private/results/{poll['id']}/latest.json")["CacheControl"] == "private, no-store"
    private_index = json.loads(read("private/results/index.json")["Body"].read())
    assert [p["id"] for p in private_index["polls"]] == [poll["id"]]
    assert "results/index.json" not in keys("results/")


def test_after_close_results_move_to_the_public_prefix_when_the_poll_closes(client, frozen):
    poll = create_poll(client, results_visibility="after_close")
    run_scheduled(client)
    patch(client, poll["id"], status="closed")
    frozen(60)
    run_scheduled(client)
    assert f"results/{poll['id']}/latest.json" in keys("results/")
    public_index = json.loads(read("results/index.json")["Body"].read())
    assert [p["id"] for p in public_index["polls"]] == [poll["id"]]
    private_index = json.loads(read("private/results/index.json")["Body"].read())
    assert private_index["polls"] == []


def test_a_failing_poll_does_not_stop_the_others_and_is_retried_next_run(client, faults, frozen):
    polls = [create_poll(client) for _ in range(3)]
    faults.add("PutObject", aws_error("InternalError", status=500), times=1)
    report = run_scheduled(client)
    assert (report["written"], report["failed"]) == (2, 1)
    failed = report["failures"][0]["poll_id"]
    assert failed in {p["id"] for p in polls}
    frozen(60)
    retry = run_scheduled(client)
    assert retry["written_polls"] == [failed]


def test_a_poll_that_cannot_be_read_is_reported_and_the_rest_written(client, frozen, monkeypatch):
    from chalicelib.core.errors import ServiceUnavailable

    polls = [create_poll(client) for _ in range(2)]
    store = adapters.store()
    original = store.read_view

    def unreadable_first(poll_id, consistent):
        if poll_id == polls[0]["id"]:
            raise ServiceUnavailable("throttled")
        return original(poll_id, consistent)

    monkeypatch.setattr(store, "read_view", unreadable_first)
    report = run_scheduled(client)
    assert report["written_polls"] == [polls[1]["id"]]
    assert report["failures"][0]["poll_id"] == polls[0]["id"]


def test_an_index_failure_leaves_the_polls_to_be_written_again(client, faults, frozen):
    poll = create_poll(client)
    faults.add("GetObject", aws_error("InternalError", status=500), times=1)
    report = run_scheduled(client)
    assert report["failed"] == 1 and report["written"] == 0
    frozen(60)
    assert run_scheduled(client)["written_polls"] == [poll["id"]]
    assert "results/index.json" in keys()


def test_a_run_over_250_active_polls_reads_each_once_and_never_scans(client, calls, frozen):
    seed_active_polls(250)
    calls.clear()
    report = run_scheduled(client)
    assert report["written"] == 250
    dynamo = calls.count("dynamodb")
    assert dynamo["Query"] == 1 + 250  # the snapshot index, then each poll's definition and tallies
    assert dynamo["UpdateItem"] == 250  # one mark per written poll
    assert sum(dynamo.values()) == 1 + 250 + 250
    s3_calls = calls.count("s3")
    assert s3_calls["PutObject"] == 4 * 250 + 1  # latest JSON, CSV, results page, history; the index
    assert s3_calls["GetObject"] == 2
    frozen(60)
    calls.clear()
    unchanged = run_scheduled(client)
    assert unchanged["skipped"] == 250
    assert calls.count("dynamodb") == {"Query": 251}
    assert calls.count("s3") == {}


def test_the_admin_route_runs_the_job_and_returns_its_report(client, frozen):
    poll = create_poll(client)
    response = client.http.post("/snapshots", headers=ADMIN)
    assert response.status_code == 200
    assert response.json_body["written_polls"] == [poll["id"]]
    assert response.json_body["snapshot_at"] == to_iso(clock.now())
    refused = client.http.post("/snapshots")
    assert refused.status_code == 401 and error_code(refused) == "unauthorized"


def test_the_schedule_rate_comes_from_the_stage_settings(monkeypatch):
    import importlib

    import app as app_module

    monkeypatch.setenv("SNAPSHOT_RATE_MINUTES", "5")
    reloaded = importlib.reload(app_module)
    try:
        schedule = next(s for s in reloaded.app.event_sources if s.name == "snapshot_results")
        assert schedule.schedule_expression.to_string() == "rate(5 minutes)"
    finally:
        monkeypatch.delenv("SNAPSHOT_RATE_MINUTES")
        importlib.reload(app_module)


@pytest.mark.parametrize(
    ("epoch", "name"), [(0, "1970-01-01T00-00Z"), (3599.9, "1970-01-01T00-59Z"), (1795600800, "2026-11-25T10-00Z")]
)
def test_history_files_are_named_for_their_utc_minute(epoch, name):
    assert minute_key(epoch) == name


def test_history_objects_are_tagged_for_the_lifecycle_rule(client, frozen):
    poll = create_poll(client)
    run_scheduled(client)
    history = keys(f"results/{poll['id']}/history/")[0]
    tags = s3().get_object_tagging(Bucket=get_settings().results_bucket, Key=history)["TagSet"]
    assert tags == [{"Key": "kind", "Value": "history"}]
    latest_tags = s3().get_object_tagging(Bucket=get_settings().results_bucket, Key=f"results/{poll['id']}/latest.json")
    assert latest_tags["TagSet"] == []


def test_open_polls_are_read_eventually_consistent_and_final_snapshots_strongly(client, calls, frozen):
    still_open = create_poll(client)
    closing = create_poll(client)
    patch(client, closing["id"], status="closed")
    calls.clear()
    run_scheduled(client)
    reads = {
        c.params["ExpressionAttributeValues"][":id"]["S"]: c.params["ConsistentRead"]
        for c in calls.calls
        if c.operation == "Query" and ":id" in c.params.get("ExpressionAttributeValues", {})
    }
    assert reads == {still_open["id"]: False, closing["id"]: True}
