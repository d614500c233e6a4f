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
from chalicelib.runtime.settings import get_settings
from chalicelib.services import exports
from chalicelib.store import adapters
from tests.api.conftest import EDGE_KEY
from tests.api.test_audience import cast
from tests.conftest import ADMIN, JSON
from tests.helpers import create_poll, error_code, folded

TODAY = layout.day_of(time.time())
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


def export(client, day: str | None = TODAY) -> Any:
    body = None if day is None else json.dumps({"day": day})
    return client.http.post("/exports", headers={**ADMIN, **JSON}, body=body)


def exported_keys(day: str = TODAY) -> list[str]:
    return sorted(item.key for item in bucket().objects.filter(Prefix=layout.day_prefix(day)))


def read_back(tmp_path, day: str = TODAY) -> list[dict[str, Any]]:
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


def test_the_exported_files_read_back_match_the_fold_for_every_poll(client, voted, tmp_path):
    answer = export(client)
    assert answer.status_code == 200, answer.body
    assert answer.json_body == {
        "day": TODAY,
        "keys": sorted(layout.object_key(TODAY, p) for p in voted),
        "complete": True,
    }
    rows = read_back(tmp_path)
    for poll_id in voted:
        counted = [r for r in rows if r["poll"] == poll_id and not r["voided"]]
        counts = adapters.store().read_view(poll_id, consistent=True).counts
        assert len(counted) == counts.voters
        votes = Counter(option for r in counted for option in r["options"])
        assert {o: votes.get(o, 0) for o in counts.votes} == counts.votes
    assert sum(r["voided"] for r in rows) == 3  # the voided source's ballots stay, marked
    assert Counter(r["country"] for r in rows if r["poll"] == voted[0]) == {"GB": 3, "FR": 3}
    assert {r["site"] for r in rows if r["poll"] == voted[1]} == {"spiegel.de", "direct"}


def test_an_export_row_holds_no_voter_or_source_hash(client, voted):
    assert export(client).status_code == 200
    body = bucket().Object(layout.object_key(TODAY, voted[0])).get()["Body"].read()
    rows = [json.loads(line) for line in gzip.decompress(body).decode().splitlines()]
    assert {tuple(sorted(r)) for r in rows} == {("country", "minute", "options", "poll", "site", "surface", "voided")}
    ballots = boto3.client("dynamodb").scan(TableName=get_settings().ballots_table)["Items"]
    secrets = {b["pk"]["S"][2:] for b in ballots} | {b["src"]["S"] for b in ballots if "src" in b}
    text = gzip.decompress(body).decode()
    assert len(secrets) > 11 and not [s for s in secrets if s in text]


def test_a_rerun_of_a_day_replaces_it_and_removes_a_deleted_polls_file(client, voted, tmp_path):
    assert export(client).status_code == 200
    (tmp_path / "first").mkdir()
    first = read_back(tmp_path / "first")
    deleted = client.http.delete(f"/polls/{voted[2]}", headers=ADMIN)
    assert deleted.status_code == 204
    again = export(client)
    assert again.json_body["keys"] == sorted(layout.object_key(TODAY, p) for p in voted[:2])
    assert exported_keys() == again.json_body["keys"]
    (tmp_path / "second").mkdir()
    second = read_back(tmp_path / "second")
    assert len(second) == len([r for r in first if r["poll"] != voted[2]])


def test_a_run_cut_short_stops_between_polls_and_the_next_finishes_the_same(client, voted, monkeypatch, tmp_path):
    ticks = iter(range(1000))
    monkeypatch.setattr(exports, "time", SimpleNamespace(monotonic=lambda: next(ticks)))
    cut = exports.export_day(TODAY, deadline=1)  # the clock ticks once a poll: one poll, then the deadline
    assert (cut.done, cut.complete) == ([voted[0]], False)
    assert exported_keys() == [layout.object_key(TODAY, voted[0])]
    answer = export(client)  # an incomplete day goes on from where it stopped
    assert answer.json_body["complete"] is True
    assert answer.json_body["keys"] == sorted(layout.object_key(TODAY, p) for p in voted)
    assert len(read_back(tmp_path)) == 6 + 4 + 1


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
    answer = client.http.post("/exports", headers={**ADMIN, **JSON}, body=json.dumps(body))
    assert answer.status_code == 400, answer.body
    assert error_code(answer) == "invalid_day"
    assert list(bucket().objects.filter(Prefix=layout.PREFIX)) == []


@pytest.mark.parametrize("body", ['{"day": "2026-12-01", "poll": "x"}', "[]", "{"], ids=["unknown", "array", "json"])
def test_a_bad_body_is_refused_as_invalid_json(client, body):
    answer = client.http.post("/exports", headers={**ADMIN, **JSON}, body=body)
    assert answer.status_code == 400, answer.body
    assert error_code(answer) == "invalid_json"
    assert list(bucket().objects.filter(Prefix=layout.PREFIX)) == []


def test_an_editor_may_not_export(client, editor):
    refused = client.http.post("/exports", headers=editor, body=json.dumps({"day": TODAY}))
    assert refused.status_code == 403
    assert error_code(refused) == "forbidden"


def test_an_export_request_is_audited_with_its_day(client, voted):
    assert export(client).status_code == 200
    entries = client.http.get("/audit", headers=ADMIN).json_body["entries"]
    assert (entries[0]["action"], entries[0]["details"]) == ("export", {"day": TODAY})


def test_the_schedule_exports_yesterday_and_finishes_an_incomplete_day(client, voted, monkeypatch):
    monkeypatch.setattr(exports.clock, "now", lambda: time.time() + 86400)  # tomorrow: today is yesterday
    ticks = iter(range(1000))
    monkeypatch.setattr(exports, "time", SimpleNamespace(monotonic=lambda: next(ticks)))
    cut = exports.export_day(TODAY, deadline=1)
    assert not cut.complete
    monkeypatch.setattr(exports, "time", time)
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=["arn:aws:events:rule/export"]
    )
    report = client.lambda_.invoke("export_ballots", event).payload
    assert report == {TODAY: {"files": 3, "complete": True}}
    assert exported_keys() == sorted(layout.object_key(TODAY, p) for p in voted)
