"""The edge's pure parts: the hosted pages, and which stream records change a poll's counts."""

from __future__ import annotations

import html
import re

import pytest
from boto3.dynamodb.types import TypeSerializer

from chalicelib.core import pages
from chalicelib.services import edge, polls
from chalicelib.store.dynamo.stream import ballot_batch, defined_polls, tallied_polls
from tests.unit.memory import UNPROTECTED


def new(**fields):
    return polls.create({"question": "Build the bridge?", "options": ["Yes", "No"], **UNPROTECTED, **fields})


def change(part, event="MODIFY", poll="a"):
    return {"eventName": event, "dynamodb": {"Keys": {"id": {"S": poll}, "part": {"S": part}}}}


@pytest.mark.parametrize(
    ("records", "polls_changed"),
    [
        ([change("t#inc1#shardId-1")], ["a"]),
        ([change("t#inc1#shardId-1"), change("t#inc1", poll="b"), change("t#inc1#shardId-2")], ["a", "b"]),
        ([change("t#inc1#shardId-1", event="INSERT")], ["a"]),  # a shard's first tally
        ([change("t#inc1#shardId-1", event="REMOVE")], ["a"]),  # a sealed tally dropped: republish, same counts
        ([change("poll")], []),  # the definition: its change publishes itself
        ([change("x#inc1#shardId-1"), change("v#void1")], []),  # a marker, a void record
        ([{"eventName": "INSERT", "dynamodb": {}}], []),
    ],
)
def test_only_tally_changes_name_their_poll_for_the_publisher(records, polls_changed):
    assert tallied_polls({"Records": records}) == polls_changed


def definition(event, old=None, new=None, poll="a"):
    """A change of a poll's definition item, its images given as plain attributes."""
    images = {}
    for name, image in (("OldImage", old), ("NewImage", new)):
        if image is not None:
            images[name] = {key: TypeSerializer().serialize(value) for key, value in image.items()}
    keys = {"id": {"S": poll}, "part": {"S": "poll"}}
    return {"eventName": event, "dynamodb": {"Keys": keys, **images}}


DUE = {"snapshot_due": "1"}


@pytest.mark.parametrize(
    ("records", "drawn"),
    [
        ([definition("INSERT", new={"version": 0, **DUE})], ["a"]),  # created
        ([definition("MODIFY", {"version": 0, **DUE}, {"version": 1, **DUE})], ["a"]),  # an editor's change
        ([definition("MODIFY", {"version": 1, **DUE}, {"version": 1, "snapshot_at": 60, **DUE})], []),  # a mark
        ([definition("MODIFY", {"version": 1, **DUE}, {"version": 1})], ["a"]),  # the last snapshot: it leaves the job
        ([definition("REMOVE", old={"version": 1})], []),  # deleted: withdrawn by the API
        ([change("t#inc1#shardId-1")], []),  # a tally: the schedule redraws for counts
        ([definition("INSERT", new={"version": 0}), definition("MODIFY", {"version": 0}, {"version": 1})], ["a"]),
    ],
)
def test_only_a_polls_definition_changes_make_the_card_function_draw_at_once(records, drawn):
    assert defined_polls({"Records": records}) == drawn


def test_a_page_names_its_card_as_og_image_only_with_a_site(memory):
    poll = new(question="Bridge?")
    card = pages.CardRef(path=f"/cards/{poll.id}/en.0123456789abcdef.png", alt="Bridge? Yes: 60.0%")
    page = pages.poll_page(poll, 0, None, "https://polls.example", card)
    for tag in (
        f'<meta property="og:image" content="https://polls.example/cards/{poll.id}/en.0123456789abcdef.png">',
        '<meta property="og:image:width" content="1200">',
        '<meta property="og:image:height" content="630">',
        '<meta property="og:image:alt" content="Bridge? Yes: 60.0%">',
        '<meta name="twitter:card" content="summary_large_image">',
        f'<meta name="twitter:image" content="https://polls.example/cards/{poll.id}/en.0123456789abcdef.png">',
    ):
        assert tag in page
    for site, named in ((None, card), ("https://polls.example", None)):
        bare = pages.poll_page(poll, 0, None, site, named)
        assert "og:image" not in bare and '<meta name="twitter:card" content="summary">' in bare


def ballot(**fields):
    item = {"poll": "a", "inc": "i1", "options": ["yes"], "at": 100, **fields}
    return {name: TypeSerializer().serialize(value) for name, value in item.items() if value is not None}


def record(event, old=None, new=None, ttl=False, sequence="1001"):
    found = {"eventName": event, "dynamodb": {"Keys": {"pk": {"S": "b#1"}}, "SequenceNumber": sequence}}
    if old is not None:
        found["dynamodb"]["OldImage"] = old
    if new is not None:
        found["dynamodb"]["NewImage"] = new
    if ttl:
        found["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    return found


@pytest.mark.parametrize(
    ("records", "signs"),
    [
        ([record("INSERT", new=ballot())], [1]),
        ([record("INSERT", new=ballot(voided_at=5))], []),
        ([record("MODIFY", old=ballot(), new=ballot(voided_at=5))], [-1]),  # voided
        ([record("MODIFY", old=ballot(), new=ballot(voided_at=0))], [-1]),  # voided at the epoch: still voided
        ([record("MODIFY", old=ballot(voided_at=5), new=ballot())], [1]),  # a void undone
        ([record("MODIFY", old=ballot(), new=ballot(expires_at=9))], []),  # kept longer: no count changes
        ([record("REMOVE", old=ballot(), ttl=True)], []),  # expired by TTL: its votes stay counted
        ([record("REMOVE", old=ballot())], [-1]),  # deleted by hand: a void
        ([record("REMOVE", old=ballot(voided_at=5))], []),  # a voided ballot deleted: already off
        ([record("INSERT", new=ballot(poll=None))], []),  # not a ballot
    ],
)
def test_a_ballots_change_adds_subtracts_or_changes_nothing(records, signs):
    batch = ballot_batch({"Records": records, "shardId": "shardId-1"})
    assert [c.sign for c in batch.contributions] == signs
    assert all(c.sequence == "1001".zfill(40) for c in batch.contributions)


def test_the_page_escapes_what_editors_wrote(memory):
    poll = new(question='Is <script>alert("x")</script> & co. fine?', options=["<b>Yes</b>", "No"])
    page = pages.poll_page(poll, 0, None, None)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<b>Yes</b>" not in page
    assert html.escape(poll.question) in re.search(r"<title>(.*?)</title>", page).group(1)


@pytest.mark.parametrize(
    ("fields", "kind", "form"),
    [
        ({}, "radio", True),
        ({"options": ["A", "B", "C"], "max_choices": 2}, "checkbox", True),
        ({"challenge": "proof_of_work"}, None, False),
    ],
)
def test_the_page_has_a_form_that_works_without_javascript_unless_a_challenge_needs_it(memory, fields, kind, form):
    poll = new(**fields)
    page = pages.poll_page(poll, 0, None, None)
    assert ('<form method="post" action="/api/polls/' in page) is form
    assert ("needs JavaScript" in page) is not form
    if kind:
        assert page.count(f'type="{kind}" name="option"') == len(poll.options)
    assert '<script src="/widget/poll-widget.js" defer></script>' in page


def test_without_a_site_url_the_page_has_no_absolute_links(memory):
    page = pages.poll_page(new(), 0, None, None)
    assert "og:url" not in page and "canonical" not in page and 'property="og:title"' in page


def test_an_arabic_page_is_right_to_left(memory):
    poll = new(lang="ar", question="هل نبني الجسر؟", options=["نعم", "لا"])
    assert '<html lang="ar" dir="rtl">' in pages.poll_page(poll, 0, None, None)


def test_a_failing_archive_does_not_fail_the_poll_change(memory, archive):
    archive.broken = True
    poll = new()  # saved; the edge will be written by the snapshot job later
    assert memory.polls[poll.id] == poll
    archive.broken = False
    assert edge.publish(poll) is True
    assert f"polls/{poll.id}.json" in archive.objects
