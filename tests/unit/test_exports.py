"""The analytics export's domain: the day asked for, a ballot as a row (no hash of anyone), the files' layout and
the progress a run carries on from."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace

import pytest

from chalicelib.core import exports
from chalicelib.core.audience import Dimensions
from chalicelib.core.errors import InvalidDay, InvalidJson
from chalicelib.core.forensics import BallotRecord
from chalicelib.core.poll import Block, Option, Poll, Visibility
from chalicelib.core.times import parse_iso

NOW = parse_iso("2026-12-06T10:55:00Z")
MADE = int(parse_iso("2026-11-01T00:00:00Z"))


def make_poll() -> Poll:
    """An open poll made in November."""
    options = (Option("yes", "Yes"), Option("no", "No"))
    return Poll("bridge", "Q?", options, MADE, None, False, 1, Visibility.ALWAYS, Block.VOTER, 20, MADE, "inc1")


@pytest.mark.parametrize(
    ("body", "day"),
    [(None, "2026-12-05"), ({}, "2026-12-05"), ({"day": None}, "2026-12-05"), ({"day": "2026-12-06"}, "2026-12-06")],
    ids=["no-body", "empty", "null", "today"],
)
def test_the_day_asked_for_is_yesterday_by_default(body, day):
    assert exports.parse_request(body, NOW) == day


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"day": "2026-12-07"}, InvalidDay),
        ({"day": "2026-02-29"}, InvalidDay),
        ({"day": "2026-12-06T00:00Z"}, InvalidDay),
        ({"day": ["2026-12-06"]}, InvalidDay),
        ({"day": "1999-12-31"}, InvalidDay),
        ({"day": "2025-12-31"}, InvalidDay),
        ({"days": "2026-12-06"}, InvalidJson),
        ("2026-12-06", InvalidJson),
    ],
    ids=[
        "tomorrow",
        "not-a-leap-year",
        "a-time",
        "a-list",
        "too-old",
        "before-the-tables-first-day",
        "unknown-field",
        "not-an-object",
    ],
)
def test_a_bad_request_names_its_error(body, error):
    with pytest.raises(error):
        exports.parse_request(body, NOW)


def test_a_row_holds_the_ballots_choice_minute_and_origin_and_no_hash():
    ballot = BallotRecord("b#" + "a" * 64, ("yes",), "f" * 32, int(NOW) // 60 * 60, True, Dimensions("GB", "bbc.co.uk"))
    row = exports.row("bridge", ballot)
    assert row == {
        "poll": "bridge",
        "options": ["yes"],
        "minute": "2026-12-06T10:55Z",
        "country": "GB",
        "site": "bbc.co.uk",
        "surface": "unknown",
        "voided": True,
    }
    assert "a" * 64 not in json.dumps(row) and "f" * 32 not in json.dumps(row)


def test_rows_are_gzip_json_lines_the_same_bytes_each_time():
    rows = [{"poll": "p", "n": n} for n in range(3)]
    body = exports.jsonl_gzip(rows)
    assert [json.loads(line) for line in gzip.decompress(body).splitlines()] == rows
    assert exports.jsonl_gzip(rows) == body  # no time in the gzip header: a rerun writes the same object


def test_rows_written_page_by_page_are_the_same_bytes_as_written_at_once():
    rows = [{"poll": "p", "n": n} for n in range(5)]
    writer = exports.JsonlGzip()
    for page in (rows[:2], [], rows[2:]):
        writer.write(page)
    assert (writer.close(), writer.rows) == (exports.jsonl_gzip(rows), 5)


@pytest.mark.parametrize(
    ("at", "over"),
    [("2026-12-05T23:59:59Z", False), ("2026-12-06T00:00:00Z", True), ("2026-12-05T10:00:00Z", False)],
    ids=["its-last-second", "the-next-day", "during-it"],
)
def test_a_day_is_over_only_once_the_next_has_begun(at, over):
    assert exports.is_over("2026-12-05", parse_iso(at)) is over


def test_a_days_files_and_progress_have_their_own_keys():
    assert exports.object_key("2026-12-05", "bridge") == "private/exports/ballots/day=2026-12-05/bridge.jsonl.gz"
    assert exports.object_key("2026-12-05", "bridge").startswith(exports.day_prefix("2026-12-05"))
    assert not exports.run_key("2026-12-05").startswith(exports.BALLOTS)  # never read as a table's file
    first, last = (int(parse_iso(f"2026-12-05T{time}Z")) for time in ("00:00:00", "23:59:59"))
    assert exports.day_range("2026-12-05") == (first, last)


@pytest.mark.parametrize(
    "stored",
    [None, "text", {"day": "2026-12-04", "done": ["a"], "keys": [], "complete": True}, {"day": "2026-12-05"}],
    ids=["none", "not-an-object", "another-day", "no-lists"],
)
def test_progress_that_cannot_be_read_starts_the_day_again(stored):
    assert exports.Progress.from_dict("2026-12-05", stored) == exports.Progress("2026-12-05")


def test_progress_is_read_back_as_it_was_saved():
    progress = exports.Progress("2026-12-05", ["a", "b"], ["k"], complete=False)
    assert exports.Progress.from_dict("2026-12-05", json.loads(json.dumps(progress.as_dict()))) == progress


@pytest.mark.parametrize(
    ("changes", "held"),
    [
        ({}, True),
        ({"created_at": int(NOW) + 86400}, False),
        ({"closes_at": int(parse_iso("2026-12-05T00:00:30Z"))}, True),
        ({"closes_at": int(parse_iso("2026-12-04T23:58:00Z"))}, False),
        ({"closed": True, "closed_at": int(parse_iso("2026-12-04T12:00:00Z"))}, False),
        ({"closed": True, "closed_at": int(parse_iso("2026-12-05T12:00:00Z"))}, True),
        ({"closed": False, "closed_at": int(parse_iso("2026-12-04T12:00:00Z"))}, True),
    ],
    ids=[
        "open",
        "made-later",
        "closing-in-the-day",
        "closed-by-schedule-before",
        "closed-by-editor-before",
        "closed-by-editor-in-the-day",
        "reopened",
    ],
)
def test_only_polls_that_may_hold_ballots_of_the_day_are_read(changes, held):
    poll = replace(make_poll(), **changes)
    assert exports.may_hold_ballots(poll, "2026-12-05") is held
