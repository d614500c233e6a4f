"""The hosted poll page `{site}/p/{id}` in Chromium: a reader without JavaScript votes through its form, sees the
confirmation and the results, and cannot vote twice; its Open Graph tags; axe on both pages; bad input."""

from __future__ import annotations

import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import requests

from tests.browser_support import CHROMIUM, CI_OUTPUT, close_poll, create_poll, results, vote_over_http

if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run does)", allow_module_level=True)
from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Page, expect  # noqa: E402

from local.stack import LocalStack  # noqa: E402

TOKEN = "hosted-page-test-token"
DISCLAIMER = "Readers' poll: a self-selected sample, not a scientific survey."


STACK = {"admin_token": TOKEN}


def create(stack: LocalStack, **fields) -> dict:
    defaults = {"question": "Should the town square go car-free?", "options": ["Yes", "No"], "challenge": "none"}
    return create_poll(stack, **{**defaults, **fields})


def total(stack: LocalStack, poll_id: str) -> int:
    return int(results(stack, poll_id)["total_voters"])


def serious(page: Page) -> list[str]:
    report = Axe().run(page)
    return [
        f"{v['id']}: {v['impact']}" for v in report.response["violations"] if v["impact"] in ("serious", "critical")
    ]


class Meta(HTMLParser):
    """Collects a page's <meta> and <link> tags."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in found or "name" in found):
            self.meta[found.get("property") or found["name"]] = found.get("content", "")
        if tag == "link":
            self.links.append(found)


def test_a_reader_without_javascript_votes_on_the_hosted_page_and_cannot_vote_twice(stack, browser):
    poll = create(stack)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{stack.web_url}/p/{poll['id']}")
    expect(page).to_have_title(poll["question"])
    page.get_by_role("radio", name="Yes").check()
    page.get_by_role("button", name="Vote").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(page.get_by_role("heading", name="Results")).to_be_visible()
    expect(page.get_by_text("Yes: 1 (100.0%)")).to_be_visible()
    CI_OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(CI_OUTPUT / "hosted-page-voted.png"), full_page=True)
    cookie = next(c for c in context.cookies() if c["name"] == "poll_voter")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    page.goto(f"{stack.web_url}/p/{poll['id']}")
    page.get_by_role("radio", name="No").check()
    page.get_by_role("button", name="Vote").click()
    expect(page.get_by_role("heading", name="You have already voted")).to_be_visible()
    assert total(stack, poll["id"]) == 1
    context.close()


def test_the_hosted_page_and_its_confirmation_have_no_serious_accessibility_violations(stack, browser):
    poll = create(stack)
    context = browser.new_context()
    page = context.new_page()
    page.route("**/widget/**", lambda route: route.abort())  # the page as a reader without the widget sees it
    page.goto(f"{stack.web_url}/p/{poll['id']}")
    expect(page.get_by_role("button", name="Vote")).to_be_visible()
    assert serious(page) == []
    page.get_by_role("radio", name="No").check()
    page.get_by_role("button", name="Vote").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert serious(page) == []
    context.close()


def test_with_javascript_the_widget_takes_the_forms_place(stack, browser):
    poll = create(stack)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{stack.web_url}/p/{poll['id']}")
    # the widget's shadow root replaces the form: its region is what renders (the form stays unslotted, unseen)
    widget = page.get_by_role("region", name=f"Poll: {poll['question']}")
    expect(widget.get_by_role("button", name="Vote")).to_be_visible()
    expect(page.locator("form[action$='/form']")).to_be_hidden()
    widget.get_by_role("radio", name="Yes").check()
    widget.get_by_role("button", name="Vote").click()
    expect(widget.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
    assert total(stack, poll["id"]) == 1
    context.close()


def test_the_hosted_page_has_open_graph_and_twitter_card_tags(stack):
    poll = create(
        stack,
        translations={"cy": {"question": "A ddylai'r sgwâr fod yn ddi-gar?", "options": {"yes": "Dylai", "no": "Na"}}},
    )
    answer = requests.get(f"{stack.web_url}/p/{poll['id']}", timeout=30)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")
    parsed = Meta()
    parsed.feed(answer.text)
    page_url = f"{stack.web_url}/p/{poll['id']}"
    assert parsed.meta["og:title"] == parsed.meta["twitter:title"] == poll["question"]
    assert parsed.meta["og:type"] == "website" and parsed.meta["twitter:card"] == "summary"
    assert parsed.meta["og:url"] == page_url and "Yes / No" in parsed.meta["og:description"]
    alternates = {link["hreflang"]: link["href"] for link in parsed.links if link.get("rel") == "alternate"}
    assert alternates == {"en": page_url, "cy": f"{page_url}/cy", "x-default": page_url}
    welsh = requests.get(f"{page_url}/cy", timeout=30)
    assert welsh.status_code == 200 and "A ddylai" in welsh.text


def test_a_proof_of_work_poll_page_says_voting_needs_javascript(stack, browser):
    poll = create(stack, challenge="proof_of_work")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{stack.web_url}/p/{poll['id']}")
    expect(page.get_by_text("Voting in this poll needs JavaScript", exact=False)).to_be_visible()
    assert page.get_by_role("button", name="Vote").count() == 0
    context.close()


@pytest.mark.parametrize(
    ("body", "status", "outcome"),
    [("", 400, "invalid_option"), ("option=maybe", 400, "invalid_option"), ("vote=yes", 400, "invalid_form")],
)
def test_bad_form_posts_through_the_site_get_a_clear_page_and_write_nothing(stack, body, status, outcome):
    poll = create(stack)
    answer = requests.post(
        f"{stack.web_url}/api/polls/{poll['id']}/form",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"},
        timeout=30,
    )
    assert answer.status_code == status and f'data-outcome="{outcome}"' in answer.text
    assert answer.headers["Content-Type"].startswith("text/html")
    assert total(stack, poll["id"]) == 0


def page_saying(url: str, words: str, seconds: float = 30) -> str:
    """Return a page once it holds the given words (the publisher writes it within seconds of the fold)."""
    deadline = time.monotonic() + seconds
    while True:
        answer = requests.get(url, timeout=30)
        if answer.status_code == 200 and words in answer.text:
            return answer.text
        assert time.monotonic() < deadline, f"{url} never said {words!r}: {answer.status_code} {answer.text[:300]}"
        time.sleep(0.2)


def test_the_hosted_page_has_the_sites_name_the_question_once_the_disclaimer_and_the_article_link(stack, browser):
    poll = create(stack, article_url="http://localhost:9/story")
    context = browser.new_context()  # axe needs JavaScript: the widget is kept out instead
    page = context.new_page()
    page.route("**/widget/**", lambda route: route.abort())  # the page as a reader without the widget sees it
    page.goto(f"{stack.web_url}/p/{poll['id']}")
    expect(page.get_by_role("banner")).to_have_text(urlsplit(stack.web_url).hostname)
    expect(page.get_by_role("heading", level=1)).to_have_text(poll["question"])
    expect(page.get_by_text(poll["question"])).to_have_count(1)
    expect(page.get_by_text(DISCLAIMER)).to_be_visible()
    expect(page.get_by_role("link", name="Back to the article")).to_have_attribute("href", "http://localhost:9/story")
    assert serious(page) == []
    context.close()


def test_the_results_page_shows_public_results_without_a_form_or_a_script_and_may_be_framed(stack, browser):
    poll = create(stack)
    vote_over_http(stack, poll["id"], ["yes"])
    url = f"{stack.web_url}/r/{poll['id']}"
    page_saying(url, "1 voter<")
    headers = requests.get(url, timeout=30).headers
    assert "X-Frame-Options" not in headers and "frame-ancestors" not in headers.get("Content-Security-Policy", "")
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(poll["question"])
    expect(page.get_by_text("Yes: 1 (100.0%)")).to_be_visible()
    expect(page.locator("meter")).to_have_count(2)
    assert page.locator("form, script, input, button, [style]").count() == 0
    expect(page.get_by_text(DISCLAIMER)).to_be_visible()
    assert serious(page) == []
    context.close()


def test_the_results_page_of_an_after_close_poll_says_when_and_shows_them_once_closed(stack, browser):
    poll = create(stack, results_visibility="after_close")
    vote_over_http(stack, poll["id"], ["no"])
    url = f"{stack.web_url}/r/{poll['id']}"
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    expect(page.get_by_text("The results will be published when the poll closes.")).to_be_visible()
    assert page.locator("meter").count() == 0 and "No: 1" not in page.content()
    assert serious(page) == []
    close_poll(stack, poll["id"])
    page_saying(url, "Poll closed")
    page.goto(url)
    expect(page.get_by_text("No: 1 (100.0%)")).to_be_visible()
    assert page.locator("form, script").count() == 0
    assert serious(page) == []
    context.close()
