"""The edge documents: a poll's document, results and hosted pages in the bucket, kept in step with the poll;
the polls table's stream consumer (`publish_results`) fed with the records moto's stream really holds once the
fold has written the tallies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.runtime.clients import client as aws
from chalicelib.runtime.settings import get_settings
from local.streams import stream_batches
from tests.conftest import ADMIN
from tests.helpers import create_poll, folded, new_voter, patch, vote

TRANSLATION = {"cy": {"question": "A ddylai'r cyngor adeiladu'r bont?", "options": {"yes": "Dylai", "no": "Na ddylai"}}}


def keys(prefix: str = "") -> list[str]:
    listing = aws("s3").list_objects_v2(Bucket=get_settings().results_bucket, Prefix=prefix)
    return sorted(o["Key"] for o in listing.get("Contents", []))


def read(key: str) -> dict[str, Any]:
    return aws("s3").get_object(Bucket=get_settings().results_bucket, Key=key)


def document(key: str) -> Any:
    return json.loads(read(key)["Body"].read())


def stream_records() -> list[dict[str, Any]]:
    """Fold the votes so far, then return what the polls table's stream holds since the last call (moto), as Lambda
    would deliver it: the tallies' changes, and the definitions'."""
    folded(publish=False)
    return [record for event in stream_batches(get_settings().polls_table) for record in event["Records"]]


def publish(records: list[dict[str, Any]]) -> dict[str, Any]:
    from app import publish_results

    return publish_results({"Records": records}, None)


def test_creating_a_poll_publishes_its_document_results_and_page(client):
    poll = create_poll(client, options=["Yes", "No"])
    pid = poll["id"]
    assert keys(f"polls/{pid}") == [f"polls/{pid}.json"]
    found = document(f"polls/{pid}.json")
    public = client.http.get(f"/polls/{pid}").json_body
    assert {k: v for k, v in found.items() if k not in ("translations", "published_at")} == public
    assert found["translations"] == {}
    assert read(f"polls/{pid}.json")["CacheControl"] == "public, max-age=30"
    results = document(f"results/{pid}/latest.json")
    assert (results["total_voters"], [o["votes"] for o in results["options"]]) == (0, [0, 0])
    page = read(f"p/{pid}")
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert f'<meta property="og:title" content="{poll["question"]}">' in page["Body"].read().decode()


@pytest.mark.parametrize(
    ("visibility", "closed", "public"),
    [
        ("always", False, True),
        ("after_vote", False, False),
        ("never", False, False),
        ("after_close", False, False),
        ("after_close", True, True),
    ],
)
def test_results_are_published_at_the_edge_only_while_anyone_may_see_them(client, visibility, closed, public):
    poll = create_poll(client, results_visibility=visibility)
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    if closed:
        assert patch(client, poll["id"], status="closed").status_code == 200
    assert bool(keys(f"results/{poll['id']}/")) is public
    assert f"private/results/{poll['id']}/latest.json" in keys("private/") or public


def test_reopening_an_after_close_poll_removes_its_public_results(client):
    poll = create_poll(client, results_visibility="after_close")
    assert patch(client, poll["id"], status="closed").status_code == 200
    assert keys(f"results/{poll['id']}/") == [f"results/{poll['id']}/latest.csv", f"results/{poll['id']}/latest.json"]
    assert patch(client, poll["id"], status="open").status_code == 200
    assert keys(f"results/{poll['id']}/") == []
    assert document(f"polls/{poll['id']}.json")["status"] == "open"


def test_a_translated_poll_has_a_page_per_language_with_hreflang_links(client, monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://polls.example-news.com")
    get_settings.cache_clear()
    poll = create_poll(client, options=["Yes", "No"], translations=TRANSLATION)
    pid = poll["id"]
    assert keys(f"p/{pid}") == [f"p/{pid}", f"p/{pid}/cy"]
    welsh = read(f"p/{pid}/cy")["Body"].read().decode()
    assert '<html lang="cy" dir="ltr">' in welsh and "A ddylai&#x27;r cyngor" in welsh
    for tag, path in (("en", f"/p/{pid}"), ("cy", f"/p/{pid}/cy"), ("x-default", f"/p/{pid}")):
        assert f'<link rel="alternate" hreflang="{tag}" href="https://polls.example-news.com{path}">' in welsh
    assert f'<meta property="og:url" content="https://polls.example-news.com/p/{pid}/cy">' in welsh
    assert document(f"polls/{pid}.json")["translations"]["cy"]["question"] == TRANSLATION["cy"]["question"]


def test_deleting_a_poll_withdraws_its_edge_documents(client):
    poll = create_poll(client, options=["Yes", "No"], translations=TRANSLATION)
    pid = poll["id"]
    assert client.http.delete(f"/polls/{pid}", headers=ADMIN).status_code == 204
    assert [k for k in keys() if pid in k] == []


def test_the_stream_consumer_publishes_the_counts_votes_made(client):
    poll = create_poll(client, options=["Yes", "No"])
    for option in ("yes", "yes", "no"):
        assert vote(client, poll["id"], [option], new_voter()).status_code == 201
    stale = document(f"results/{poll['id']}/latest.json")
    assert stale["total_voters"] == 0  # nothing but the stream (or the minute job) rewrites it
    report = publish(stream_records())
    assert (report["changed_polls"], report["written"], report["failed"]) == ([poll["id"]], 1, 0)
    fresh = document(f"results/{poll['id']}/latest.json")
    assert (fresh["total_voters"], [o["votes"] for o in fresh["options"]]) == (3, [2, 1])


def test_a_redelivered_batch_writes_the_same_counts_again(client, calls):
    poll = create_poll(client, options=["Yes", "No"])
    assert vote(client, poll["id"], ["no"], new_voter()).status_code == 201
    records = stream_records()
    publish(records)
    first = document(f"results/{poll['id']}/latest.json")
    calls.clear()
    again = publish(records)
    # the poll as stored with its tallies (one Query), its summary for the API, three objects (JSON, CSV, the
    # results page): the cost follows batches of votes, not readers
    assert calls.count("dynamodb") == {"Query": 1, "PutItem": 1}
    assert calls.count("s3") == {"PutObject": 3}
    second = document(f"results/{poll['id']}/latest.json")
    assert again["written"] == 1
    assert {k: v for k, v in first.items() if k not in ("as_of", "snapshot_at")} == {
        k: v for k, v in second.items() if k not in ("as_of", "snapshot_at")
    }


def test_a_batch_without_tally_changes_writes_nothing(client, calls):
    poll = create_poll(client)
    stream_records()  # the creation's record
    assert patch(client, poll["id"], question="Should the council build a new bridge?").status_code == 200
    records = stream_records()
    assert records  # the stream did carry the definition's change (which published itself)
    calls.clear()
    report = publish(records)
    assert (report["changed_polls"], report["written"]) == ([], 0)
    assert calls.count("s3") == {}


def test_a_vote_on_a_hidden_results_poll_reaches_only_the_private_copy(client, calls):
    poll = create_poll(client, results_visibility="after_vote")
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    records = stream_records()
    calls.clear()
    publish(records)
    # votes never hide results: no delete spent on a public copy, no rewrite of the page saying when they are shown
    assert calls.count("s3") == {"PutObject": 2}
    assert document(f"private/results/{poll['id']}/latest.json")["total_voters"] == 1
    assert keys(f"results/{poll['id']}/") == []


@pytest.mark.parametrize(
    "records",
    [
        [],
        [{"eventName": "INSERT"}],
        [{"dynamodb": {"Keys": {"pk": {"S": "not-a-polls-key"}}, "NewImage": {"voters": {"N": "1"}}}}],
        [{"dynamodb": {"Keys": {"id": {"S": "gone-poll"}, "part": {"S": "t#i1#shardId-1"}}}}],
        [{"dynamodb": {"Keys": {"id": {"S": "x"}, "part": {"S": "poll"}}}}],
    ],
)
def test_malformed_or_stale_records_are_skipped_without_failing(client, records):
    report = publish(records)
    assert (report["written"], report["failed"]) == (0, 0)


def test_the_stream_follows_the_stored_definition_not_a_stale_cached_one(client):
    from chalicelib.services import catalog

    poll = create_poll(client, options=["Yes", "No"], results_visibility="after_close")
    assert patch(client, poll["id"], status="closed").status_code == 200
    stale = catalog.poll(poll["id"])  # closed: results public, as another process may still hold it
    assert patch(client, poll["id"], status="open").status_code == 200  # reopened: hidden again
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    catalog.created(stale)
    publish(stream_records())
    assert keys(f"results/{poll['id']}/") == []  # the stale definition would have made them public again
    assert document(f"private/results/{poll['id']}/latest.json")["total_voters"] == 1


def test_deleting_a_poll_removes_its_public_history_too(client):
    poll = create_poll(client, options=["Yes", "No"])
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    assert client.http.post("/snapshots", headers=ADMIN).status_code == 200
    assert any("/history/" in k for k in keys(f"results/{poll['id']}/"))
    assert client.http.delete(f"/polls/{poll['id']}", headers=ADMIN).status_code == 204
    assert keys(f"results/{poll['id']}/") == []


def test_dropping_a_translation_removes_its_pages(client):
    poll = create_poll(client, options=["Yes", "No"], translations=TRANSLATION)
    assert f"p/{poll['id']}/cy" in keys("p/") and f"r/{poll['id']}/cy" in keys("r/")
    assert patch(client, poll["id"], translations={}).status_code == 200
    assert keys(f"p/{poll['id']}") == [f"p/{poll['id']}"]
    assert keys(f"r/{poll['id']}") == [f"r/{poll['id']}"]


def page_text(key: str) -> str:
    return read(key)["Body"].read().decode()


def test_the_results_pages_are_written_per_language_beside_the_latest_results_and_cached_like_them(client):
    poll = create_poll(client, options=["Yes", "No"], translations=TRANSLATION)
    pid = poll["id"]
    assert keys(f"r/{pid}") == [f"r/{pid}", f"r/{pid}/cy"]
    page = read(f"r/{pid}")
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert page["CacheControl"] == read(f"results/{pid}/latest.json")["CacheControl"]
    assert '<html lang="cy" dir="ltr">' in page_text(f"r/{pid}/cy")
    assert "<script" not in page_text(f"r/{pid}") and "<form" not in page_text(f"r/{pid}")


@pytest.mark.parametrize(
    ("visibility", "closed", "public", "said"),
    [
        ("always", False, True, "Yes</span>: 1 (100.0%)"),
        ("after_vote", False, False, "shown to readers who have voted"),
        ("after_close", False, False, "published when the poll closes"),
        ("after_close", True, True, "Poll closed"),
        ("never", True, False, "not published"),
    ],
)
def test_the_results_page_shows_the_results_only_while_anyone_may_see_them(client, visibility, closed, public, said):
    poll = create_poll(client, options=["Yes", "No"], results_visibility=visibility)
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    folded()
    if closed:
        assert patch(client, poll["id"], status="closed").status_code == 200
    else:
        assert client.http.post("/snapshots", headers=ADMIN).status_code == 200
    page = read(f"r/{poll['id']}")
    text = page["Body"].read().decode()
    assert said in text and ("<meter" in text) is public and ("1 voter<" in text) is public
    assert (page["CacheControl"] == "private, no-store") is not public


def test_the_stream_consumer_rewrites_the_results_page_with_the_new_counts(client):
    poll = create_poll(client, options=["Yes", "No"])
    assert "0 voters" in page_text(f"r/{poll['id']}")
    for option in ("yes", "no", "no"):
        assert vote(client, poll["id"], [option], new_voter()).status_code == 201
    assert publish(stream_records())["written"] == 1
    text = page_text(f"r/{poll['id']}")
    assert "3 voters" in text and "No</span>: 2 (66.7%)" in text


def test_a_change_stands_when_the_edge_cannot_read_the_counts(client, faults):
    from tests.helpers import aws_error

    poll = create_poll(client, options=["Yes", "No"])
    faults.add("Query", aws_error("ProvisionedThroughputExceededException"), times=10)
    assert patch(client, poll["id"], status="closed").status_code == 200  # saved; the edge catches up later
    faults.clear()
    assert client.http.get(f"/polls/{poll['id']}").json_body["status"] == "closed"


def test_a_store_that_cannot_answer_fails_the_batch_so_lambda_retries_it(client, faults):
    from tests.helpers import aws_error

    poll = create_poll(client, options=["Yes", "No"])
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    records = stream_records()
    faults.add("Query", aws_error("ProvisionedThroughputExceededException"), times=10)
    with pytest.raises(Exception):  # noqa: B017 - the handler raises; Lambda retries the batch
        publish(records)
    faults.clear()
    assert publish(records)["written"] == 1
