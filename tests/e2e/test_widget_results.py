"""The results-only widget (`data-view="results"`) and the disclaimer, in Chromium: a newsroom's article on the demo
origin embeds the widget from the local site; the requests the site passed to the API are counted."""

from __future__ import annotations

import re
import time

import pytest

from tests.browser_support import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium`", allow_module_level=True)
try:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Page, expect
except ImportError as exc:
    pytest.skip(f"playwright or axe-playwright-python is not importable: {exc}", allow_module_level=True)

from local.stack import LocalStack
from tests.browser_support import api_calls, close_poll, create_poll, open_article, settle, vote_over_http
from tests.widget_texts import disclaimer, locale, message, pattern

STACK = {"admin_token": "widget-results-token"}
WELSH = {"question": "Te neu goffi?", "options": {"tea": "Te", "coffee": "Coffi"}}
HIDDEN = {
    "after_vote": "Results are shown to readers who have voted.",
    "after_close": "Results will be published when the poll closes.",
    "never": "The results of this poll are not published.",
}


def wait_for_document(stack: LocalStack, poll_id: str, voters: int, timeout: float = 30) -> None:
    """Wait until the poll's public results document shows `voters` voters (the stream consumer writes it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = stack.read_snapshot(f"results/{poll_id}/latest.json")
        if found is not None and found["total_voters"] >= voters:
            return
        time.sleep(0.2)
    raise AssertionError(f"results/{poll_id}/latest.json did not reach {voters} voters")


def serious_violations(page: Page) -> list[str]:
    report = Axe().run(page, options={"resultTypes": ["violations", "passes"]})
    inside_shadow = [n for p in report.response["passes"] for n in p["nodes"] if isinstance(n["target"][0], list)]
    assert inside_shadow, "axe did not look inside the widget's shadow root"
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in report.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


# (visibility, closed, what a reader who has not voted sees in the results view)
VIEWS = [
    ("always", False, "Results"),
    ("always", True, "Final results"),
    ("after_close", True, "Final results"),
    ("after_close", False, HIDDEN["after_close"]),
    ("never", False, HIDDEN["never"]),
    ("never", True, HIDDEN["never"]),
    ("after_vote", False, HIDDEN["after_vote"]),
    ("after_vote", True, HIDDEN["after_vote"]),
]


@pytest.mark.parametrize(("visibility", "closed", "seen"), VIEWS)
def test_the_results_view_shows_no_form_respects_visibility_and_asks_the_api_nothing(
    stack, page, visibility, closed, seen
):
    poll_id = create_poll(stack, results_visibility=visibility, challenge="none")["id"]
    vote_over_http(stack, poll_id, ["coffee"])
    if closed:
        close_poll(stack, poll_id)
    if seen in ("Results", "Final results"):
        # the vote reaches the edge's document through the fold and the publisher: wait for it (a deadline, no
        # sleep), or the page's first render shows none and its calm refresh later announces "1 person has voted."
        wait_for_document(stack, poll_id, 1)
    poll = open_article(page, stack, poll_id, view="results")
    expect(poll.locator(".q")).to_have_text("Tea or coffee?")
    if seen in ("Results", "Final results"):
        expect(poll.get_by_role("list", name=seen).get_by_role("listitem")).to_have_count(2)
        expect(poll.get_by_role("listitem").filter(has_text="Coffee")).to_contain_text("100% (1 vote)")
        expect(poll.get_by_role("status")).to_have_text("")
    else:
        expect(poll.get_by_role("status")).to_have_text(seen)
        expect(poll.get_by_role("list")).to_have_count(0)
        expect(poll.get_by_text("%")).to_have_count(0)
    expect(poll.locator("form, fieldset, input, button")).to_have_count(0)
    settle()
    assert api_calls(stack, poll_id) == []


def test_the_results_view_shows_a_reader_who_voted_the_results_only_voters_may_see(stack, page):
    poll_id = create_poll(stack, results_visibility="after_vote", challenge="none")["id"]
    poll = open_article(page, stack, poll_id)
    poll.get_by_role("radio", name="Tea").check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("listitem").filter(has_text="Tea")).to_contain_text("100% (1 vote)")
    poll = open_article(page, stack, poll_id, view="results")  # the same reader, a follow-up story
    expect(poll.get_by_role("listitem").filter(has_text="Tea")).to_contain_text("Tea (your choice)100% (1 vote)")
    expect(poll.locator("form, input, button")).to_have_count(0)
    assert stack.api_requests(f"/polls/{poll_id}/results?voter=")


def test_a_scheduled_poll_in_the_results_view_says_when_it_opens(stack, page):
    year = time.gmtime().tm_year + 2
    poll_id = create_poll(stack, opens_at=f"{year}-06-01T09:00:00Z", challenge="none")["id"]
    poll = open_article(page, stack, poll_id, view="results")
    expect(poll.get_by_role("status")).to_contain_text("This poll opens on ")
    expect(poll.get_by_role("status")).to_contain_text(str(year))
    expect(poll.locator("form, input, button, ul")).to_have_count(0)


@pytest.mark.parametrize("lang", ["en", "cy"])
@pytest.mark.parametrize("view", [None, "results"])
def test_hidden_results_of_a_poll_with_an_end_say_when_they_come(stack, page, lang, view):
    year = time.gmtime().tm_year + 1
    closes = f"{year}-03-01T12:00:00Z"
    poll_id = create_poll(stack, results_visibility="after_close", closes_at=closes, challenge="none")["id"]
    poll = open_article(page, stack, poll_id, view=view, lang=lang)
    texts = {} if lang == "en" else locale(lang)
    if view is None:  # the voting widget says it after the vote
        poll.locator("input").first.check()
        poll.locator("button").click()
    said = message(texts, "Results will be published when the poll closes on {x}.")
    expect(poll.get_by_role("status")).to_have_text(re.compile(pattern(said) + "$"))
    expect(poll.get_by_role("status")).to_contain_text(str(year))
    expect(poll.get_by_role("list")).to_have_count(0)


def test_the_results_view_refreshes_from_the_edge_and_says_the_new_count_once(stack, page):
    poll_id = create_poll(stack, challenge="none")["id"]
    vote_over_http(stack, poll_id, ["tea"])
    wait_for_document(stack, poll_id, 1)
    page.clock.install()
    poll = open_article(page, stack, poll_id, view="results")
    expect(poll.get_by_text("1 person has voted.")).to_be_visible()
    vote_over_http(stack, poll_id, ["coffee"])
    wait_for_document(stack, poll_id, 2)
    with page.expect_request(f"**/results/{poll_id}/latest.json"):
        page.clock.run_for(20_000)
    expect(poll.get_by_role("listitem").filter(has_text="Coffee")).to_contain_text("50% (1 vote)")
    expect(poll.get_by_role("status")).to_have_text("2 people have voted.")
    assert api_calls(stack, poll_id) == []


@pytest.mark.parametrize("visibility", ["always", "after_close"])
def test_the_results_view_has_no_serious_accessibility_violations(stack, page, visibility):
    poll_id = create_poll(stack, results_visibility=visibility, challenge="none")["id"]
    vote_over_http(stack, poll_id, ["tea"])
    poll = open_article(page, stack, poll_id, view="results")
    if visibility == "always":
        expect(poll.get_by_role("listitem")).to_have_count(2)
    else:
        expect(poll.get_by_role("status")).to_have_text(HIDDEN["after_close"])
    expect(poll.locator(".dc")).to_be_visible()
    assert serious_violations(page) == []


@pytest.mark.parametrize("lang", ["en", "cy", "ar"])
@pytest.mark.parametrize("view", [None, "results"])
def test_a_poll_shows_the_default_disclaimer_in_the_readers_language(stack, page, lang, view):
    poll_id = create_poll(stack, challenge="none")["id"]
    vote_over_http(stack, poll_id, ["tea"])
    expected = disclaimer() if lang == "en" else locale(lang)["disclaimer"]
    poll = open_article(page, stack, poll_id, view=view, lang=lang)
    note = poll.locator("p.dc")
    expect(note).to_have_text(expected)
    assert note.evaluate("e => e.closest('[lang]').lang") == lang
    if view is None:  # the voting form, then the results after the vote
        expect(poll.locator("input")).to_have_count(2)
        poll.locator("input").first.check()
        poll.locator("button").click()
        expect(poll.locator("li")).to_have_count(2)
        expect(note).to_have_text(expected)
    assert note.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") < 16  # a small note


# (the document's disclaimer, the reader's language, the note shown: None for none)
CUSTOM = "Not a scientific poll: readers chose to take part."
DISCLAIMERS = [
    (True, "en", disclaimer()),
    (False, "en", None),
    (False, "cy", None),
    (CUSTOM, "en", CUSTOM),
    (CUSTOM, "cy", "Testun yr arolwg."),  # the Welsh translation's own
    (CUSTOM, "fr", CUSTOM),  # no French translation: the poll's own
]


@pytest.mark.parametrize(("value", "lang", "shown"), DISCLAIMERS)
@pytest.mark.parametrize("view", [None, "results"])
def test_the_polls_disclaimer_field_turns_the_note_off_or_replaces_it(stack, page, value, lang, shown, view):
    welsh = {**WELSH, "disclaimer": "Testun yr arolwg."} if isinstance(value, str) else WELSH
    poll_id = create_poll(stack, challenge="none", disclaimer=value, translations={"cy": welsh})["id"]
    poll = open_article(page, stack, poll_id, view=view, lang=lang)
    expect(poll.locator(".q, legend")).to_have_text(WELSH["question"] if lang == "cy" else "Tea or coffee?")
    if shown is None:
        expect(poll.locator(".dc")).to_have_count(0)
    else:
        expect(poll.locator(".dc")).to_have_text(shown)
