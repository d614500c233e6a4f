"""The widget in the reader's language, in Chromium against the local stack: locales, right to left, poll translations,
every error's message, randomised order, and hosting the widget on another origin than the page."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tests.browser_support import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium`", allow_module_level=True)
try:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Page, Route, expect
except ImportError as exc:
    pytest.skip(f"playwright or axe-playwright-python is not importable: {exc}", allow_module_level=True)

from infra.site_files import embed_snippet, manifest
from local.stack import LocalStack
from tests.browser_support import create_poll, open_host_page, results, votes_by_option, widget
from tests.widget_texts import (
    LANGUAGES,
    SHOWN_FOR_CODE,
    english,
    locale,
    message,
    pattern,
    rendered_from,
)

ADMIN_TOKEN = "widget-languages-token"
OPTIONS = [{"id": "tea", "label": "Tea"}, {"id": "coffee", "label": "Coffee"}, {"id": "water", "label": "Water"}]
QUESTION = "Tea, coffee or water?"
WELSH = {"question": "Te, coffi neu ddŵr?", "options": {"tea": "Te", "coffee": "Coffi", "water": "Dŵr"}}
EVERY_LANGUAGE = {  # the poll's own words in each language, so that nothing English is left on the page
    lang: {"question": f"{QUESTION} [{lang}]", "options": {o["id"]: f"{o['label']} [{lang}]" for o in OPTIONS}}
    for lang in LANGUAGES
}


STACK = {"admin_token": ADMIN_TOKEN}


def open_in(page: Page, stack: LocalStack, poll_id: str, lang: str) -> None:
    """Open the preview page with `<html lang="...">`."""
    page.goto(f"{stack.web_url}/embed?poll={poll_id}&lang={lang}")


def record_status(page: Page, poll_id: str) -> None:
    """Keep every text the widget's live region shows, in order, in window.said."""
    page.evaluate(
        """id => {
          window.said = [];
          const status = document.querySelector(`[data-poll-id="${id}"]`).shadowRoot.querySelector("[role=status]");
          new MutationObserver(() => window.said.push(status.textContent)).observe(status, {childList: true});
        }""",
        poll_id,
    )


UI_STRINGS = """id => {
  const root = document.querySelector(`[data-poll-id="${id}"]`).shadowRoot;
  const texts = [...root.querySelectorAll(".h, button, .me, .p, .n, [role=status]")].map(e => e.textContent.trim());
  const labels = [...root.querySelectorAll("[aria-label]")].map(e => e.getAttribute("aria-label"));
  return [...texts, ...labels].filter(Boolean);
}"""


def walk_through(page: Page, stack: LocalStack, lang: str) -> list[str]:
    """Vote in a fresh multi-choice poll as a reader of `lang` would, collecting every interface string shown."""
    poll_id = create_poll(
        stack, question=QUESTION, options=OPTIONS, max_choices=2, challenge="none", translations=EVERY_LANGUAGE
    )["id"]
    open_in(page, stack, poll_id, lang)
    poll = widget(page, poll_id)
    expect(poll.locator("button")).to_be_visible()
    record_status(page, poll_id)
    shown = page.evaluate(UI_STRINGS, poll_id)
    poll.locator("button").click()  # nothing chosen yet
    poll.locator("input").nth(0).check()
    poll.locator("input").nth(1).check()  # as many as the poll allows
    shown += page.evaluate(UI_STRINGS, poll_id)
    poll.locator("button").click()
    expect(poll.locator("li")).to_have_count(3)
    shown += page.evaluate(UI_STRINGS, poll_id) + page.evaluate("window.said")
    return [text.strip() for text in shown if text.strip()]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_locale_renders_with_no_english_left(stack, new_page, lang):
    in_english = walk_through(new_page(), stack, "en")
    translated = walk_through(new_page(), stack, lang)
    assert len(translated) == len(in_english)
    for shown, english_shown in zip(translated, in_english, strict=True):
        assert shown != english_shown and shown not in in_english, f"{lang} shows English: {shown!r}"
        assert rendered_from(shown, locale(lang)), f"{lang} shows a text that is not from locales/{lang}.js: {shown!r}"


def test_each_locale_has_the_plural_forms_chromium_asks_for(page):
    page.goto("about:blank")
    asked = page.evaluate(
        "langs => Object.fromEntries(langs.map(l => [l, new Intl.PluralRules(l).resolvedOptions().pluralCategories]))",
        LANGUAGES,
    )
    for lang in LANGUAGES:
        for key, text in locale(lang).items():
            if isinstance(english()[key], dict):
                assert sorted(text) == sorted(asked[lang]), (lang, key)


def test_plural_forms_follow_the_readers_language_in_the_results(stack, page):
    poll_id = create_poll(stack, options=OPTIONS, challenge="none", translations={"pl": EVERY_LANGUAGE["pl"]})["id"]
    for voter in range(2):
        body = {"options": ["tea"], "voter": f"plural-voter-{voter}"}
        assert requests.post(f"{stack.api_url}/polls/{poll_id}/votes", json=body, timeout=10).status_code == 201
    results(stack, poll_id)  # the fold has counted both
    open_in(page, stack, poll_id, "pl")
    poll = widget(page, poll_id)
    poll.locator("input").nth(1).check()
    poll.locator("button").click()
    expect(poll.locator(".n")).to_have_text("Zagłosowały 3 osoby.")  # Polish "few"
    expect(poll.locator(".p").nth(0)).to_have_text("66,7% (2 głosy)")
    expect(poll.locator(".p").nth(1)).to_have_text("33,3% (1 głos)")
    expect(poll.locator(".p").nth(2)).to_have_text("0% (0 głosów)")  # Polish "many"


def test_arabic_is_mirrored_right_to_left(stack, page):
    poll_id = create_poll(stack, options=OPTIONS, challenge="none")["id"]
    open_in(page, stack, poll_id, "ar")
    poll = widget(page, poll_id)
    expect(poll.locator("button")).to_have_text("صوّت")
    section = poll.locator("section")
    assert section.get_attribute("dir") == "rtl"
    assert section.evaluate("e => getComputedStyle(e).direction") == "rtl"
    radio, label = poll.locator("label").first.locator("input"), poll.locator("label").first.locator("span")
    assert radio.bounding_box()["x"] > label.bounding_box()["x"]  # the radio button sits on the right
    poll.locator("input").first.check()
    poll.locator("button").click()
    expect(poll.locator("li")).to_have_count(3)
    track, fill = poll.locator(".bar").first.bounding_box(), poll.locator(".bar i").first.bounding_box()
    assert abs((track["x"] + track["width"]) - (fill["x"] + fill["width"])) < 1  # bars grow from the right
    assert poll.locator("li").first.locator(".p").bounding_box()["x"] < track["x"] + track["width"] / 2


def _serious_violations(page: Page) -> list[str]:
    report = Axe().run(page, options={"resultTypes": ["violations", "passes"]})
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in report.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_widget_has_no_serious_accessibility_violations_in_english_and_arabic(stack, page, lang):
    poll_id = create_poll(stack, options=OPTIONS, challenge="none", translations={"ar": EVERY_LANGUAGE["ar"]})["id"]
    open_in(page, stack, poll_id, lang)
    poll = widget(page, poll_id)
    expect(poll.locator("button")).to_be_visible()
    assert _serious_violations(page) == []
    poll.locator("input").first.check()
    poll.locator("button").click()
    expect(poll.locator("li")).to_have_count(3)
    assert _serious_violations(page) == []


@pytest.mark.parametrize(
    ("lang", "question", "interface"),
    [
        ("cy", WELSH["question"], "Pleidleisio"),
        ("cy-GB", WELSH["question"], "Pleidleisio"),  # a region falls back to its language
        ("en", QUESTION, "Vote"),
        ("fr", QUESTION, "Voter"),  # a French reader: French interface, the poll in its own English
        ("zh", QUESTION, "Vote"),  # no Chinese: English throughout
    ],
)
def test_a_poll_with_a_welsh_translation_is_welsh_under_a_welsh_page_and_english_elsewhere(
    stack, page, lang, question, interface
):
    poll_id = create_poll(stack, question=QUESTION, options=OPTIONS, challenge="none", translations={"cy": WELSH})["id"]
    open_in(page, stack, poll_id, lang)
    poll = widget(page, poll_id)
    expect(poll.locator("legend")).to_have_text(question)
    expect(poll.locator("button")).to_have_text(interface)
    expect(poll.locator("legend span")).to_have_attribute("lang", "cy" if question == WELSH["question"] else "en")
    with page.expect_request(f"**/polls/{poll_id}/votes*") as sent:
        poll.locator("input").first.check()
        poll.locator("button").click()
    welsh = question == WELSH["question"]
    assert ("lang=cy" in sent.value.url) is welsh  # votes and results name a language only for a translation
    first = WELSH["options"]["tea"] if welsh else "Tea"
    expect(poll.locator("li").first).to_contain_text(first)
    expect(poll.locator(".q")).to_have_text(question)


def test_data_lang_on_the_element_wins_over_the_pages_language(stack, page):
    poll_id = create_poll(stack, options=OPTIONS, challenge="none", translations={"cy": WELSH})["id"]
    open_in(page, stack, poll_id, "en")
    page.evaluate(
        """id => {
          const el = document.createElement("div");
          el.setAttribute("data-poll-id", id);
          el.setAttribute("data-site", document.querySelector("[data-site]").getAttribute("data-site"));
          el.setAttribute("data-lang", "pt_BR");
          el.id = "second";
          document.body.append(el);
          window.PollWidget.mount(el);
        }""",
        poll_id,
    )
    expect(page.locator("#second button")).to_have_text("Votar")  # pt_BR -> pt
    expect(widget(page, poll_id).first.locator("button")).to_have_text("Vote")


VOTE_STATUS = {
    "poll_not_found": 404,
    **dict.fromkeys(["already_voted", "poll_closed", "poll_not_open", "challenge_used"], 409),
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    **dict.fromkeys(["ip_limit_reached", "address_limit_reached", "rate_limited"], 429),
    "internal_error": 500,
}
NOT_FROM_THE_VOTE = {
    "results_hidden": "the results route's answer: test_hidden_results_are_explained_in_the_readers_language",
    "turnstile_required": "the challenge route's 428 past a surge's second level: e2e/test_widget_turnstile.py",
    "try_again": "a 503 is retried after Retry-After first (tests/e2e/test_widget.py); then it says what a 500 says",
    "service_unavailable": "the same",
}


@pytest.mark.parametrize("lang", ["en", "cy", "ar"])
def test_every_error_code_a_vote_can_meet_is_told_in_the_readers_language(stack, page, lang):
    poll_id = create_poll(stack, options=OPTIONS, challenge="none", translations={"cy": WELSH})["id"]
    texts = {} if lang == "en" else locale(lang)
    answer: dict[str, Any] = {}

    def refuse(route: Route) -> None:
        body = {"error": {"code": answer["code"], "message": "refused"}, "results": None}
        route.fulfill(status=answer["status"], headers={"Access-Control-Allow-Origin": "*"}, json=body)

    page.route(f"**/polls/{poll_id}/votes*", refuse)
    for code, english_text in SHOWN_FOR_CODE.items():
        if code in NOT_FROM_THE_VOTE:
            continue
        answer.update(status=VOTE_STATUS.get(code, 400), code=code)
        open_in(page, stack, poll_id, lang)
        page.evaluate("localStorage.clear()")  # already_voted remembered a vote: show the form again
        page.reload()
        poll = widget(page, poll_id)
        poll.locator("input").first.check()
        poll.locator("button").click()
        said = re.compile(pattern(message(texts, english_text)) + r"\s*$")  # already_voted may add what hides results
        expect(poll.get_by_role("status"), code).to_have_text(said)


@pytest.mark.parametrize("lang", ["cy", "ar"])
def test_hidden_results_are_explained_in_the_readers_language(stack, page, lang):
    poll_id = create_poll(stack, options=OPTIONS, challenge="none", results_visibility="after_close")["id"]
    open_in(page, stack, poll_id, lang)
    poll = widget(page, poll_id)
    poll.locator("input").first.check()
    poll.locator("button").click()
    texts = locale(lang)
    thanks = message(texts, "Thank you, your vote has been counted.")
    later = message(texts, "Results will be published when the poll closes.")
    expect(poll.get_by_role("status")).to_have_text(f"{thanks} {later}")


def test_each_reader_sees_their_own_random_order_which_stays_on_reload_while_results_keep_the_polls(stack, new_page):
    options = [{"id": f"o{i}", "label": f"Option {i}"} for i in range(1, 7)]
    poll_id = create_poll(stack, options=options, challenge="none", randomize_options=True)["id"]
    orders = []
    for reader in ("reader-aaaaaaaa", "reader-bbbbbbbb", "reader-cccccccc"):
        page = new_page(reader)
        open_host_page(page, stack, poll_id)
        poll = widget(page, poll_id)
        expect(poll.locator("input")).to_have_count(6)
        order = poll.locator("input").evaluate_all("inputs => inputs.map(i => i.value)")
        page.reload()
        expect(poll.locator("input")).to_have_count(6)
        assert poll.locator("input").evaluate_all("inputs => inputs.map(i => i.value)") == order  # stable
        orders.append(order)
        if reader == "reader-aaaaaaaa":
            poll.locator(f'input[value="{order[0]}"]').check()
            poll.locator("button").click()
            expect(poll.locator("li")).to_have_count(6)
            labels = poll.locator("li span[lang]").all_text_contents()
            assert labels == [o["label"] for o in options]  # results in the poll's order
    assert all(sorted(order) == sorted(o["id"] for o in options) for order in orders)
    assert len({tuple(order) for order in orders}) > 1, orders  # readers see different orders
    assert any(order != [o["id"] for o in options] for order in orders)
    plain = create_poll(stack, options=options, challenge="none")["id"]
    page = new_page("reader-aaaaaaaa")
    open_host_page(page, stack, plain)
    expect(widget(page, plain).locator("input")).to_have_count(6)
    assert widget(page, plain).locator("input").evaluate_all("i => i.map(x => x.value)") == [o["id"] for o in options]


@contextmanager
def host_page(html: str) -> Iterator[str]:
    """Serve one page from its own origin (a news site), returning its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's hook
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/article"
    finally:
        server.shutdown()
        server.server_close()


def test_a_widget_hosted_on_another_origin_loads_its_locale_and_solves_its_proof_of_work(stack, page):
    poll_id = create_poll(stack, options=OPTIONS, challenge="proof_of_work", translations={"cy": WELSH})["id"]
    html = (
        f'<!doctype html><html lang="cy"><title>Erthygl</title><p>Erthygl.</p>'
        f"{embed_snippet(stack.web_url, manifest(), poll_id)}</html>"
    )
    workers = []

    def started(worker: object) -> None:  # Playwright cannot wrap a builtin such as list.append
        workers.append(worker)

    page.on("worker", started)
    with host_page(html) as url:  # localhost: another origin than the widget's 127.0.0.1
        page.goto(url)
        poll = widget(page, poll_id)
        expect(poll.locator("legend")).to_have_text(WELSH["question"])
        poll.locator("input").first.check()
        poll.locator("button").click()
        expect(poll.get_by_role("status")).to_have_text(message(locale("cy"), "Thank you, your vote has been counted."))
    assert workers and votes_by_option(stack, poll_id) == {"tea": 1, "coffee": 0, "water": 0}
