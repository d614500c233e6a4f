"""The widget reads the edge first: in Chromium, a newsroom's page embeds it from the local site (CloudFront's
stand-in), and the site's log of requests passed to `chalice local` counts what reaches the API."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser_support import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
try:
    from playwright.sync_api import Page, expect
except ImportError as exc:
    pytest.skip(f"playwright is not importable: {exc}", allow_module_level=True)

from local.stack import LocalStack
from ops.client import session_from
from tests.browser_support import api_calls, close_poll, create_poll, open_article, settle, vote_over_http

TOKEN = "edge-widget-test-token"
HIDE = """() => {
  Object.defineProperty(document, "hidden", { value: true, configurable: true });
  Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}"""
FOCUSED = (
    "id => document.querySelector(`[data-poll-id='${id}']`).shadowRoot.activeElement?.querySelector('ul')?.ariaLabel"
)
SHOW = """() => {
  delete document.hidden;
  delete document.visibilityState;
  document.dispatchEvent(new Event("visibilitychange"));
}"""


STACK = {"admin_token": TOKEN}


@pytest.fixture
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def edit_document(stack: LocalStack, key: str, **fields) -> None:
    """Change fields of a JSON document in the bucket, keeping its type and caching."""
    s3 = stack.s3()
    found = s3.get_object(Bucket=stack.results_bucket, Key=key)
    document = {**json.loads(found["Body"].read()), **fields}
    s3.put_object(
        Bucket=stack.results_bucket,
        Key=key,
        Body=json.dumps(document).encode(),
        ContentType=found["ContentType"],
        CacheControl=found["CacheControl"],
    )


def iso(seconds_from_now: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds_from_now)).strftime("%Y-%m-%dT%H:%M:%SZ")


def wait_for_document(stack: LocalStack, poll_id: str, voters: int, timeout: float = 30) -> None:
    """Wait until the poll's public results document shows `voters` voters (the stream consumer writes it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = stack.read_snapshot(f"results/{poll_id}/latest.json")
        if found is not None and found["total_voters"] >= voters:
            return
        time.sleep(0.2)
    raise AssertionError(f"results/{poll_id}/latest.json did not reach {voters} voters")


# (visibility, closed, what a reader who has not voted sees)
PAGE_VIEWS = [
    ("always", False, "form"),
    ("after_vote", False, "form"),
    ("after_close", False, "form"),
    ("never", False, "form"),
    ("always", True, "results"),
    ("after_close", True, "results"),
    ("after_vote", True, "hidden"),
    ("never", True, "hidden"),
]


@pytest.mark.parametrize(("visibility", "closed", "seen"), PAGE_VIEWS)
@pytest.mark.parametrize("challenge", ["none", "proof_of_work"])
def test_a_readers_page_view_renders_from_the_edge_and_makes_no_api_request(
    stack, page, visibility, closed, seen, challenge
):
    poll_id = create_poll(stack, results_visibility=visibility, challenge=challenge)["id"]
    vote_over_http(stack, poll_id, ["coffee"])
    if closed:
        close_poll(stack, poll_id)
    poll = open_article(page, stack, poll_id)
    if seen == "form":
        expect(poll.get_by_role("radio", name="Tea")).to_be_visible()
        expect(poll.get_by_role("list")).to_have_count(0)
    elif seen == "results":
        expect(poll.get_by_role("list", name="Final results").get_by_role("listitem")).to_have_count(2)
        expect(poll.get_by_role("listitem").filter(has_text="Coffee")).to_contain_text("100% (1 vote)")
    else:
        expect(poll.get_by_role("status")).to_contain_text("This poll is closed.")
        expect(poll.get_by_role("list")).to_have_count(0)
    settle()
    assert api_calls(stack, poll_id) == []


@pytest.mark.parametrize(("challenge", "expected"), [("none", 1), ("proof_of_work", 2)])
def test_a_vote_is_one_api_request_and_one_more_for_a_proof_of_work_challenge(stack, page, challenge, expected):
    poll_id = create_poll(stack, challenge=challenge)["id"]
    poll = open_article(page, stack, poll_id)
    poll.get_by_role("radio", name="Tea").check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
    expect(poll.get_by_role("listitem").filter(has_text="Tea")).to_contain_text("100% (1 vote)")
    settle()
    calls = api_calls(stack, poll_id)
    assert len(calls) == expected and calls[-1] == ("POST", f"/polls/{poll_id}/votes"), calls
    assert all(call == ("GET", f"/polls/{poll_id}/challenge") for call in calls[:-1])


def test_a_returning_voter_asks_the_api_once_for_results_only_voters_may_see(stack, page):
    poll_id = create_poll(stack, results_visibility="after_vote", challenge="none")["id"]
    poll = open_article(page, stack, poll_id)
    poll.get_by_role("radio", name="Coffee").check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("listitem").filter(has_text="Coffee")).to_contain_text("100% (1 vote)")
    before = len(api_calls(stack, poll_id))
    page.reload()
    expect(poll.get_by_role("status")).to_have_text("You have already voted in this poll.")
    expect(poll.get_by_role("listitem").filter(has_text="Coffee")).to_contain_text("100% (1 vote)")
    settle()
    after = api_calls(stack, poll_id)[before:]
    assert after == [("GET", f"/polls/{poll_id}/results")]
    assert stack.api_requests(f"/polls/{poll_id}/results?voter=")  # with its voter token


def test_without_its_document_the_widget_falls_back_to_the_api(stack, page):
    poll_id = create_poll(stack, challenge="none")["id"]
    stack.s3().delete_object(Bucket=stack.results_bucket, Key=f"polls/{poll_id}.json")
    poll = open_article(page, stack, poll_id)
    expect(poll.get_by_role("radio", name="Coffee")).to_be_visible()
    assert api_calls(stack, poll_id) == [("GET", f"/polls/{poll_id}")]


def test_without_its_results_document_a_closed_poll_shows_the_apis_results(stack, page):
    poll_id = create_poll(stack, challenge="none")["id"]
    vote_over_http(stack, poll_id, ["tea"])
    close_poll(stack, poll_id)
    stack.s3().delete_object(Bucket=stack.results_bucket, Key=f"results/{poll_id}/latest.json")
    poll = open_article(page, stack, poll_id)
    expect(poll.get_by_role("listitem").filter(has_text="Tea")).to_contain_text("100% (1 vote)")
    assert api_calls(stack, poll_id) == [("GET", f"/polls/{poll_id}/results")]


@pytest.mark.parametrize(
    ("stale", "fields"),
    [
        (True, {"status": "scheduled", "opens_at": iso(-60)}),  # it has opened since the document was written
        (True, {"status": "open", "closes_at": iso(-60)}),  # it has closed since
        (False, {"status": "open", "closes_at": iso(3600)}),  # still within its window
    ],
)
def test_a_document_past_its_window_is_checked_with_the_api(stack, page, stale, fields):
    poll_id = create_poll(stack, challenge="none")["id"]  # open, no end: the API's answer is the form
    edit_document(stack, f"polls/{poll_id}.json", **fields)
    poll = open_article(page, stack, poll_id)
    expect(poll.get_by_role("radio", name="Tea")).to_be_visible()
    settle()
    assert api_calls(stack, poll_id) == ([("GET", f"/polls/{poll_id}")] if stale else [])


@pytest.mark.parametrize(("visibility", "closed"), [("never", False), ("never", True), ("after_close", False)])
def test_hidden_results_are_never_shown_even_if_a_public_document_lingers(stack, page, visibility, closed):
    poll_id = create_poll(stack, results_visibility=visibility, challenge="none")["id"]
    vote_over_http(stack, poll_id, ["tea"])
    if closed:
        close_poll(stack, poll_id)
    lingering = {"poll_id": poll_id, "lang": "en", "question": "Leaked?", "status": "open", "total_voters": 1}
    lingering["options"] = [{"id": "tea", "label": "Tea", "votes": 1, "percent": 100.0}]
    s3 = stack.s3()
    s3.put_object(Bucket=stack.results_bucket, Key=f"results/{poll_id}/latest.json", Body=json.dumps(lingering))
    seen = []
    page.on("request", lambda request: seen.append(request.url))
    poll = open_article(page, stack, poll_id)
    if not closed:
        poll.get_by_role("radio", name="Coffee").check()
        poll.get_by_role("button", name="Vote").click()
        expect(poll.get_by_role("status")).to_contain_text("Thank you, your vote has been counted.")
    else:
        expect(poll.get_by_role("status")).to_contain_text("The results of this poll are not published.")
    settle()
    expect(poll.get_by_role("list")).to_have_count(0)
    expect(poll.get_by_text("Leaked?")).to_have_count(0)
    assert not [url for url in seen if "/results/" in url and "/api/" not in url]


def vote_and_watch(page: Page, stack: LocalStack, poll_id: str):
    """Vote Tea in the page (its clock under the test's control) and return the widget showing 1 voter."""
    page.clock.install()
    poll = open_article(page, stack, poll_id)
    poll.get_by_role("radio", name="Tea").check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_text("1 person has voted.")).to_be_visible()
    return poll


def vote_elsewhere(stack: LocalStack, poll_id: str, address: str) -> None:
    """Vote Coffee as another reader, from another address, through the site."""
    body = {"options": ["coffee"], "voter": f"elsewhere-{address.replace('.', '-')}"}
    response = session_from(address).post(f"{stack.web_url}/api/polls/{poll_id}/votes", json=body, timeout=10)
    assert response.status_code == 201, response.text


def test_open_results_on_screen_show_another_readers_vote_without_a_reload(stack, page):
    poll_id = create_poll(stack, challenge="none")["id"]
    poll = vote_and_watch(page, stack, poll_id)
    vote_elsewhere(stack, poll_id, "127.0.0.3")
    wait_for_document(stack, poll_id, 2)  # the counters stream's consumer rewrote latest.json
    with page.expect_request(f"**/results/{poll_id}/latest.json"):
        page.clock.run_for(20_000)
    expect(poll.get_by_role("listitem").filter(has_text="Coffee")).to_contain_text("50% (1 vote)")
    expect(poll.get_by_role("status")).to_have_text("2 people have voted.")  # said once, politely
    # Focus stays on the results, where the vote put it (not lost to the page's top).
    assert page.evaluate(FOCUSED, poll_id) == "Results"
    page.evaluate(
        """id => { window.said = []; const s = document.querySelector(`[data-poll-id="${id}"]`).shadowRoot
      .querySelector("[role=status]"); new MutationObserver(() => window.said.push(s.textContent)).observe(s,
      {childList: true, characterData: true, subtree: true}); }""",
        poll_id,
    )
    page.clock.run_for(40_000)  # nothing new: the numbers are not announced again
    texts = page.evaluate("window.said")
    assert texts == []
    assert [c for c in api_calls(stack, poll_id) if c[0] == "GET"] == []


def test_the_refresh_pauses_while_the_page_is_hidden(stack, page):
    poll_id = create_poll(stack, challenge="none")["id"]
    poll = vote_and_watch(page, stack, poll_id)
    reads = []
    page.on("request", lambda request: reads.append(request.url) if "latest.json" in request.url else None)
    page.evaluate(HIDE)
    vote_elsewhere(stack, poll_id, "127.0.0.4")
    wait_for_document(stack, poll_id, 2)
    page.clock.run_for(120_000)
    assert reads == []
    expect(poll.get_by_text("1 person has voted.")).to_be_visible()
    page.evaluate(SHOW)
    page.clock.run_for(20_000)
    expect(poll.get_by_role("status")).to_have_text("2 people have voted.")
    assert len(reads) == 1
