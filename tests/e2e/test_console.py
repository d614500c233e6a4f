"""The editors' console in Chromium (Playwright) against the local stack: sign-in through the embedded Cognito
endpoint, a poll's whole life, the audit trail naming the editor, groups, keyboard, axe and phone width."""

from __future__ import annotations

import time
import uuid
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import requests

from tests.browser_support import CHROMIUM, CI_OUTPUT, serious_violations, sign_in, vote_over_http

if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run does)", allow_module_level=True)
try:
    import axe_playwright_python  # noqa: F401  (serious_violations runs axe)
    from playwright.sync_api import Page, expect
except ImportError as exc:
    pytest.skip(f"playwright or axe-playwright-python is not importable: {exc}", allow_module_level=True)

from local.cognito import ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, DEFAULT_EDITOR_PASSWORD, EDITOR_EMAIL
from local.stack import LocalStack
from ops.client import PollClient

SERVICE_TOKEN = "console-test-service-token-0123456789"


# The default sign-in passwords (DEFAULT_EDITOR_PASSWORD, DEFAULT_ADMIN_PASSWORD), whatever this shell sets.
STACK = {"admin_token": SERVICE_TOKEN, "env": {"EDITOR_PASSWORD": None, "ADMIN_PASSWORD": None}}


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(width: int = 1200, height: int = 900) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.said = []  # the browser console's messages (a refused inline style is one)
        page.on("console", lambda message: page.said.append(message.text))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def shot(page: Page, name: str) -> None:
    CI_OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(CI_OUTPUT / f"console-{name}.png"), full_page=True)


def tab_to(page: Page, target, limit: int = 60) -> None:
    """Press Tab until the target has focus (at most `limit` times), as a keyboard user would."""
    for _ in range(limit):
        if target.evaluate("e => e === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} never took focus within {limit} Tabs")


def service_create(stack: LocalStack, **fields) -> dict:
    body = {"question": f"Service poll {uuid.uuid4().hex[:6]}?", "options": ["Yes", "No"], **fields}
    return PollClient.over_http(stack.api_url, SERVICE_TOKEN).create_poll(**body)


def test_an_editor_runs_a_poll_from_sign_in_to_sign_out(stack, page):
    question = f"Should the library open on Sundays? {uuid.uuid4().hex[:6]}"
    page.goto(stack.console_url)
    expect(page.get_by_role("heading", name="Sign in to the polls console")).to_be_focused()
    assert serious_violations(page) == []
    shot(page, "1-sign-in")
    sign_in(page, stack, EDITOR_EMAIL, DEFAULT_EDITOR_PASSWORD)
    expect(page.get_by_text(f"{EDITOR_EMAIL} (editor)")).to_be_visible()

    poll_id = create_with_one_mistake(page, question)
    find_by_search(page, question)
    vote_watch_and_download(page, stack, poll_id)
    close_and_read_the_audit_trail(page, poll_id)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page.get_by_role("heading", name="Sign in to the polls console")).to_be_focused()
    assert page.evaluate("sessionStorage.length") == 0
    assert page.errors == []


def create_with_one_mistake(page: Page, question: str) -> str:
    """Create a poll, with one mistake first: the API's message appears next to the field it concerns."""
    page.get_by_role("link", name="New poll").first.click()
    expect(page.get_by_role("heading", name="New poll")).to_be_focused()
    page.get_by_label("Question", exact=True).fill(question)
    page.get_by_role("textbox", name="Option 1").fill("Yes")
    page.get_by_role("textbox", name="Option 2").fill("No")
    page.get_by_role("button", name="Add option").click()
    expect(page.get_by_role("textbox", name="Option 3")).to_be_focused()
    page.keyboard.type("Only in summer")
    page.get_by_label("Closes at").fill("2001-01-01T10:00")
    preview = page.locator(".preview [data-poll-id]")
    expect(preview.get_by_role("group", name=question)).to_be_visible()
    expect(preview.get_by_role("radio", name="Only in summer")).to_be_visible()
    # Styled under the console's own `style-src 'self'` (a constructable sheet): the widget's accent, not grey.
    expect(preview.get_by_role("button", name="Vote")).to_have_css("background-color", "rgb(11, 92, 173)")
    assert [text for text in page.said if "Content Security Policy" in text] == []
    assert serious_violations(page) == []
    shot(page, "2-new-poll-preview")
    page.get_by_role("button", name="Create poll").click()
    closes = page.get_by_label("Closes at")
    expect(closes).to_be_focused()
    expect(closes).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#poll-closes-error")).to_contain_text("Must be after opens_at")
    shot(page, "3-new-poll-error")
    closes.fill("")
    page.get_by_role("button", name="Create poll").click()
    expect(page.get_by_role("heading", name=question)).to_be_focused()
    return page.locator(".facts dd").nth(1).inner_text()


def find_by_search(page: Page, question: str) -> None:
    """Find the poll by words of its question, and open it."""
    page.get_by_role("link", name="Polls", exact=True).first.click()
    page.get_by_label("Search questions").fill("library sundays")
    page.get_by_role("button", name="Find polls").click()
    expect(page.get_by_role("status").filter(has_text="1 poll on this page")).to_be_visible()
    shot(page, "4-search")
    page.get_by_role("link", name=question).click()
    expect(page.get_by_role("heading", name=question)).to_be_focused()


def vote_watch_and_download(page: Page, stack: LocalStack, poll_id: str) -> None:
    """Vote through the real widget on the poll's page; results refresh on their own; chart; CSV; embed code."""
    widget = page.locator(".preview-box [data-poll-id]")
    widget.get_by_role("radio", name="Yes").check()
    widget.get_by_role("button", name="Vote").click()
    expect(widget.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
    results = page.get_by_role("region", name="Results")
    expect(results.get_by_role("row", name="Yes 1 100%")).to_be_visible(timeout=15_000)

    # The snapshot job writes the history point the chart draws (chalice local runs no schedules).
    stack.run_snapshots()
    page.reload()
    expect(page.get_by_text("Votes over time: 1 point")).to_be_visible()
    expect(page.locator("section[aria-labelledby=chart-title] .chart canvas")).to_be_visible()
    page.get_by_text("The chart's numbers as a table").click()
    expect(page.get_by_role("region", name="Votes over time as numbers").get_by_role("row")).to_have_count(2)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download results (CSV)").click()
    csv = download.value.path().read_text(encoding="utf-8-sig")
    lines = csv.splitlines()
    assert lines[0] == '"# Readers\' poll: a self-selected sample, not a scientific survey."'  # the disclaimer line
    assert lines[1:3] == ["option_id,label,votes,percent", "yes,Yes,1,100.0"]
    embed = page.get_by_label("Embed code").input_value()
    assert f'data-poll-id="{poll_id}"' in embed and "data-site=" in embed
    hosted = page.locator("#hosted-page").get_attribute("href")
    assert hosted is not None and hosted.endswith(f"/p/{poll_id}")
    assert f'<iframe src="{hosted}"' in page.get_by_label("Iframe code").input_value()
    assert f'<amp-iframe src="{hosted}"' in page.get_by_label("AMP code").input_value()
    assert serious_violations(page) == []
    shot(page, "5-poll")


def close_and_read_the_audit_trail(page: Page, poll_id: str) -> None:
    """Close the poll after confirming in a dialog; the audit trail names the editor."""
    page.get_by_role("button", name="Close poll").click()
    dialog = page.get_by_role("dialog", name="Close this poll?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    assert serious_violations(page) == []
    shot(page, "6-close-dialog")
    dialog.get_by_role("button", name="Close poll").click()
    expect(page.locator(".facts .status")).to_have_text("closed")
    expect(page.get_by_role("button", name="Reopen poll")).to_be_visible()
    expect(page.get_by_text("Deleting a poll needs the admins group.")).to_be_visible()
    assert page.get_by_role("button", name="Delete poll").count() == 0

    # The audit trail names the editor, on the poll's page and in the log.
    trail = page.get_by_role("region", name="This poll's audit log")
    expect(trail.get_by_role("row").nth(1)).to_contain_text(EDITOR_EMAIL)
    expect(trail.get_by_role("row").nth(1)).to_contain_text("closed")
    expect(trail.get_by_role("row").nth(1)).to_contain_text("status: open → closed")
    expect(trail.get_by_role("row").nth(2)).to_contain_text("created")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_focused()
    expect(page.get_by_role("row").filter(has_text=poll_id).first).to_contain_text(EDITOR_EMAIL)
    assert serious_violations(page) == []
    shot(page, "7-audit-log")


def test_an_editor_cannot_delete_and_the_api_refuses_with_403(stack, page):
    poll = service_create(stack)
    sign_in(page, stack, EDITOR_EMAIL, DEFAULT_EDITOR_PASSWORD)
    page.goto(f"{stack.console_url}#/polls/{poll['id']}")
    expect(page.get_by_role("heading", name=poll["question"])).to_be_focused()
    assert page.get_by_role("button", name="Delete poll").count() == 0
    status = page.evaluate(
        """async ([api, id]) => {
            const token = JSON.parse(sessionStorage.getItem("polls-console:session")).accessToken;
            const headers = {Authorization: `Bearer ${token}`};
            const answer = await fetch(`${api}/polls/${id}`, {method: "DELETE", headers});
            return [answer.status, (await answer.json()).error.code];
        }""",
        [f"{stack.web_url}/api", poll["id"]],  # the console's API: the site's /api
    )
    assert status == [403, "forbidden"]
    assert requests.get(f"{stack.api_url}/polls/{poll['id']}", timeout=10).status_code == 200


def test_an_admin_deletes_a_poll_after_confirming_and_sees_it_under_way(stack, page):
    poll = service_create(stack)
    sign_in(page, stack, ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD)
    held = []  # the DELETE, held until the view has been seen saying it is under way
    page.route(
        f"**/polls/{poll['id']}",
        lambda route: held.append(route) if route.request.method == "DELETE" else route.continue_(),
    )
    page.goto(f"{stack.console_url}#/polls/{poll['id']}")
    page.get_by_role("button", name="Delete poll").click()
    page.get_by_role("dialog", name="Delete this poll?").get_by_role("button", name="Delete").click()
    expect(page.locator(".action-status")).to_have_text("Deleting the poll…")
    expect(page.get_by_role("button", name="Delete poll")).to_be_disabled()
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert len(held) == 1
    held[0].continue_()
    # The delete queues behind the view's own reads on a busy local stack (moto serves one request at a time).
    expect(page.get_by_role("heading", name="Polls", exact=True)).to_be_focused(timeout=30_000)
    assert requests.get(f"{stack.api_url}/polls/{poll['id']}", timeout=10).status_code == 404


def test_a_wrong_password_is_said_next_to_the_password(stack, page):
    page.goto(stack.console_url)
    page.get_by_label("Email").fill(EDITOR_EMAIL)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Password")).to_be_focused()
    expect(page.locator("#signin-password-error")).to_have_text("The email or password is not right.")


def test_signing_in_and_creating_a_poll_work_by_keyboard_alone(stack, page):
    question = f"Keyboard poll {uuid.uuid4().hex[:6]}?"
    page.goto(stack.console_url)
    expect(page.get_by_role("heading", name="Sign in to the polls console")).to_be_focused()
    page.keyboard.press("Tab")  # from the heading, where the view put focus
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(EDITOR_EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type(DEFAULT_EDITOR_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Polls", exact=True)).to_be_focused()
    tab_to(page, page.get_by_role("link", name="New poll").first)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="New poll")).to_be_focused()
    page.keyboard.press("Tab")  # poll id
    page.keyboard.press("Tab")
    expect(page.get_by_label("Question", exact=True)).to_be_focused()
    page.keyboard.type(question)
    page.keyboard.press("Tab")
    page.keyboard.type("Yes")
    page.keyboard.press("Tab")  # Remove
    page.keyboard.press("Tab")
    page.keyboard.type("No")
    tab_to(page, page.get_by_role("button", name="Create poll"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=question)).to_be_focused()
    close = page.get_by_role("button", name="Close poll")
    tab_to(page, close)
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Close this poll?")).to_be_visible()
    page.keyboard.press("Escape")  # cancels, and focus returns to the button
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(close).to_be_focused()


def test_the_console_fits_a_phone_and_stays_accessible(stack, new_page):
    poll = service_create(stack)
    page = new_page(375, 812)
    sign_in(page, stack, EDITOR_EMAIL, DEFAULT_EDITOR_PASSWORD)
    views = ((f"#/polls/{poll['id']}", poll["question"]), ("#/polls/new", "New poll"), ("#/polls", "Polls"))
    for route, heading in views:
        page.goto(f"{stack.console_url}{route}")
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_focused()
        page.wait_for_timeout(300)
        assert page.evaluate("document.documentElement.scrollWidth") <= 376, route
        assert serious_violations(page) == []
    page.goto(f"{stack.console_url}#/polls/{poll['id']}")
    expect(page.get_by_role("heading", name=poll["question"])).to_be_focused()
    shot(page, "8-phone-poll")


def test_an_admin_voids_a_source_after_a_dry_run_and_the_audit_trail_says_why(stack, page):
    from tests.browser_support import vote_over_http

    poll = service_create(stack)
    vote_over_http(stack, poll["id"], ["no"])
    sign_in(page, stack, ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD)
    page.goto(f"{stack.console_url}#/polls/{poll['id']}")
    sources = page.get_by_role("region", name="Sources")
    # the report walks the index's 256 buckets: seconds on a loaded machine
    expect(sources.get_by_role("row", name="Source 1")).to_contain_text("1", timeout=30_000)
    # a vote straight at the API: no edge, no page, a program
    expect(sources.get_by_role("row", name="Source 1")).to_contain_text("unknown 1direct 1api 1")
    sources.get_by_role("button", name="Void…").click()
    expect(page.get_by_label("Reason for voiding source 1")).to_be_focused()  # a reason is required
    page.get_by_label("Reason for voiding source 1").fill("one address, many tokens")
    sources.get_by_role("button", name="Void…").click()
    dialog = page.get_by_role("dialog", name="Void these votes?")
    expect(dialog).to_contain_text("1 vote(s) from this source", timeout=30_000)  # the dry run walks them too
    dialog.get_by_role("button", name="Void votes").click()
    # A void reads each of the by-poll index's 256 buckets (the dry run did too), one request at a time locally.
    expect(page.get_by_text("1 vote(s) voided — “one address, many tokens”")).to_be_visible(timeout=30_000)
    trail = page.get_by_role("region", name="This poll's audit log")
    expect(trail.get_by_role("row").nth(1)).to_contain_text(ADMIN_EMAIL)
    expect(trail.get_by_role("row").nth(1)).to_contain_text("voided votes in")
    assert serious_violations(page) == []
    shot(page, "9-void")


VOID = frozenset({"img", "br", "meta", "link", "input", "source", "hr"})


class StrictFragment(HTMLParser):
    """Parses an HTML fragment, failing on an unclosed, stray or mismatched tag; keeps each tag's attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        names = [name for name, _ in attrs]
        assert len(names) == len(set(names)), f"<{tag}> repeats an attribute"
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:] or 'nothing'}"
        self.open.pop()

    def handle_data(self, data):
        assert "<" not in data and ">" not in data, f"unescaped markup in text: {data!r}"


def strict_parse(fragment: str) -> dict[str, dict[str, str | None]]:
    """Return each tag's attributes in a fragment that parses as well-formed HTML."""
    parser = StrictFragment()
    parser.feed(fragment)
    parser.close()
    assert parser.open == [], f"unclosed: {parser.open}"
    return {tag: attrs for tag, attrs in parser.tags}


@pytest.mark.parametrize(("visibility", "leading"), [("always", True), ("after_close", False)])
def test_the_embed_section_has_an_email_snippet_that_copies_and_parses(stack, new_page, visibility, leading):
    question = f'Is "fish & chips" <best> {uuid.uuid4().hex[:6]}?'
    poll = service_create(stack, question=question, challenge="none", results_visibility=visibility)
    vote_over_http(stack, poll["id"], ["yes"])
    page = new_page()
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(stack.console_url))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    sign_in(page, stack, EDITOR_EMAIL, DEFAULT_EDITOR_PASSWORD)
    page.goto(f"{stack.console_url}#/polls/{poll['id']}")
    snippet = page.get_by_label("E-mail code").input_value()
    tags = strict_parse(snippet)
    hosted = page.locator("#hosted-page").get_attribute("href")
    site = hosted.rsplit("/p/", 1)[0]
    assert list(tags) == ["a", "img"] and tags["a"]["href"] == hosted
    assert tags["img"]["src"] == f"{site}/cards/{poll['id']}/en/latest.png"
    assert (tags["img"]["width"], tags["img"]["height"]) == ("600", "315")
    assert tags["img"]["alt"] == (f"{question} — leading: Yes (100.0%)" if leading else question)
    page.get_by_role("button", name="Copy e-mail code").click()
    expect(page.get_by_text("E-mail code copied.")).to_be_attached()
    assert page.evaluate("navigator.clipboard.readText()") == snippet

    results_only = strict_parse(page.get_by_label("Results only code").input_value())
    assert results_only["div"]["data-view"] == "results" and results_only["div"]["data-poll-id"] == poll["id"]
    assert page.locator("#results-page").get_attribute("href") == f"{site}/r/{poll['id']}"
    assert serious_violations(page) == []


def test_an_editor_sets_the_disclaimer_and_article_link_and_a_bad_link_is_said_next_to_it(stack, page):
    question = f"Should the ferry run on Sundays? {uuid.uuid4().hex[:6]}"
    sign_in(page, stack, EDITOR_EMAIL, DEFAULT_EDITOR_PASSWORD)
    page.get_by_role("link", name="New poll").first.click()
    page.get_by_label("Question", exact=True).fill(question)
    page.get_by_role("textbox", name="Option 1").fill("Yes")
    page.get_by_role("textbox", name="Option 2").fill("No")
    expect(page.get_by_label("Disclaimer text")).to_be_hidden()
    page.get_by_label("Disclaimer", exact=True).select_option("custom")
    page.get_by_label("Disclaimer text").fill("Not a survey: readers chose to answer.")
    link = page.get_by_label("Article link (optional)")
    link.fill("http://news.example.com/ferry")
    page.get_by_role("button", name="Create poll").click()
    expect(link).to_be_focused()
    expect(page.locator("#poll-article-error")).to_contain_text("Must be an https URL")
    link.fill("https://news.example.com/ferry")
    page.get_by_role("button", name="Create poll").click()
    expect(page.get_by_role("heading", name=question)).to_be_focused()
    poll_id = page.locator(".facts dd").nth(1).inner_text()
    client = PollClient.over_http(stack.api_url, SERVICE_TOKEN)
    saved = client.request("GET", f"/polls/{poll_id}/admin", admin=True).expect(200)
    assert (saved["disclaimer"], saved["article_url"]) == (
        "Not a survey: readers chose to answer.",
        "https://news.example.com/ferry",
    )

    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Disclaimer", exact=True).select_option("off")
    page.get_by_label("Article link (optional)").fill("")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name=question)).to_be_focused()
    saved = client.request("GET", f"/polls/{poll_id}/admin", admin=True).expect(200)
    assert (saved["disclaimer"], saved["article_url"]) == (False, None)
    assert page.errors == []


def test_an_editor_chooses_a_proof_of_works_algorithm_offered_only_with_a_proof_of_work(stack, page):
    question = f"Should the library open late? {uuid.uuid4().hex[:6]}"
    sign_in(page, stack, EDITOR_EMAIL, DEFAULT_EDITOR_PASSWORD)
    page.get_by_role("link", name="New poll").first.click()
    page.get_by_label("Question", exact=True).fill(question)
    page.get_by_role("textbox", name="Option 1").fill("Yes")
    page.get_by_role("textbox", name="Option 2").fill("No")
    proof = page.get_by_label("Proof of work", exact=True)
    page.get_by_label("Bot challenge").select_option("none")
    expect(proof).to_be_hidden()
    page.get_by_label("Bot challenge").select_option("proof_of_work")
    proof.select_option("pbkdf2")
    page.get_by_role("button", name="Create poll").click()
    expect(page.get_by_role("heading", name=question)).to_be_focused()
    poll_id = page.locator(".facts dd").nth(1).inner_text()
    client = PollClient.over_http(stack.api_url, SERVICE_TOKEN)
    assert client.request("GET", f"/polls/{poll_id}/admin", admin=True).expect(200)["proof_algorithm"] == "pbkdf2"

    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Proof of work", exact=True).select_option("scrypt")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name=question)).to_be_focused()
    assert client.request("GET", f"/polls/{poll_id}/admin", admin=True).expect(200)["proof_algorithm"] == "scrypt"
    assert page.errors == []
