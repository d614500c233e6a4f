"""Benchmark 11: what the audience adds to the fold: write requests and units per vote, the counts' tallies alone
(the fold before the audience) against the counts and the audience together, for batches of several sizes."""

from __future__ import annotations

import json

from bench import harness
from bench.harness import POLL, RECORDER, Section, fmt
from chalicelib.core.audience import Dimensions
from chalicelib.services import fold, votes
from local.streams import fold_now, stream_batches

BATCHES = (1, 10, 100)
QUICK_BATCHES = (1, 10)
COUNTRIES = ("GB", "FR", "DE", "US", "IE", "ES", "IT", "NL")
SITES = ("bbc.co.uk", "lemonde.fr", "direct", "spiegel.de")
SURFACES = ("widget", "widget", "widget", "hosted", "form")


def _origin(index: int) -> Dimensions:
    """A spread of origins like a syndicated poll's: eight countries, four sites, mostly the widget."""
    return Dimensions(COUNTRIES[index % 8], SITES[index % 4], SURFACES[index % 5])


def _cast(poll_id: str, count: int, start: int) -> None:
    options = ("yes", "no", "dont-know")
    for index in range(start, start + count):
        ballot = {"options": [options[index % 3]], "voter": harness.new_voter()}
        votes.cast(poll_id, ballot, f"198.51.100.{index % 250}", dimensions=_origin(index))


def _kind(call: harness.Call) -> list[tuple[str, float]]:
    """Each item a call wrote, as "counts" (the poll's tallies and markers), "audience" or "surges" (the surge
    counters, section 1a's), with its units."""
    found = []
    for _, key, wcu in call.items:
        values = json.loads(key)
        poll_key = str(next(iter(values.get("id", {"S": ""}).values())))
        kind = "audience" if "#a" in poll_key else "surges" if "#v" in poll_key else "counts"
        found.append((kind, wcu))
    return found


def _fold(size: int) -> dict[str, float]:
    """Fold one batch of `size` ballots on a shard that already folded this poll; what each kind of write cost."""
    events = stream_batches(harness.get_settings().ballots_table)
    RECORDER.clear()
    for event in events:
        fold.fold(event)
    totals = {"counts_requests": 0.0, "counts_wcu": 0.0, "audience_requests": 0.0, "audience_wcu": 0.0, "rcu": 0.0}
    totals.update({"surges_requests": 0.0, "surges_wcu": 0.0})
    for call in RECORDER.calls:
        kinds = _kind(call)
        totals["rcu"] += call.rcu
        if not kinds and call.operation == "GetItem":
            totals["audience_requests" if "#a" in json.dumps(call.params) else "counts_requests"] += 1
        for kind, wcu in kinds:
            totals[f"{kind}_wcu"] += wcu
        if kinds:
            totals[f"{kinds[0][0]}_requests"] += 1
    totals["votes"] = size
    return totals


def measure(sizes: tuple[int, ...]) -> dict[int, dict[str, float]]:
    """For each batch size: a poll with a warm shard (one batch folded before), then one batch of that size."""
    found: dict[int, dict[str, float]] = {}
    with harness.backend() as api:
        for size in sizes:
            poll_id = str(api.create_poll(**POLL, challenge="none", address_limit=None)["id"])
            _cast(poll_id, 8, 0)
            fold_now(publish=False)  # the shard's tallies exist: the measured batch is a later one
            _cast(poll_id, size, 8)
            found[size] = _fold(size)
    return found


def run(quick: bool = False) -> list[Section]:
    """Run benchmark 11 and return its section."""
    found = measure(QUICK_BATCHES if quick else BATCHES)
    data = {str(size): totals for size, totals in found.items()}
    section = Section("11. Audience: what it adds to the fold, write units per vote", data=data)
    rows = []
    for size, totals in found.items():
        counts, audience = totals["counts_wcu"], totals["audience_wcu"]
        rows.append(
            [
                f"{size} ballot{'s' if size > 1 else ''}",
                f"{fmt(totals['counts_requests'])} / {fmt(totals['audience_requests'])}",
                f"{fmt(counts)} / {fmt(audience)}",
                fmt(counts / size, 2),
                fmt((counts + audience) / size, 2),
            ]
        )
    section.table(
        [
            "one fold batch of one poll",
            "requests: counts / audience",
            "WCU: counts / audience",
            "WCU a vote, counts only (before)",
            "WCU a vote, with the audience (after)",
        ],
        rows,
    )
    section.notes += [
        "Measured on moto with bench/harness.py's capacity rules (section 1a's notes): a poll with three options, "
        "votes from eight countries, four sites and three surfaces (cast through the vote service with their "
        "origins), a shard that already folded the poll (so the batch is a later one: the counts' write is one "
        "conditional UpdateItem), then one batch of each size. 'Before' is the counts' tallies alone, which is what "
        "the fold wrote before the audience; 'after' adds the audience tallies: one conditional UpdateItem per group "
        "a batch touches (countries, sites, surfaces, and each hour of minutes), written in their own partitions "
        "(16 a poll, picked by the stream shard), never the poll's.",
        "An audience write costs 1 WCU per KB of its tally (the larger of before and after), and a shard's tally grows "
        "with the groups it has seen (a country tally of eight countries and three options is under 1 KB; 100 "
        "countries of 20 options would be about 20 KB). Per vote it falls as batches grow: at a viral poll's rates a "
        "batch holds hundreds of ballots. The vote itself (201) and the results read are unchanged: one request each "
        "(section 1a). The fold's surge counters (one UpdateItem per minute and bucket a batch touches, section 1a's "
        "notes) are left out of both columns.",
    ]
    return [section]
