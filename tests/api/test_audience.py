"""Where a poll's voters came from: country (only from our edge), embedding site and surface on each ballot, folded
exactly into the audience like the counts, shown to editors with every small group merged into "other"."""

from __future__ import annotations

import json
import statistics
from typing import Any

import boto3
import jsonschema
import pytest
import yaml

from chalicelib.core.errors import ServiceUnavailable
from chalicelib.runtime import clock, state
from chalicelib.runtime.settings import get_settings
from chalicelib.services import fold
from chalicelib.store import adapters
from local.streams import stream_batches
from tests.api.conftest import EDGE_KEY
from tests.api.test_openapi import SPEC_PATH
from tests.conftest import ADMIN, JSON
from tests.helpers import aws_error, create_poll, error_code, folded, new_voter

SITE = "https://news.example.co.uk"


@pytest.fixture
def min_group(monkeypatch):
    """Show groups of two voters or more, with their exact counts (the defaults, 10 and noise, are proven apart)."""
    monkeypatch.setenv("AUDIENCE_MIN_GROUP", "2")
    monkeypatch.setenv("AUDIENCE_NOISE", "0")
    state.reset_all()
    yield 2
    state.reset_all()


def cast(client, poll_id: str, option: str, headers: dict[str, str] | None = None) -> Any:
    body = json.dumps({"options": [option], "voter": new_voter()})
    answer = client.http.post(f"/polls/{poll_id}/votes", headers={**JSON, **(headers or {})}, body=body)
    assert answer.status_code == 201, answer.body
    return answer


def from_edge(country: str, origin: str | None = SITE, address: str = "198.51.100.7") -> dict[str, str]:
    headers = {"X-Origin-Verify": EDGE_KEY, "CloudFront-Viewer-Address": f"{address}:4000"}
    headers["CloudFront-Viewer-Country"] = country
    if origin:
        headers["Origin"] = origin
    return headers


def audience(client, poll_id: str) -> dict[str, Any]:
    answer = client.http.get(f"/polls/{poll_id}/audience", headers=ADMIN)
    assert answer.status_code == 200, answer.body
    return answer.json_body


def rows(report: dict[str, Any], dimension: str) -> dict[str, tuple[int, dict[str, int]]]:
    return {row["key"]: (row["voters"], row["options"]) for row in report[dimension]}


def test_votes_from_countries_sites_and_surfaces_are_folded_exactly(client, edge_key, min_group):
    poll_id = create_poll(client)["id"]
    for _ in range(3):
        cast(client, poll_id, "yes", from_edge("GB", "https://www.bbc.co.uk"))
    for _ in range(2):
        cast(client, poll_id, "no", from_edge("FR", "https://m.lemonde.fr:8443"))
    cast(client, poll_id, "no", from_edge("FR", "https://www.lemonde.fr"))
    for _ in range(2):
        cast(client, poll_id, "yes", {})  # a program: no Origin, no edge
    folded()
    report = audience(client, poll_id)
    assert report["poll_id"] == poll_id and report["min_group"] == 2
    yes_no = {"yes": 0, "no": 0, "dont-know": 0}
    assert rows(report, "countries") == {
        "GB": (3, {**yes_no, "yes": 3}),
        "FR": (3, {**yes_no, "no": 3}),
        "unknown": (2, {**yes_no, "yes": 2}),
    }
    assert rows(report, "sites") == {
        "bbc.co.uk": (3, {**yes_no, "yes": 3}),
        "lemonde.fr": (3, {**yes_no, "no": 3}),
        "direct": (2, {**yes_no, "yes": 2}),
    }
    assert rows(report, "surfaces") == {"widget": (6, {**yes_no, "yes": 3, "no": 3}), "api": (2, {**yes_no, "yes": 2})}
    assert sum(point["voters"] for point in report["minutes"]) == 8
    assert all(point["minute"].endswith(":00Z") for point in report["minutes"])


@pytest.mark.parametrize(
    "headers",
    [
        {"CloudFront-Viewer-Country": "GB"},  # no edge key
        {"CloudFront-Viewer-Country": "GB", "X-Origin-Verify": "wrong-key-wrong-key-wrong-key"},
    ],
    ids=["no key", "wrong key"],
)
def test_a_country_header_without_the_edge_key_is_ignored(client, edge_key, min_group, headers):
    poll_id = create_poll(client)["id"]
    for _ in range(2):
        cast(client, poll_id, "yes", headers)
    folded()
    assert rows(audience(client, poll_id), "countries") == {"unknown": (2, {"yes": 2, "no": 0, "dont-know": 0})}


def test_our_hosted_page_and_the_no_js_form_are_surfaces_of_their_own(client, min_group, monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://polls.example.org")
    state.reset_all()
    poll_id = create_poll(client)["id"]
    for _ in range(2):
        cast(client, poll_id, "yes", {"Origin": "https://polls.example.org"})
    form = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}
    for _ in range(2):
        page = {**form, "Referer": f"https://polls.example.org/p/{poll_id}/vote", "Cookie": f"poll_voter={new_voter()}"}
        assert client.http.post(f"/polls/{poll_id}/form", headers=page, body="option=no").status_code == 200
    folded()
    report = audience(client, poll_id)
    assert rows(report, "surfaces") == {
        "hosted": (2, {"yes": 2, "no": 0, "dont-know": 0}),
        "form": (2, {"yes": 0, "no": 2, "dont-know": 0}),
    }
    assert rows(report, "sites") == {"example.org": (4, {"yes": 2, "no": 2, "dont-know": 0})}


def test_small_groups_are_merged_and_a_read_minus_the_results_isolates_no_voter(client, edge_key, monkeypatch):
    monkeypatch.setenv("AUDIENCE_NOISE", "0")  # the merging alone, on exact counts
    state.reset_all()
    poll_id = create_poll(client)["id"]
    for _ in range(12):
        cast(client, poll_id, "yes", from_edge("GB"))
    cast(client, poll_id, "no", from_edge("FR"))
    folded()
    report = audience(client, poll_id)
    assert report["min_group"] == 10
    # GB alone would leave one voter (FR's) in "other", and the results minus GB would give their choice away.
    assert rows(report, "countries") == {"other": (13, {"yes": 12, "no": 1, "dont-know": 0})}
    for _ in range(10):
        cast(client, poll_id, "no", from_edge("DE"))
    folded()
    assert rows(audience(client, poll_id), "countries") == {
        "GB": (12, {"yes": 12, "no": 0, "dont-know": 0}),
        "other": (11, {"yes": 0, "no": 11, "dont-know": 0}),  # DE's ten and FR's one: FR's vote stays hidden
    }


def test_a_void_takes_the_ballot_off_every_dimension(client, edge_key, min_group):
    poll_id = create_poll(client)["id"]
    for country in ("GB", "GB", "GB"):
        cast(client, poll_id, "yes", from_edge(country))
    folded()
    table = get_settings().ballots_table
    keys = [i["pk"]["S"] for i in boto3.client("dynamodb").scan(TableName=table)["Items"] if i["poll"]["S"] == poll_id]
    assert adapters.store().void_ballot(keys[0], "void-1", int(clock.now()))
    folded()
    report = audience(client, poll_id)
    two = (2, {"yes": 2, "no": 0, "dont-know": 0})
    assert (rows(report, "countries"), rows(report, "sites"), rows(report, "surfaces")) == (
        {"GB": two},
        {"example.co.uk": two},
        {"widget": two},
    )
    assert sum(point["voters"] for point in report["minutes"]) == 2


def test_a_batch_delivered_again_or_bisected_counts_each_ballot_once_in_the_audience(client, edge_key, min_group):
    poll_id = create_poll(client)["id"]
    for index in range(10):
        cast(client, poll_id, "yes", from_edge("GB" if index % 2 else "FR", f"https://www.site{index % 3}.com"))
    (event,) = stream_batches(get_settings().ballots_table)
    first, second = dict(event, Records=event["Records"][:4]), dict(event, Records=event["Records"][4:])
    for delivery in (first, event, first, second, event):
        fold.reset()
        fold.fold(delivery)
    report = audience(client, poll_id)
    assert {k: v[0] for k, v in rows(report, "countries").items()} == {"GB": 5, "FR": 5}
    assert {k: v[0] for k, v in rows(report, "sites").items()} == {
        "site0.com": 4,
        "site1.com": 3,
        "site2.com": 3,
    }
    assert sum(point["voters"] for point in report["minutes"]) == 10


def test_a_batch_of_many_sites_is_written_in_runs_that_each_fit_one_expression(client, edge_key, min_group, calls):
    poll_id = create_poll(client, options=[f"Option {n}" for n in range(20)], max_choices=20)["id"]
    every = [f"option-{n}" for n in range(20)]
    for index in range(12):  # 12 sites x 21 names: more than one write's 100
        body = json.dumps({"options": every, "voter": new_voter()})
        headers = {**JSON, **from_edge("GB", f"https://paper{index}.net")}
        assert client.http.post(f"/polls/{poll_id}/votes", headers=headers, body=body).status_code == 201
    calls.clear()
    folded()
    sites = rows(audience(client, poll_id), "sites")
    assert sites == {"other": (12, dict.fromkeys(every, 12))}  # each site has one voter: none is shown
    runs = [
        c.params for c in calls.calls if c.operation == "UpdateItem" and c.params["Key"]["part"]["S"].endswith("#s")
    ]
    added = [len([v for v in run["ExpressionAttributeNames"] if v.startswith("#a")]) for run in runs]
    assert len(runs) == 3 and max(added) <= 100 and sum(added) == 12 * 21  # four sites a run


def test_the_audience_csv_has_a_row_per_group_and_minute(client, edge_key, min_group):
    poll_id = create_poll(client)["id"]
    for _ in range(2):
        cast(client, poll_id, "yes", from_edge("GB"))
    folded()
    answer = client.http.get(f"/polls/{poll_id}/audience.csv", headers=ADMIN)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    lines = answer.body.decode("utf-8-sig").splitlines()
    assert lines[0] == "dimension,key,voters,votes_yes,votes_no,votes_dont-know"
    assert "countries,GB,2,2,0,0" in lines and "sites,example.co.uk,2,2,0,0" in lines
    assert any(line.startswith("minutes,") and line.endswith(",2,,,") for line in lines)


def audience_items(poll_id: str) -> list[dict[str, Any]]:
    """The poll's audience tallies, as stored (in partitions of their own: "<poll id>#a<bucket>")."""
    items = boto3.client("dynamodb").scan(TableName=get_settings().polls_table)["Items"]
    return [i for i in items if i["id"]["S"].startswith(poll_id + "#a")]


def test_audience_tallies_live_apart_from_the_polls_partition_and_go_with_the_poll(client, min_group):
    poll_id = create_poll(client)["id"]
    for _ in range(2):
        cast(client, poll_id, "yes")
    folded()
    stored = audience_items(poll_id)
    assert {i["part"]["S"].rsplit("#", 1)[1] for i in stored} >= {"c", "s", "f"}
    results = client.http.get(f"/polls/{poll_id}/results", headers=ADMIN).json_body
    assert results["total_voters"] == 2
    assert client.http.delete(f"/polls/{poll_id}", headers=ADMIN).status_code in (200, 204)
    assert audience_items(poll_id) == []


def test_the_audience_of_a_missing_poll_is_a_404(client):
    answer = client.http.get("/polls/no-such-poll/audience", headers=ADMIN)
    assert (answer.status_code, error_code(answer)) == (404, "poll_not_found")


def test_a_flood_of_made_up_sites_is_capped_per_shard_and_every_vote_still_counts(client, edge_key, min_group):
    poll_id = create_poll(client)["id"]
    for index in range(105):
        cast(client, poll_id, "yes", from_edge("GB", f"https://made-up-{index}.com"))
    assert folded() >= 0
    report = audience(client, poll_id)
    assert sum(row["voters"] for row in report["sites"]) == 105  # none lost: the five past the cap are "other"
    assert rows(report, "countries") == {"GB": (105, {"yes": 105, "no": 0, "dont-know": 0})}
    (item,) = [i for i in audience_items(poll_id) if i["part"]["S"].endswith("#s")]
    named = {name.split("|")[1] for name in item if name.count("|") == 1}
    assert len(named) == 101 and "other" in named  # the cap's hundred sites, and "other"


def forensics_schema() -> dict[str, Any]:
    spec = yaml.safe_load(SPEC_PATH.read_text())
    return {"$ref": "#/components/schemas/Forensics", "components": spec["components"]}


def test_forensics_counts_each_sources_ballots_by_country_site_and_surface_exactly(client, edge_key):
    poll_id = create_poll(client)["id"]
    for _ in range(3):
        cast(client, poll_id, "no", from_edge("RU", None, "203.0.113.5"))  # a program, straight at the API
    cast(client, poll_id, "no", from_edge("RU", "https://<b>x</b>.example", "203.0.113.5"))
    cast(client, poll_id, "yes", from_edge("GB", "https://www.bbc.co.uk", "192.0.2.1"))
    table = get_settings().ballots_table
    dynamodb = boto3.client("dynamodb")
    old = [i for i in dynamodb.scan(TableName=table)["Items"] if i["poll"]["S"] == poll_id and i["cty"]["S"] == "GB"]
    dynamodb.update_item(TableName=table, Key={"pk": old[0]["pk"]}, UpdateExpression="REMOVE cty, site, surf")
    answer = client.http.get(f"/polls/{poll_id}/forensics", headers=ADMIN)
    assert answer.status_code == 200, answer.body
    jsonschema.validate(answer.json_body, forensics_schema())
    sources = [
        {name: s[name] for name in ("votes", "countries", "sites", "surfaces")} for s in answer.json_body["sources"]
    ]
    # Groups of one are kept (the default AUDIENCE_MIN_GROUP is 10): forensics merges nothing.
    assert sources == [
        {"votes": 4, "countries": {"RU": 4}, "sites": {"direct": 3, "unknown": 1}, "surfaces": {"api": 3, "widget": 1}},
        {"votes": 1, "countries": {"unknown": 1}, "sites": {"unknown": 1}, "surfaces": {"unknown": 1}},
    ]


@pytest.mark.parametrize("failing", [1, 2], ids=["the sites tally's first write", "its second run"])
def test_a_batch_that_failed_between_audience_writes_counts_each_ballot_once_when_delivered_again(
    client, edge_key, min_group, faults, failing
):
    poll_id = create_poll(client, options=[f"Option {n}" for n in range(20)], max_choices=20)["id"]
    every = [f"option-{n}" for n in range(20)]
    for index in range(12):  # 12 sites of 21 names each: the sites tally is written in three runs
        body = json.dumps({"options": every, "voter": new_voter()})
        headers = {**JSON, **from_edge("GB" if index % 2 else "FR", f"https://paper{index % 6}.net")}
        assert client.http.post(f"/polls/{poll_id}/votes", headers=headers, body=body).status_code == 201
    (event,) = stream_batches(get_settings().ballots_table)
    seen = []

    def on_sites(params):
        """Fail one write of the sites tally, as if the function died there."""
        if params["Key"]["part"]["S"].endswith("#s"):
            seen.append(1)
            if len(seen) == failing:
                return aws_error("InternalServerError", 500)(params)
        return None

    faults.add("UpdateItem", on_sites, times=50)
    with pytest.raises(ServiceUnavailable):
        fold.fold(event)
    faults.clear()
    fold.reset()  # a fresh container: the marks alone say what is in
    fold.fold(event)
    report = audience(client, poll_id)
    assert {k: v[0] for k, v in rows(report, "sites").items()} == {f"paper{n}.net": 2 for n in range(6)}
    assert {k: v for k, v in rows(report, "countries").items()} == {
        "GB": (6, dict.fromkeys(every, 6)),
        "FR": (6, dict.fromkeys(every, 6)),
    }


def two_reads_one_vote_apart(client) -> tuple[dict, dict, dict, dict]:
    """Twelve voters in GB and ten in FR; read twice; one more GB voter says no; read; the exact counts after."""
    poll_id = create_poll(client)["id"]
    for index in range(22):
        cast(client, poll_id, ("yes", "no")[index % 2], from_edge("GB" if index < 12 else "FR"))
    folded()
    first, again = audience(client, poll_id), audience(client, poll_id)
    cast(client, poll_id, "no", from_edge("GB"))
    folded()
    poll = adapters.store().get_poll(poll_id)
    return first, again, audience(client, poll_id), adapters.store().audience(poll).groups["c"]


def moved(before: dict, after: dict) -> dict[str, tuple[int, dict[str, int]]]:
    """What each country's numbers did between two reads."""
    old, new = rows(before, "countries"), rows(after, "countries")
    empty = (0, dict.fromkeys(next(iter(new.values()))[1], 0))
    was = {k: old.get(k, empty) for k in new}  # a group may be shown in one read and merged in the other
    return {k: (new[k][0] - was[k][0], {o: new[k][1][o] - was[k][1][o] for o in new[k][1]}) for k in new}


def test_a_difference_of_two_reads_one_vote_apart_tells_neither_the_voters_group_nor_their_choice(client, edge_key):
    truth = {"GB": (1, {"yes": 0, "no": 1, "dont-know": 0}), "FR": (0, {"yes": 0, "no": 0, "dont-know": 0})}
    errors = []
    for _ in range(6):
        first, again, after, exact = two_reads_one_vote_apart(client)
        assert first["noise"] == 2 and again == first  # the same counts read again: the same numbers
        assert moved(first, after) != truth  # every number was drawn afresh: the difference is not the vote
        for key, (voters, options) in rows(after, "countries").items():
            errors.append(voters - exact[key].voters if key in exact else 0)
            errors += [n - exact[key].votes.get(o, 0) for o, n in options.items() if key in exact]
            assert min(options.values()) >= 0
    assert statistics.mean(abs(e) for e in errors) < 4  # small on the whole: the breakdowns stay useful


def test_without_the_noise_the_same_two_reads_would_give_the_vote_away(client, edge_key, monkeypatch):
    monkeypatch.setenv("AUDIENCE_NOISE", "0")
    state.reset_all()
    first, _, after, _ = two_reads_one_vote_apart(client)
    assert moved(first, after) == {
        "GB": (1, {"yes": 0, "no": 1, "dont-know": 0}),
        "FR": (0, {"yes": 0, "no": 0, "dont-know": 0}),
    }
