"""The poll widget in a real browser (Debian's Chromium through Playwright) against the real local stack."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests

from tests.browser_support import CHROMIUM, CI_OUTPUT

if not CHROMIUM.exists():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium` (.ci/run does)",
        allow_module_level=True,
    )
try:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Page, Route, expect
except ImportError as exc:
    pytest.skip(f"playwright or axe-playwright-python is not importable: {exc}", allow_module_level=True)

from local.stack import DEMO_POLL
from tests.browser_support import (
    ADMIN_TOKEN,
    close_poll,
    create_poll,
    open_host_page,
    results,
    vote_body,
    vote_over_http,
    votes_by_option,
    widget,
)

DEMO_ID = DEMO_POLL["id"]


STACK = {"admin_token": ADMIN_TOKEN}


def test_a_reader_votes_with_the_mouse_and_sees_each_result_as_text(stack, page):
    page.goto(stack.demo_url)
    poll = widget(page, DEMO_ID)
    expect(poll.get_by_role("group", name=DEMO_POLL["question"])).to_be_visible()
    poll.get_by_text("No", exact=True).click()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")

    counted = results(stack, DEMO_ID)
    items = poll.get_by_role("list", name="Results").get_by_role("listitem")
    expect(items).to_have_count(3)
    for item, option in zip(items.all(), counted["options"], strict=True):
        plural = "vote" if option["votes"] == 1 else "votes"
        mine = " (your choice)" if option["id"] == "no" else ""
        # What a screen reader reads: label, percentage and count as text (the bars are hidden from it).
        expect(item).to_have_text(f"{option['label']}{mine}{option['percent']:g}% ({option['votes']} {plural})")
    expect(poll.locator(".bar").first).to_have_attribute("aria-hidden", "true")
    CI_OUTPUT.mkdir(exist_ok=True)
    poll.screenshot(path=str(CI_OUTPUT / "widget-voted.png"))
    page.screenshot(path=str(CI_OUTPUT / "demo-page-voted.png"), full_page=True)


def test_a_reader_votes_with_the_keyboard_alone_and_sees_where_focus_is(stack, page):
    poll_id = create_poll(stack, options=["Tea", "Coffee", "Neither"])["id"]
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    expect(poll.get_by_role("radio", name="Tea")).to_be_visible()

    page.keyboard.press("Tab")
    expect(poll.get_by_role("radio", name="Tea")).to_be_focused()
    outline = poll.get_by_role("radio", name="Tea").evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline == "solid"  # a visible focus ring, not the browser's default alone
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # nothing chosen yet
    expect(poll.get_by_role("status")).to_have_text("Choose an option first.")
    expect(poll.get_by_role("radio", name="Tea")).to_be_focused()
    page.keyboard.press("ArrowDown")  # moves to and selects Coffee
    expect(poll.get_by_role("radio", name="Coffee")).to_be_checked()
    page.keyboard.press("Tab")
    expect(poll.get_by_role("button", name="Vote")).to_be_focused()
    page.keyboard.press("Enter")

    expect(poll.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
    expect(poll.get_by_role("listitem").filter(has_text="Coffee")).to_contain_text("100% (1 vote)")
    assert votes_by_option(stack, poll_id) == {"tea": 0, "coffee": 1, "neither": 0}


def test_after_a_reload_the_widget_remembers_the_vote_and_shows_results(stack, page):
    poll_id = create_poll(stack)["id"]
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    poll.get_by_role("radio", name="Tea").check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
    results(stack, poll_id)  # the fold has counted the vote (within seconds of its 201)

    with page.expect_request(lambda r: f"/polls/{poll_id}/results?voter=" in r.url):
        page.reload()
    expect(poll.get_by_role("status")).to_have_text("You have already voted in this poll.")
    expect(poll.get_by_role("listitem").filter(has_text="Tea")).to_contain_text("Tea (your choice)100% (1 vote)")
    expect(poll.get_by_role("radio")).to_have_count(0)
    assert results(stack, poll_id)["total_voters"] == 1


def test_two_readers_in_separate_browsers_make_two_votes(stack, new_page):
    poll_id = create_poll(stack)["id"]
    for choice in ("Tea", "Coffee"):
        page = new_page()
        open_host_page(page, stack, poll_id)
        poll = widget(page, poll_id)
        poll.get_by_role("radio", name=choice).check()
        poll.get_by_role("button", name="Vote").click()
        expect(poll.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
        results(stack, poll_id)  # the fold has counted it: the next reader's results hold it
    expect(poll.get_by_text("2 people have voted.")).to_be_visible()
    expect(poll.get_by_role("listitem").filter(has_text="Tea")).to_contain_text("50% (1 vote)")
    assert results(stack, poll_id)["total_voters"] == 2


def test_a_reader_who_already_voted_elsewhere_sees_the_results_from_the_409(stack, page):
    poll_id = create_poll(stack, challenge="none")["id"]  # the other tab's vote is posted here without a browser
    token = "reader-who-voted-in-another-tab"
    page.add_init_script(f"localStorage.setItem('pollw:voter', '{token}')")
    vote = {"options": ["tea"], "voter": token}
    assert requests.post(f"{stack.api_url}/polls/{poll_id}/votes", json=vote, timeout=10).status_code == 201
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    poll.get_by_role("radio", name="Coffee").check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("status")).to_have_text("You have already voted in this poll.")
    expect(poll.get_by_role("listitem").filter(has_text="Tea")).to_contain_text("100% (1 vote)")
    assert votes_by_option(stack, poll_id) == {"tea": 1, "coffee": 0}


def test_a_closed_poll_shows_its_final_results_and_no_form(stack, page):
    poll_id = create_poll(stack)["id"]
    vote_over_http(stack, poll_id, ["coffee"])
    close_poll(stack, poll_id)
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    expect(poll.get_by_role("status")).to_have_text("This poll is closed.")
    expect(poll.get_by_role("list", name="Final results").get_by_role("listitem")).to_have_count(2)
    expect(poll.get_by_text("1 person has voted. Final results.")).to_be_visible()
    expect(poll.locator("form, fieldset, input, button")).to_have_count(0)


def test_voting_after_the_poll_closed_shows_the_final_results(stack, page):
    poll_id = create_poll(stack)["id"]
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    poll.get_by_role("radio", name="Tea").check()
    close_poll(stack, poll_id)  # while the reader is still making up their mind
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("status")).to_have_text("Sorry, this poll has closed.")
    expect(poll.get_by_role("list", name="Final results")).to_be_visible()
    assert results(stack, poll_id)["total_voters"] == 0


def test_a_multi_choice_poll_lets_a_reader_tick_at_most_max_choices(stack, page):
    poll_id = create_poll(stack, options=["Pay", "Hours", "Training", "Rotas"], max_choices=2)["id"]
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    expect(poll.get_by_role("group")).to_contain_text("Choose up to 2.")
    boxes = {name: poll.get_by_role("checkbox", name=name) for name in ("Pay", "Hours", "Training", "Rotas")}
    boxes["Pay"].check()
    boxes["Hours"].check()
    expect(boxes["Training"]).to_be_disabled()
    expect(boxes["Rotas"]).to_be_disabled()
    expect(poll.get_by_role("status")).to_have_text("You have chosen 2, the most this poll allows.")
    boxes["Hours"].uncheck()
    expect(boxes["Training"]).to_be_enabled()
    boxes["Training"].check()
    poll.get_by_role("button", name="Vote").click()

    expect(poll.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
    expect(poll.get_by_text("1 person has voted. Percentages are of voters")).to_be_visible()
    assert votes_by_option(stack, poll_id) == {"pay": 1, "hours": 0, "training": 1, "rotas": 0}


def test_an_after_vote_poll_shows_results_only_once_the_reader_has_voted(stack, page):
    poll_id = create_poll(stack, results_visibility="after_vote")["id"]
    vote_over_http(stack, poll_id, ["tea"])
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    expect(poll.get_by_role("radio", name="Tea")).to_be_visible()
    expect(poll.get_by_role("list")).to_have_count(0)
    expect(poll.get_by_text("%")).to_have_count(0)

    poll.get_by_role("radio", name="Coffee").check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("listitem").filter(has_text="Coffee")).to_contain_text("50% (1 vote)")
    page.reload()  # the results route answers this browser's token
    expect(poll.get_by_role("listitem").filter(has_text="Tea")).to_contain_text("50% (1 vote)")


@pytest.mark.parametrize(
    ("visibility", "promise"),
    [
        ("after_close", "Results will be published when the poll closes."),
        ("never", "The results of this poll are not published."),
    ],
)
def test_a_poll_with_hidden_results_thanks_the_voter_and_says_when_results_come(stack, page, visibility, promise):
    poll_id = create_poll(stack, results_visibility=visibility)["id"]
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    poll.get_by_role("radio", name="Tea").check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("status")).to_have_text(f"Thank you, your vote has been counted. {promise}")
    expect(poll.get_by_role("list")).to_have_count(0)
    page.reload()
    expect(poll.get_by_role("status")).to_have_text(f"You have already voted in this poll. {promise}")


def test_a_reader_over_the_polls_ip_limit_is_told_why_the_vote_was_refused(stack, page):
    poll_id = create_poll(stack, repeat_votes={"block": "voter_and_ip", "ip_limit": 1})["id"]
    vote_over_http(stack, poll_id, ["tea"])  # from the same address as the browser
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    poll.get_by_role("radio", name="Coffee").check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("status")).to_have_text("Sorry, too many votes have come from your network for this poll.")
    assert results(stack, poll_id)["total_voters"] == 1


def test_when_the_vote_request_fails_a_retry_counts_the_vote_once(stack, page):
    poll_id = create_poll(stack)["id"]
    sent = []

    def api_down_once(route: Route) -> None:
        sent.append(vote_body(route.request))
        route.abort("connectionrefused") if len(sent) == 1 else route.continue_()

    page.route(f"**/polls/{poll_id}/votes", api_down_once)
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    poll.get_by_role("radio", name="Coffee").check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("status")).to_have_text("Your vote could not be sent. Check your connection and try again.")
    expect(poll.get_by_role("button", name="Try again")).to_be_focused()
    poll.get_by_role("button", name="Try again").click()

    expect(poll.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
    assert len(sent) == 2 and sent[0] == sent[1]  # the retry carries the same voter token
    assert results(stack, poll_id)["total_voters"] == 1


def test_when_the_answer_to_a_counted_vote_is_lost_the_retry_does_not_count_it_again(stack, page):
    poll_id = create_poll(stack)["id"]
    sent = []

    def answer_lost_once(route: Route) -> None:
        sent.append(vote_body(route.request))
        if len(sent) == 1:
            route.fetch()  # the API counts the vote ...
            route.abort("connectionreset")  # ... but the browser never hears back
        else:
            route.continue_()

    page.route(f"**/polls/{poll_id}/votes", answer_lost_once)
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    poll.get_by_role("radio", name="Tea").check()
    poll.get_by_role("button", name="Vote").click()
    poll.get_by_role("button", name="Try again").click()

    expect(poll.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
    expect(poll.get_by_role("listitem").filter(has_text="Tea")).to_contain_text("100% (1 vote)")
    assert sent[0] == sent[1]
    assert results(stack, poll_id)["total_voters"] == 1


def test_a_busy_api_is_retried_after_its_retry_after_seconds(stack, page):
    poll_id = create_poll(stack)["id"]
    times = []

    def busy_once(route: Route) -> None:
        times.append(time.monotonic())
        if len(times) > 1:
            return route.continue_()
        route.fulfill(
            status=503,
            headers={
                "Retry-After": "2",
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Expose-Headers": "Retry-After",
            },
            json={"error": {"code": "try_again", "message": "busy"}},
        )

    page.route(f"**/polls/{poll_id}/votes", busy_once)
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    poll.get_by_role("radio", name="Tea").check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("status")).to_have_text("The poll is busy. Trying again in 2 seconds…")
    expect(poll.get_by_role("status")).to_have_text("Thank you, your vote has been counted.", timeout=8000)
    assert times[1] - times[0] >= 1.9
    assert results(stack, poll_id)["total_voters"] == 1


def test_a_scheduled_poll_says_when_it_opens_and_shows_no_form(stack, page):
    year = time.gmtime().tm_year + 2
    poll_id = create_poll(stack, opens_at=f"{year}-06-01T09:00:00Z")["id"]
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    expect(poll.get_by_role("status")).to_contain_text("This poll opens on ")
    expect(poll.get_by_role("status")).to_contain_text(str(year))
    expect(poll.locator("form, input, button")).to_have_count(0)


def test_option_labels_are_shown_as_text_never_run_as_html(stack, page):
    label = '<img src="x" onerror="window.pwned = 1">'
    poll_id = create_poll(stack, options=[{"id": "html", "label": label}, {"id": "plain", "label": "Plain"}])["id"]
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    expect(poll.get_by_role("radio", name=label)).to_be_visible()
    poll.get_by_role("radio", name=label).check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("listitem").filter(has_text=label)).to_contain_text("100% (1 vote)")
    assert poll.locator("img").count() == 0
    assert page.evaluate("window.pwned") is None


def test_an_unknown_poll_says_so_in_words(stack, page):
    open_host_page(page, stack, "no-such-poll")
    expect(widget(page, "no-such-poll").get_by_role("status")).to_have_text("This poll could not be found.")


def test_several_polls_on_one_page_work_independently(stack, page):
    first = create_poll(stack, question="First question?")["id"]
    second = create_poll(stack, question="Second question?", options=["Red", "Blue"])["id"]
    open_host_page(page, stack, first, second)
    widget(page, first).get_by_role("radio", name="Tea").check()
    widget(page, first).get_by_role("button", name="Vote").click()
    expect(widget(page, first).get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
    expect(widget(page, second).get_by_role("group", name="Second question?")).to_be_visible()
    widget(page, second).get_by_role("radio", name="Blue").check()
    widget(page, second).get_by_role("button", name="Vote").click()
    expect(widget(page, second).get_by_role("listitem").filter(has_text="Blue")).to_contain_text("100% (1 vote)")
    assert results(stack, first)["total_voters"] == 1 and results(stack, second)["total_voters"] == 1


def test_voting_works_when_the_browser_blocks_storage(stack, page):
    page.add_init_script(
        "Object.defineProperty(window, 'localStorage', {get() { throw new DOMException('blocked', 'SecurityError'); }})"
    )
    poll_id = create_poll(stack)["id"]
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    poll.get_by_role("radio", name="Tea").check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
    assert results(stack, poll_id)["total_voters"] == 1


def test_the_host_pages_styles_and_the_widgets_styles_stay_apart(stack, page):
    # demo.html styles label, button, input, legend and li in red capitals on purpose.
    page.goto(stack.demo_url)
    label = widget(page, DEMO_ID).locator("label").first
    expect(label).to_be_visible()
    style = label.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).textTransform]")
    assert style == ["rgb(26, 26, 26)", "none"]
    host_font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert host_font.startswith("Georgia")


def _serious_violations(page: Page) -> list[str]:
    report = Axe().run(page, options={"resultTypes": ["violations", "passes"]})
    found = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in report.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    inside_shadow = [n for p in report.response["passes"] for n in p["nodes"] if isinstance(n["target"][0], list)]
    assert inside_shadow, "axe did not look inside the widget's shadow root"
    return found


@pytest.mark.parametrize("theme", [None, "dark"])
def test_the_widget_has_no_serious_accessibility_violations_before_and_after_voting(stack, page, theme):
    poll_id = create_poll(stack, options=["Yes", "No", "Don't know"])["id"]
    open_host_page(page, stack, poll_id, theme=theme)
    poll = widget(page, poll_id)
    expect(poll.get_by_role("radio", name="Yes")).to_be_visible()
    assert _serious_violations(page) == []
    poll.get_by_role("radio", name="No", exact=True).check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("listitem")).to_have_count(3)
    assert _serious_violations(page) == []


def test_the_demo_page_has_no_serious_accessibility_violations(stack, page):
    page.goto(stack.demo_url)
    expect(widget(page, DEMO_ID).get_by_role("button", name="Vote")).to_be_visible()
    assert _serious_violations(page) == []


def _record_status(page: Page, poll_id: str) -> None:
    """Keep every text the widget's live region shows, in order, in window.said."""
    page.evaluate(
        """id => {
          window.said = [];
          const status = document.querySelector(`[data-poll-id="${id}"]`).shadowRoot.querySelector("[role=status]");
          new MutationObserver(() => window.said.push(status.textContent)).observe(status, {childList: true});
        }""",
        poll_id,
    )


@pytest.mark.parametrize(("proof_algorithm", "altcha_name"), [("scrypt", "SCRYPT"), ("pbkdf2", "PBKDF2/SHA-256")])
def test_on_a_proof_of_work_poll_the_widget_solves_in_a_worker_says_checking_and_sends_the_proof(
    stack, page, proof_algorithm, altcha_name
):
    poll_id = create_poll(stack, challenge="proof_of_work", proof_algorithm=proof_algorithm)["id"]
    workers, imported = [], []
    page.on("request", lambda request: imported.append(request.url) if "/widget/vendor/" in request.url else None)

    def started(worker: object) -> None:
        workers.append(worker)

    page.on("worker", started)
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    poll.get_by_role("radio", name="Tea").check()
    _record_status(page, poll_id)
    with page.expect_request(f"**/polls/{poll_id}/votes") as sent:
        poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
    said = page.evaluate("window.said")
    assert said[:2] == ["Checking…", "Sending your vote…"], said
    assert workers, "the proof of work did not run in a Web Worker"
    proof = json.loads(base64.b64decode(vote_body(sent.value)["proof"]))
    assert proof["challenge"]["parameters"]["data"] == {"poll": poll_id, "surge": 0}
    assert proof["challenge"]["parameters"]["algorithm"] == altcha_name
    assert bool(imported) is (proof_algorithm == "scrypt"), imported  # WebAssembly only when the challenge needs it
    assert results(stack, poll_id)["total_voters"] == 1


def test_a_refused_proof_is_replaced_by_a_fresh_one_and_the_vote_counted_once(stack, page):
    poll_id = create_poll(stack, challenge="proof_of_work")["id"]
    sent = []

    def refuse_first_proof(route: Route) -> None:
        sent.append(vote_body(route.request))
        if len(sent) > 1:
            return route.continue_()
        route.fulfill(
            status=400,
            headers={"Access-Control-Allow-Origin": "*"},
            json={"error": {"code": "challenge_failed", "message": "the challenge has expired"}},
        )

    page.route(f"**/polls/{poll_id}/votes", refuse_first_proof)
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    poll.get_by_role("radio", name="Coffee").check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
    assert len(sent) == 2 and sent[0]["proof"] != sent[1]["proof"] and sent[0]["voter"] == sent[1]["voter"]
    assert results(stack, poll_id)["total_voters"] == 1


def test_a_reader_over_the_address_limit_is_told_to_try_later(stack, page):
    poll_id = create_poll(stack, challenge="none", address_limit={"votes": 1, "minutes": 10})["id"]
    vote_over_http(stack, poll_id, ["tea"])  # from 127.0.0.1, as the browser
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    poll.get_by_role("radio", name="Coffee").check()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("status")).to_have_text(
        "Sorry, too many votes have come from your network recently. Please try again later."
    )
    assert results(stack, poll_id)["total_voters"] == 1
