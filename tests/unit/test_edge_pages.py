"""The edge's pure parts: the hosted pages, and which stream records change a poll's counts."""

from __future__ import annotations

import html
import html.parser
import re

import pytest
from boto3.dynamodb.types import TypeSerializer

from chalicelib.core import pages
from chalicelib.core.counts import Counts, Tally, results_document
from chalicelib.runtime.settings import get_settings
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


ENGLISH = "Readers' poll: a self-selected sample, not a scientific survey."
WELSH = {"question": "Adeiladu'r bont?", "options": {"yes": "Ie", "no": "Na"}}
CARD = pages.CardRef(path="/cards/abc/en.0123456789abcdef.png", alt="Build the bridge? Leading: Yes")


class Tags(html.parser.HTMLParser):
    """Collects a page's tags (name and attributes) and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):
        self.text.append(data)

    def meta(self) -> dict[str, str]:
        return {a.get("property") or a.get("name"): a.get("content", "") for t, a in self.tags if t == "meta" and a}


def parsed(page: str) -> Tags:
    found = Tags()
    found.feed(page)
    return found


def body_of(page: str) -> str:
    return page.split("<body>", 1)[1]


@pytest.mark.parametrize("challenge", ["none", "proof_of_work"])
def test_the_hosted_page_has_the_sites_name_and_the_question_once(memory, challenge):
    poll = new(challenge=challenge)
    page = pages.poll_page(poll, 0, None, None, name="The Example News")
    body = body_of(page)
    assert "<header><p>The Example News</p></header>" in body
    assert body.count(poll.question) == 1 and body.count("<h1>") == 1
    if challenge == "none":  # the form's legend is the heading; the widget's own legend replaces it when it runs
        assert f"<legend><h1>{poll.question}</h1></legend>" in body


@pytest.mark.parametrize(
    ("fields", "lang", "line"),
    [
        ({}, None, ENGLISH),
        ({"translations": {"cy": WELSH}}, "cy", "Pôl darllenwyr: sampl hunanddewisol, nid arolwg gwyddonol."),
        ({"disclaimer": "Not a survey <really>."}, None, "Not a survey <really>."),
        ({"disclaimer": False}, None, None),
    ],
)
def test_the_hosted_page_shows_the_disclaimer_inside_the_widgets_fallback(memory, fields, lang, line):
    page = pages.poll_page(new(**fields), 0, lang, None)
    fallback = page.split("<div data-poll-id=", 1)[1].split("</div>", 1)[0]
    if line is None:
        assert 'class="d"' not in page
    else:
        assert f">{html.escape(line)}</p>" in fallback  # the widget shows its own: never twice on the page


@pytest.mark.parametrize(
    ("url", "link"),
    [
        (
            "https://news.example.com/a?b=1&c=2",
            '<a href="https://news.example.com/a?b=1&amp;c=2">Back to the article</a>',
        ),
        (None, None),
    ],
)
def test_the_hosted_page_links_back_to_the_article_when_the_poll_has_one(memory, url, link):
    page = pages.poll_page(new(article_url=url), 0, None, None)
    assert (link in page) if link else ("Back to the article" not in page)
    assert '<a href="/r/' in page  # and to its results page


@pytest.mark.parametrize(
    ("card", "site", "kind"),
    [
        (CARD, "https://polls.example.com", "summary_large_image"),
        (None, "https://polls.example.com", "summary"),
        (CARD, None, "summary"),
    ],
)
def test_the_hosted_page_names_its_card_with_a_site_url(memory, card, site, kind):
    meta = parsed(pages.poll_page(new(), 0, None, site, card)).meta()
    assert meta["twitter:card"] == kind
    if kind == "summary_large_image":
        image = "https://polls.example.com/cards/abc/en.0123456789abcdef.png"
        assert (meta["og:image"], meta["twitter:image"]) == (image, image)
        assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
        assert meta["og:image:alt"] == CARD.alt
    else:
        assert "og:image" not in meta and "twitter:image" not in meta


def test_write_poll_gives_each_languages_page_its_own_card(memory, archive, monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://polls.example.com")
    get_settings.cache_clear()
    poll = new(translations={"cy": WELSH})
    welsh = pages.CardRef(path="/cards/x/cy.fedcba9876543210.png", alt="Adeiladu'r bont?")
    edge.write_poll(poll, 0, {poll.lang: CARD, "cy": welsh})
    assert CARD.path in archive.objects[f"p/{poll.id}"][0].decode()
    assert welsh.path in archive.objects[f"p/{poll.id}/cy"][0].decode()
    monkeypatch.delenv("SITE_URL")
    get_settings.cache_clear()


def test_the_vote_page_shows_the_results_once_with_the_disclaimer_and_the_way_back(memory):
    poll = new(article_url="https://news.example.com/a")
    results = {
        "lang": "en",
        "question": poll.question,
        "total_voters": 1,
        "options": [
            {"id": "yes", "label": "Yes", "votes": 1, "percent": 100.0},
            {"id": "no", "label": "No", "votes": 0, "percent": 0.0},
        ],
    }
    page = pages.vote_page(poll.id, "Thank you", "Your vote has been counted.", results, "counted", poll=poll)
    assert page.count("<h2>Results</h2>") == 1 and "".join(parsed(page).text).count("Yes: 1 (100.0%)") == 1
    assert page.count(html.escape(ENGLISH)) == 1
    assert "Back to the poll" in page and "https://news.example.com/a" in page
    refused = pages.vote_page(poll.id, "Your vote was not counted", "No.", None, "rate_limited", poll=poll)
    assert html.escape(ENGLISH) not in refused  # no results, no line about them


def results_of(poll, votes, voters):
    tally = Tally(poll=poll, counts=Counts(votes=votes, voters=voters), as_of=poll.opens_at + 60)
    return results_document(tally, poll.opens_at + 60)


def test_the_results_page_shows_public_results_without_a_form_a_script_or_inline_style(memory):
    poll = new()
    results = results_of(poll, {"yes": 2, "no": 1}, 3)
    page = pages.results_page(poll, results, poll.opens_at + 60, None, name="The Example News")
    found = parsed(page)
    names = [tag for tag, _ in found.tags]
    assert "form" not in names and "script" not in names and "input" not in names
    assert all("style" not in attrs for _, attrs in found.tags)
    assert [a["value"] for t, a in found.tags if t == "meter"] == ["66.7", "33.3"]
    text = "".join(found.text)
    assert "Yes: 2 (66.7%)" in text and "No: 1 (33.3%)" in text and "3 voters" in text
    assert "Poll open" in text and ENGLISH in text and "The Example News" in text
    assert f'<time datetime="{results["as_of"]}">' in page


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"results_visibility": "after_vote"}, "shown to readers who have voted"),
        ({"results_visibility": "after_close"}, "published when the poll closes."),
        ({"results_visibility": "after_close", "closes_at": "2030-01-31T18:00:00Z"}, "2030-01-31 18:00:00 UTC"),
        ({"results_visibility": "never"}, "not published"),
        ({"opens_at": "2030-01-01T00:00:00Z"}, "The poll opens at"),
    ],
)
def test_the_results_page_says_when_hidden_results_will_be_shown(memory, fields, said):
    poll = new(**fields)
    page = pages.results_page(poll, None, 1_800_000_000, None)
    assert said in page and "<meter" not in page and "voters" not in page


def test_the_results_page_of_a_closed_poll_says_so(memory):
    poll = polls.change(new().id, {"status": "closed"})
    page = pages.results_page(poll, results_of(poll, {"yes": 1}, 1), 2e9, None)
    assert "Poll closed" in page and "See the poll" in page and "Vote in the poll" not in page


def test_the_vote_page_sets_arabic_results_right_to_left_inside_its_english_chrome(memory):
    poll = new(lang="ar", question="هل نبني الجسر؟", options=["نعم", "لا"])
    results = {"lang": "ar", "question": poll.question, "total_voters": 1, "options": [
        {"id": "yes", "label": "نعم", "votes": 1, "percent": 100.0},
        {"id": "no", "label": "لا", "votes": 0, "percent": 0.0},
    ]}  # fmt: skip
    page = pages.vote_page(poll.id, "Thank you", "Your vote has been counted.", results, "counted", poll=poll)
    assert '<html lang="en" dir="ltr">' in page  # the page's own words are English
    assert '<p lang="ar" dir="rtl">هل نبني الجسر؟</p>' in page
    assert '<span lang="ar" dir="rtl">نعم</span>' in page and 'class="d" lang="ar" dir="rtl"' in page


def test_the_results_page_in_arabic_is_right_to_left_and_escapes_what_editors_wrote(memory):
    poll = new(lang="ar", question="هل <script>alert(1)</script> نبني؟", options=["<b>نعم</b>", "لا & لا"])
    page = pages.results_page(poll, results_of(poll, {}, 0), poll.opens_at + 60, None)
    assert '<html lang="ar" dir="rtl">' in page
    assert "<script>" not in page and "<b>" not in page and "&lt;b&gt;" in page and "لا &amp; لا" in page
    assert "استطلاع للقرّاء" in page  # the Arabic disclaimer
