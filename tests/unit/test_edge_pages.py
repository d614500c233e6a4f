"""The edge's pure parts: the hosted pages, and which stream records change a poll's counts."""

from __future__ import annotations

import html
import re

import pytest

from chalicelib.core import pages
from chalicelib.services import edge, polls
from chalicelib.store.dynamo.stream import changed_polls
from tests.unit.memory import UNPROTECTED


def new(**fields):
    return polls.create({"question": "Build the bridge?", "options": ["Yes", "No"], **UNPROTECTED, **fields})


def shard(pk, old=None, new=None):
    change = {"Keys": {"pk": {"S": pk}}}
    if old is not None:
        change["OldImage"] = old
    if new is not None:
        change["NewImage"] = new
    return {"eventName": "MODIFY", "dynamodb": change}


def image(voters, yes=0, closed=False):
    return {"voters": {"N": str(voters)}, "counts": {"M": {"yes": {"N": str(yes)}}}, "closed": {"BOOL": closed}}


@pytest.mark.parametrize(
    ("records", "polls_changed"),
    [
        ([shard("a#001", image(0), image(1, 1))], ["a"]),
        (
            [
                shard("a#001", image(1, 1), image(2, 2)),
                shard("b#000", image(0), image(1, 1)),
                shard("a#002", image(0), image(1, 1)),
            ],
            ["a", "b"],
        ),
        ([shard("a#001", None, image(0))], []),  # a new, empty shard (creation, resharding)
        ([shard("a#001", None, image(3, 3))], ["a"]),  # a shard written with counts (a recount's fix)
        ([shard("a#001", image(2, 2), image(2, 2, closed=True))], []),  # closed: the window, not the counts
        ([shard("a#001", image(2, 2), None)], []),  # removed (the poll deleted)
        ([shard("a-b#c#004", image(0), image(1, 1))], ["a-b#c"]),  # the last '#' splits the key
        ([shard("no-number", image(0), image(1, 1))], []),
        ([{"dynamodb": None}, {"eventName": "INSERT"}, "text"], []),
    ],
)
def test_only_records_that_change_counts_name_their_poll(records, polls_changed):
    assert changed_polls(records) == polls_changed


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
