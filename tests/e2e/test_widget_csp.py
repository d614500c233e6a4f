"""The widget under a newsroom's strict Content Security Policy, in Chromium: the demo article served with
`style-src 'self'` and scripts only from the site (the demo origin's `/strict`) looks as the demo article does, and
the browser reports no violation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from tests.browser_support import CHROMIUM, CI_OUTPUT

if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium`", allow_module_level=True)
try:
    from playwright.sync_api import Page, expect
except ImportError as exc:
    pytest.skip(f"playwright is not importable: {exc}", allow_module_level=True)

from local.stack import LocalStack
from tests.browser_support import close_poll, create_poll, results, vote_over_http, widget

STACK = {"admin_token": "widget-csp-token"}
ACCENT = "rgb(138, 21, 56)"  # the demo article's --poll-accent, #8a1538 (from web/demo.html, or /demo.css)
# Every violation the page sees, shadow roots and workers included (the event is composed and bubbles).
WATCH = """window.violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.violations.push(e.violatedDirective + " " + e.blockedURI), true);"""
NO_CONSTRUCTABLE_SHEETS = """delete ShadowRoot.prototype.adoptedStyleSheets;
delete Document.prototype.adoptedStyleSheets;"""
PROPERTIES = [
    "color",
    "backgroundColor",
    "fontFamily",
    "fontSize",
    "fontWeight",
    "lineHeight",
    "textTransform",
    "borderTopWidth",
    "borderTopColor",
    "borderTopLeftRadius",
    "paddingTop",
    "paddingLeft",
    "marginTop",
    "width",
    "height",
    "accentColor",
    "outlineColor",
]
# Each element of the widget's shadow root that the selectors find: its computed styles and its box relative to
# the widget's element.
LOOKS = """([id, properties]) => {
  const host = document.querySelector(`[data-poll-id="${id}"]`);
  const origin = host.getBoundingClientRect();
  const seen = {};
  const selectors = ["section", "legend", "label", "input", "button", ".q", "ul", "li", ".p", ".bar", ".bar i", ".n",
    ".s", ".dc"];
  for (const selector of selectors) {
    [...host.shadowRoot.querySelectorAll(selector)].forEach((e, i) => {
      const style = getComputedStyle(e), box = e.getBoundingClientRect();
      seen[`${selector} ${i}`] = {
        ...Object.fromEntries(properties.map((p) => [p, style[p]])),
        box: [box.x - origin.x, box.y - origin.y, box.width, box.height].map((n) => Math.round(n * 10) / 10),
      };
    });
  }
  return seen;
}"""


@pytest.fixture
def open_page(browser):
    """Open a page of the demo origin in a fresh context (a reader of its own), recording CSP violations, both the
    page's `securitypolicyviolation` events and the browser's console messages about the policy."""
    contexts = []

    def make(stack: LocalStack, path: str, poll_id: str, before: str = "", view: str | None = None) -> Page:
        context = browser.new_context(viewport={"width": 1000, "height": 1400})
        contexts.append(context)
        context.add_init_script(WATCH + before)
        page = context.new_page()
        page.console_said = []
        page.on("console", lambda message: page.console_said.append(message.text))
        query = {"poll": poll_id, **({"view": view} if view else {})}
        page.goto(f"{stack.demo_url.rstrip('/')}{path}?{urlencode(query)}")
        return page

    yield make
    for context in contexts:
        context.close()


def violations(page: Page) -> list[str]:
    """Return what the page's policy refused, as events and as console messages."""
    said = [text for text in page.console_said if "Content Security Policy" in text]
    return page.evaluate("window.violations") + said


def looks(page: Page, poll_id: str) -> dict[str, Any]:
    return page.evaluate(LOOKS, [poll_id, PROPERTIES])


def test_the_strict_page_sends_the_policy_and_its_own_styles_from_its_origin(stack, open_page):
    page = open_page(stack, "/strict", "no-poll")
    response = page.request.get(page.url)
    policy = response.headers["content-security-policy"]
    assert "style-src 'self'" in policy and f"script-src {stack.web_url}" in policy and "'unsafe-inline'" not in policy
    assert page.evaluate("document.querySelectorAll('style, [style]').length") == 0  # the page's own, not a widget's
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Georgia")  # /demo.css applied


@pytest.mark.parametrize("state", ["form", "results", "results view"])
def test_under_a_strict_policy_the_widget_looks_as_on_the_demo_page_and_nothing_is_refused(stack, open_page, state):
    poll_id = create_poll(stack, options=["Tea", "Coffee", "Water"], challenge="none")["id"]
    if state != "form":
        for choice in ("tea", "tea", "coffee"):
            vote_over_http(stack, poll_id, [choice])
        if state == "results":
            close_poll(stack, poll_id)
    seen = {}
    for path in ("/demo", "/strict"):
        page = open_page(stack, path, poll_id, view="results" if state == "results view" else None)
        poll = widget(page, poll_id)
        if state == "form":
            expect(poll.get_by_role("button", name="Vote")).to_have_css("background-color", ACCENT)
        else:
            expect(poll.locator(".bar i").first).to_have_css("background-color", ACCENT)
        expect(poll.locator(".dc")).to_be_visible()
        seen[path] = looks(page, poll_id)
        assert violations(page) == [], path
        CI_OUTPUT.mkdir(exist_ok=True)
        poll.screenshot(path=str(CI_OUTPUT / f"widget-{path.strip('/')}-{state.replace(' ', '-')}.png"))
    assert len(seen["/demo"]) >= 8
    assert seen["/strict"] == seen["/demo"]


def test_a_reader_votes_on_a_proof_of_work_poll_under_the_strict_policy(stack, open_page):
    poll_id = create_poll(stack, challenge="proof_of_work")["id"]
    page = open_page(stack, "/strict", poll_id)
    workers = []

    def started(worker: object) -> None:  # Playwright cannot wrap a builtin such as list.append
        workers.append(worker)

    page.on("worker", started)
    poll = widget(page, poll_id)
    poll.get_by_role("radio", name="Coffee").check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
    expect(poll.locator(".bar i").nth(1)).to_have_css("background-color", ACCENT)
    assert workers and results(stack, poll_id)["total_voters"] == 1
    assert violations(page) == []


@pytest.mark.parametrize(("path", "styled"), [("/demo", True), ("/strict", False)])
def test_without_constructable_sheets_the_widget_falls_back_to_a_style_element(stack, open_page, path, styled):
    poll_id = create_poll(stack, challenge="none")["id"]
    page = open_page(stack, path, poll_id, NO_CONSTRUCTABLE_SHEETS)
    button = widget(page, poll_id).get_by_role("button", name="Vote")
    expect(button).to_be_visible()
    assert widget(page, poll_id).locator("style").count() == 1
    background = button.evaluate("e => getComputedStyle(e).backgroundColor")
    assert (background == ACCENT) is styled
    # The strict policy refuses the fallback's inline styles, and the test sees it: what the others check is real.
    refused = violations(page)
    assert (refused == []) is styled, refused
    if not styled:
        assert any("style-src" in text for text in refused)
