"""The analytics export: a day's ballots of every poll to the bucket as gzip JSON Lines, read back with DuckDB and
held against the fold; idempotent (a rerun replaces the day), resumable (a run stops and the next carries on),
and never a voter's or a source's hash."""

from __future__ import annotations

import gzip
import json
import time
from collections import Counter
from types import SimpleNamespace
from typing import Any

import boto3
import duckdb
import pytest

from chalicelib.core import exports as layout
from chalicelib.runtime import clock
from chalicelib.runtime.settings import get_settings
from chalicelib.services import exports
from chalicelib.store import adapters
from tests.api.conftest import EDGE_KEY
from tests.api.test_audience import cast
from tests.conftest import ADMIN, JSON
from tests.helpers import aws_error, create_poll, error_code, folded

# The Glue table's columns (infra/analytics.py), in DuckDB's types: read as Athena reads them.
COLUMNS = {
    "poll": "VARCHAR",
    "options": "VARCHAR[]",
    "minute": "VARCHAR",
    "country": "VARCHAR",
    "site": "VARCHAR",
    "surface": "VARCHAR",
    "voided": "BOOLEAN",
}


def bucket() -> Any:
    return boto3.resource("s3").Bucket(get_settings().results_bucket)


@pytest.fixture
def today() -> str:
    """The UTC day the test runs in (computed per test, so a run across midnight still agrees)."""
    return layout.day_of(clock.now())


def export(client, day: str | None) -> Any:
    body = None if day is None else json.dumps({"day": day})
    return client.http.post("/exports", headers={**ADMIN, **JSON}, body=body)


def exported_objects() -> list[tuple[str, str]]:
    return sorted((item.key, item.e_tag) for item in bucket().objects.filter(Prefix=layout.PREFIX))


def exported_keys(day: str) -> list[str]:
    return sorted(item.key for item in bucket().objects.filter(Prefix=layout.day_prefix(day)))


def read_back(tmp_path, day: str) -> list[dict[str, Any]]:
    """Download the day's files and read every row with DuckDB, as Athena would read the prefix."""
    for item in bucket().objects.filter(Prefix=layout.day_prefix(day)):
        bucket().download_file(item.key, str(tmp_path / item.key.rsplit("/", 1)[-1]))
    if not list(tmp_path.glob("*.jsonl.gz")):
        return []
    found = duckdb.sql(
        f"SELECT * FROM read_json('{tmp_path}/*.jsonl.gz', format='newline_delimited', columns={COLUMNS})"
    )
    names = found.columns
    return [dict(zip(names, values, strict=True)) for values in found.fetchall()]


def from_edge(country: str, origin: str | None, address: str = "198.51.100.7") -> dict[str, str]:
    headers = {"X-Origin-Verify": EDGE_KEY, "CloudFront-Viewer-Address": f"{address}:4000"}
    headers["CloudFront-Viewer-Country"] = country
    return {**headers, "Origin": origin} if origin else headers


def void_first_source(client, poll_id: str) -> None:
    sources = client.http.get(f"/polls/{poll_id}/forensics", headers=ADMIN).json_body["sources"]
    body = json.dumps({"source": sources[0]["source"], "reason": "stuffed"})
    answer = client.http.post(f"/polls/{poll_id}/void", headers={**ADMIN, **JSON}, body=body)
    assert answer.status_code == 200, answer.body


@pytest.fixture
def voted(client, edge_key) -> list[str]:
    """Three polls voted in from several countries and sites, one with a source's ballots voided, one closed."""
    polls = [create_poll(client, id=f"export-{n}")["id"] for n in range(3)]
    for option, country, origin, address in [
        ("yes", "GB", "https://www.bbc.co.uk", "198.51.100.7"),
        ("no", "FR", "https://www.lemonde.fr", "203.0.113.9"),
    ]:
        for _ in range(3):
            cast(client, polls[0], option, from_edge(country, origin, address))
    for _ in range(2):
        cast(client, polls[1], "dont-know", {})
        cast(client, polls[1], "no", from_edge("DE", "https://www.spiegel.de"))
    cast(client, polls[2], "yes", from_edge("US", None))
    folded()
    void_first_source(client, polls[0])
    folded()
    closed = client.http.patch(f"/polls/{polls[2]}", headers={**ADMIN, **JSON}, body=json.dumps({"status": "closed"}))
    assert closed.status_code == 200
    return polls


def test_the_exported_files_read_back_match_the_fold_for_every_poll(client, voted, tmp_path, today):
    answer = export(client, today)
    assert answer.status_code == 200, answer.body
    assert answer.json_body == {
        "day": today,
        "keys": sorted(layout.object_key(today, p) for p in voted),
        "complete": True,
    }
    rows = read_back(tmp_path, today)
    for poll_id in voted:
        counted = [r for r in rows if r["poll"] == poll_id and not r["voided"]]
        counts = adapters.store().read_view(poll_id, consistent=True).counts
        assert len(counted) == counts.voters
        votes = Counter(option for r in counted for option in r["options"])
        assert {o: votes.get(o, 0) for o in counts.votes} == counts.votes
    assert sum(r["voided"] for r in rows) == 3  # the voided source's ballots stay, marked
    assert Counter(r["country"] for r in rows if r["poll"] == voted[0]) == {"GB": 3, "FR": 3}
    assert {r["site"] for r in rows if r["poll"] == voted[1]} == {"spiegel.de", "direct"}


def test_an_export_row_holds_no_voter_or_source_hash(client, voted, today):
    assert export(client, today).status_code == 200
    body = bucket().Object(layout.object_key(today, voted[0])).get()["Body"].read()
    rows = [json.loads(line) for line in gzip.decompress(body).decode().splitlines()]
    assert {tuple(sorted(r)) for r in rows} == {("country", "minute", "options", "poll", "site", "surface", "voided")}
    ballots = boto3.client("dynamodb").scan(TableName=get_settings().ballots_table)["Items"]
    secrets = {b["pk"]["S"][2:] for b in ballots} | {b["src"]["S"] for b in ballots if "src" in b}
    text = gzip.decompress(body).decode()
    assert len(secrets) > 11 and not [s for s in secrets if s in text]


def test_a_rerun_of_a_day_replaces_it_and_removes_a_deleted_polls_file(client, voted, tmp_path, today):
    assert export(client, today).status_code == 200
    (tmp_path / "first").mkdir()
    first = read_back(tmp_path / "first", today)
    deleted = client.http.delete(f"/polls/{voted[2]}", headers=ADMIN)
    assert deleted.status_code == 204
    again = export(client, today)
    assert again.json_body["keys"] == sorted(layout.object_key(today, p) for p in voted[:2])
    assert exported_keys(today) == again.json_body["keys"]
    (tmp_path / "second").mkdir()
    second = read_back(tmp_path / "second", today)
    assert len(second) == len([r for r in first if r["poll"] != voted[2]])


def test_a_run_cut_short_stops_between_polls_and_the_next_finishes_the_same(
    client, voted, monkeypatch, tmp_path, today, frozen
):
    frozen(after(today))  # the day is over: a run's progress is kept for the next
    ticks = iter(range(1000))
    monkeypatch.setattr(exports, "time", SimpleNamespace(monotonic=lambda: next(ticks)))
    cut = exports.export_day(today, deadline=1)  # the clock ticks once a poll: one poll, then the deadline
    assert (cut.done, cut.complete) == ([voted[0]], False)
    assert exported_keys(today) == [layout.object_key(today, voted[0])]
    answer = export(client, today)  # an incomplete day goes on from where it stopped
    assert answer.json_body["complete"] is True
    assert answer.json_body["keys"] == sorted(layout.object_key(today, p) for p in voted)
    assert len(read_back(tmp_path, today)) == 6 + 4 + 1


def test_without_a_day_yesterday_is_exported(client, voted):
    answer = export(client, day=None)
    assert answer.status_code == 200
    assert answer.json_body == {"day": layout.yesterday(time.time()), "keys": [], "complete": True}


@pytest.mark.parametrize(
    "body",
    [
        {"day": "2026-13-01"},
        {"day": "2026-02-30"},
        {"day": "06/12/2026"},
        {"day": "2026-12-6"},
        {"day": 20261206},
        {"day": "2999-01-01"},
        {"day": "1999-12-31"},
    ],
    ids=["month", "no-such-date", "format", "short", "number", "future", "too-old"],
)
def test_a_bad_day_is_refused_and_nothing_is_written(client, voted, body):
    before = exported_objects()  # the void in `voted` marked its day's export out of date
    answer = client.http.post("/exports", headers={**ADMIN, **JSON}, body=json.dumps(body))
    assert answer.status_code == 400, answer.body
    assert error_code(answer) == "invalid_day"
    assert exported_objects() == before


@pytest.mark.parametrize("body", ['{"day": "2026-12-01", "poll": "x"}', "[]", "{"], ids=["unknown", "array", "json"])
def test_a_bad_body_is_refused_as_invalid_json(client, body):
    answer = client.http.post("/exports", headers={**ADMIN, **JSON}, body=body)
    assert answer.status_code == 400, answer.body
    assert error_code(answer) == "invalid_json"
    assert list(bucket().objects.filter(Prefix=layout.PREFIX)) == []


def test_an_editor_may_not_export(client, editor, today):
    refused = client.http.post("/exports", headers=editor, body=json.dumps({"day": today}))
    assert refused.status_code == 403
    assert error_code(refused) == "forbidden"


def test_an_export_request_is_audited_with_its_day(client, voted, today):
    assert export(client, today).status_code == 200
    entries = client.http.get("/audit", headers=ADMIN).json_body["entries"]
    assert (entries[0]["action"], entries[0]["details"]) == ("export", {"day": today})


def test_the_schedule_exports_yesterday_and_finishes_an_incomplete_day(client, voted, monkeypatch, today):
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + 86400)  # tomorrow: today is yesterday
    ticks = iter(range(1000))
    monkeypatch.setattr(exports, "time", SimpleNamespace(monotonic=lambda: next(ticks)))
    cut = exports.export_day(today, deadline=1)
    assert not cut.complete
    monkeypatch.setattr(exports, "time", time)
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=["arn:aws:events:rule/export"]
    )
    report = client.lambda_.invoke("export_ballots", event).payload
    assert report == {today: {"files": 3, "complete": True}}
    assert exported_keys(today) == sorted(layout.object_key(today, p) for p in voted)


@pytest.fixture
def frozen(monkeypatch):
    """Pin the clock; returns a setter to move it to a time."""
    now = {"at": float(int(clock.now()))}
    monkeypatch.setattr(clock, "now", lambda: now["at"])
    return lambda at: now.__setitem__("at", float(at))


def run_schedule(client) -> dict[str, Any]:
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=["arn:aws:events:rule/export"]
    )
    return client.lambda_.invoke("export_ballots", event).payload


def after(day: str, days: int = 1) -> int:
    """Return 00:15 UTC (the schedule's time) `days` days after a day began."""
    return layout.day_range(day)[0] + days * 86400 + 900


def test_each_index_page_is_compressed_before_the_last_is_read(client, voted, monkeypatch, today):
    events: list[str] = []
    store, write = adapters.store(), layout.JsonlGzip.write
    index_page = store.index_page
    monkeypatch.setattr(store, "index_page", lambda *a: (events.append("read"), index_page(*a))[1])
    monkeypatch.setattr(layout.JsonlGzip, "write", lambda self, rows: (events.append("write"), write(self, rows))[0])
    assert exports._export_poll(store.get_poll(voted[0]), today) == layout.object_key(today, voted[0])
    reads = [n for n, event in enumerate(events) if event == "read"]
    assert events.index("write") < reads[-1]  # a poll's rows are compressed as its pages come, never gathered first


def test_a_day_exported_before_it_is_over_is_exported_again_by_the_next_nights_schedule(client, frozen, tmp_path):
    day = layout.day_of(clock.now())
    poll_id = create_poll(client, id="export-today")["id"]
    for _ in range(2):
        cast(client, poll_id, "yes", {})
    answer = export(client, day)
    assert answer.json_body["complete"] is True  # every poll written so far
    assert layout.Progress.from_dict(day, adapters.archive().get_json(layout.run_key(day))).complete is False
    for _ in range(3):
        cast(client, poll_id, "no", {})  # later the same day
    frozen(after(day))
    assert run_schedule(client)[day] == {"files": 1, "complete": True}
    assert Counter(r["options"][0] for r in read_back(tmp_path, day)) == {"yes": 2, "no": 3}
    assert layout.Progress.from_dict(day, adapters.archive().get_json(layout.run_key(day))).complete is True


def test_a_void_after_a_day_was_exported_reaches_the_export_on_the_next_schedule(client, edge_key, frozen, tmp_path):
    day = layout.day_of(clock.now())
    poll_id = create_poll(client, id="export-voided")["id"]
    for option, address in [("yes", "198.51.100.7"), ("yes", "198.51.100.7"), ("no", "203.0.113.9")]:
        cast(client, poll_id, option, from_edge("GB", "https://www.bbc.co.uk", address))
    folded()
    frozen(after(day))
    assert export(client, day).json_body["complete"] is True  # the day is over: recorded complete
    (tmp_path / "before").mkdir()
    assert not any(r["voided"] for r in read_back(tmp_path / "before", day))
    frozen(after(day, 10))  # ten days on, within the schedule's look-back
    void_first_source(client, poll_id)
    report = run_schedule(client)
    assert report[day] == {"files": 1, "complete": True}
    (tmp_path / "after").mkdir()
    rows = read_back(tmp_path / "after", day)
    assert sorted((r["options"][0], r["voided"]) for r in rows) == [("no", False), ("yes", True), ("yes", True)]
    assert day not in run_schedule(client)  # redone once: complete again


def test_a_void_during_an_export_run_stops_it_and_leaves_the_day_to_redo(client, voted, monkeypatch, today):
    export_poll, voids = exports._export_poll, [today]

    def void_meanwhile(poll, day):
        key = export_poll(poll, day)
        exports.invalidate(set(voids[:1]))  # a void marks ballots of the day after this poll was read, once
        voids.clear()
        return key

    monkeypatch.setattr(exports, "_export_poll", void_meanwhile)
    cut = exports.export_day(today, time.monotonic() + 60)
    assert (cut.done, cut.complete) == ([], False)
    assert adapters.archive().get_json(layout.run_key(today))["stale"] is True  # left for the next run
    again = exports.export_day(today, time.monotonic() + 60, restart=False)
    assert again.complete and again.keys == sorted(layout.object_key(today, p) for p in voted)


def test_a_void_rewrites_the_progress_of_each_day_it_touched_once(client, edge_key, frozen, monkeypatch):
    day = layout.day_of(clock.now())
    poll_id = create_poll(client, id="export-void-cost")["id"]
    for _ in range(3):
        cast(client, poll_id, "yes", from_edge("FR", None))
    frozen(after(day))
    cast(client, poll_id, "no", from_edge("FR", None))
    folded()
    writes: list[str] = []
    archive = adapters.archive()
    put = archive.put
    monkeypatch.setattr(type(archive), "put", lambda self, key, *a, **k: (writes.append(key), put(key, *a, **k))[1])
    void_first_source(client, poll_id)
    runs = sorted(k for k in writes if k.startswith(layout.RUNS))
    assert runs == [layout.run_key(day), layout.run_key(layout.day_of(clock.now()))]


def test_the_exported_countries_sites_and_surfaces_agree_with_the_folded_audience(client, edge_key, tmp_path, today):
    poll_id = create_poll(client, id="export-audience")["id"]
    for option, country, origin, address in [
        ("yes", "GB", "https://www.bbc.co.uk", "198.51.100.7"),
        ("no", "GB", "https://www.bbc.co.uk", "198.51.100.8"),
        ("no", "FR", "https://m.lemonde.fr", "203.0.113.9"),
        ("yes", "DE", None, "192.0.2.1"),
    ]:
        for _ in range(2):
            cast(client, poll_id, option, from_edge(country, origin, address))
    cast(client, poll_id, "dont-know", {})  # a program: no edge, no origin
    folded()
    void_first_source(client, poll_id)
    folded()
    assert export(client, today).status_code == 200
    counted = [r for r in read_back(tmp_path, today) if not r["voided"]]
    audience = adapters.store().audience(adapters.store().get_poll(poll_id))
    for letter, column in [("c", "country"), ("s", "site"), ("f", "surface")]:
        folded_voters = {key: c.voters for key, c in audience.groups[letter].items() if c.voters > 0}
        assert Counter(r[column] for r in counted) == folded_voters, column


def test_a_run_of_a_day_not_over_cut_short_keeps_no_progress_and_the_schedule_exports_the_day_whole(
    client, frozen, monkeypatch, tmp_path
):
    day = layout.day_of(clock.now())
    polls = [create_poll(client, id=f"export-cut-{n}")["id"] for n in range(2)]
    for poll_id in polls:
        cast(client, poll_id, "yes", {})
    ticks = iter(range(1000))
    monkeypatch.setattr(exports, "time", SimpleNamespace(monotonic=lambda: next(ticks)))
    cut = exports.export_day(day, deadline=1)  # one poll, then the deadline
    assert (len(cut.done), cut.complete) == (1, False)
    stored = layout.Progress.from_dict(day, adapters.archive().get_json(layout.run_key(day)))
    assert stored.done == []  # its polls get more ballots today: nothing of this run is kept as done
    cast(client, polls[0], "no", {})  # later the same day, in the poll the cut run had written
    monkeypatch.setattr(exports, "time", time)
    frozen(after(day))
    assert run_schedule(client)[day] == {"files": 2, "complete": True}
    assert Counter(r["options"][0] for r in read_back(tmp_path, day) if r["poll"] == polls[0]) == {"yes": 1, "no": 1}


def test_a_void_cut_short_by_a_failure_still_marks_its_days_out_of_date(client, edge_key, frozen, faults):
    day = layout.day_of(clock.now())
    poll_id = create_poll(client, id="export-void-cut")["id"]
    for _ in range(3):
        cast(client, poll_id, "yes", from_edge("GB", None))
    folded()
    frozen(after(day))
    assert export(client, day).json_body["complete"] is True
    marks = []

    def second_mark_fails(params):
        """The void marks one ballot, then its next write fails (the function dies there)."""
        if params.get("TableName") == get_settings().ballots_table:
            marks.append(1)
            if len(marks) == 2:
                return aws_error("InternalServerError", 500)(params)
        return None

    faults.add("UpdateItem", second_mark_fails, times=20)
    sources = client.http.get(f"/polls/{poll_id}/forensics", headers=ADMIN).json_body["sources"]
    body = json.dumps({"source": sources[0]["source"], "reason": "stuffed"})
    answer = client.http.post(f"/polls/{poll_id}/void", headers={**ADMIN, **JSON}, body=body)
    faults.clear()
    assert answer.status_code == 503 and len(marks) >= 2
    stored = adapters.archive().get_json(layout.run_key(day))
    assert stored.get("stale") is True  # the ballot it marked before failing: the day is redone


def test_a_walk_reads_at_most_a_hundred_ballots_a_page(client, voted, calls):
    from chalicelib.services import ledger

    poll = adapters.store().get_poll(voted[0])
    calls.clear()
    ledger.walk(poll, ledger.Position(), lambda ballots: None, time.monotonic() + 60)
    queries = [c.params for c in calls.calls if c.operation == "Query"]
    assert queries and all(q.get("Limit") == ledger.WALK_PAGE == 100 for q in queries)
