"""A quiz in Chromium against the local stack: answered right with the mouse and wrong with the keyboard, the
answer in nothing the page or the widget loads before the vote, the explanation shown (and announced) after it."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.browser_support import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium`", allow_module_level=True)
try:
    from playwright.sync_api import expect
except ImportError as exc:
    pytest.skip(f"playwright is not importable: {exc}", allow_module_level=True)

from local.cognito import DEFAULT_EDITOR_PASSWORD, EDITOR_EMAIL
from ops.client import PollClient
from tests.browser_support import (
    ADMIN_TOKEN,
    close_poll,
    create_poll,
    open_article,
    open_host_page,
    results,
    serious_violations,
    settle,
    sign_in,
    vote_over_http,
    widget,
)

# The default sign-in passwords (DEFAULT_EDITOR_PASSWORD), whatever this shell sets.
STACK = {"admin_token": ADMIN_TOKEN, "env": {"EDITOR_PASSWORD": None, "ADMIN_PASSWORD": None}}
EXPLANATION = "Tea came first: the town's tea rooms opened in 1712, its coffee house in 1750."


def a_quiz(stack):
    return create_poll(
        stack,
        question="Which came first to the town?",
        options=["Tea", "Coffee", "Cocoa"],
        kind="quiz",
        correct=["tea"],
        explanation=EXPLANATION,
        challenge="none",
    )["id"]


def watch(page):
    """Keep the text of every response the page receives (the widget's requests included)."""
    seen: list[str] = []

    def keep(response):
        try:
            seen.append(f"{response.url}\n{response.text()}")
        except Exception:  # noqa: BLE001 - a redirect or a worker's response has no body to read
            seen.append(response.url)

    page.on("response", keep)
    return seen


def assert_no_answer(text: str) -> None:
    assert EXPLANATION not in text
    assert '"correct"' not in text and "right_share" not in text


def test_a_quiz_answered_right_with_the_mouse_shows_the_explanation_and_nothing_told_it_before(stack, page):
    poll_id = a_quiz(stack)
    seen = watch(page)
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    expect(poll.get_by_role("radio", name="Tea")).to_be_visible()
    settle()
    assert any(f"/polls/{poll_id}" in text for text in seen)  # the poll's document was read
    for text in seen:
        assert EXPLANATION not in text
        if ".js\n" not in text:  # the documents (the scripts name the fields, and hold no answer)
            assert_no_answer(text)
    assert_no_answer(page.content())
    hosted = requests.get(f"{stack.web_url}/p/{poll_id}", timeout=10)
    assert hosted.status_code == 200
    assert_no_answer(hosted.text)
    expect(poll.get_by_text(EXPLANATION)).to_have_count(0)

    poll.get_by_text("Tea", exact=True).click()
    poll.get_by_role("button", name="Vote").click()
    expect(poll.get_by_role("status")).to_have_text(
        "Thank you, your vote has been counted. Your answer is right. Correct answer: Tea."
    )
    expect(poll.get_by_text(EXPLANATION)).to_be_visible()
    tea = poll.get_by_role("listitem").filter(has_text="Tea")
    expect(tea).to_contain_text("Tea (your choice) ✓ (correct answer)")
    expect(poll.get_by_role("listitem").filter(has_text="Coffee")).not_to_contain_text("correct answer")
    assert results(stack, poll_id)["total_voters"] == 1


def test_a_quiz_answered_wrong_with_the_keyboard_shows_the_right_answer_where_focus_is(stack, page):
    poll_id = a_quiz(stack)
    open_host_page(page, stack, poll_id)
    poll = widget(page, poll_id)
    expect(poll.get_by_role("radio", name="Tea")).to_be_visible()
    page.keyboard.press("Tab")
    expect(poll.get_by_role("radio", name="Tea")).to_be_focused()
    page.keyboard.press("ArrowDown")  # moves to and selects Coffee
    expect(poll.get_by_role("radio", name="Coffee")).to_be_checked()
    page.keyboard.press("Tab")
    expect(poll.get_by_role("button", name="Vote")).to_be_focused()
    page.keyboard.press("Enter")

    status = poll.get_by_role("status")
    expect(status).to_have_text("Thank you, your vote has been counted. Your answer is wrong. Correct answer: Tea.")
    expect(status).to_have_attribute("aria-live", "polite")  # announced to screen readers
    explanation = poll.get_by_text(EXPLANATION)
    expect(explanation).to_be_visible()
    focused = poll.locator("div[tabindex='-1']")
    expect(focused).to_be_focused()  # focus moves to the results, which hold the answer and its explanation
    expect(focused).to_contain_text(EXPLANATION)
    expect(poll.get_by_role("listitem").filter(has_text="Coffee")).to_contain_text("Coffee (your choice)")
    expect(poll.get_by_role("listitem").filter(has_text="Tea")).to_contain_text("Tea ✓ (correct answer)")
    expect(poll.get_by_text("0% of voters got it right.")).to_be_visible()


def test_an_editor_makes_a_quiz_in_the_console_ticking_its_correct_options(stack, page):
    question = f"Which rivers cross the town? {uuid.uuid4().hex[:6]}"
    sign_in(page, stack, EDITOR_EMAIL, DEFAULT_EDITOR_PASSWORD)
    page.get_by_role("link", name="New poll").first.click()
    page.get_by_label("Question", exact=True).fill(question)
    page.get_by_role("textbox", name="Option 1").fill("Avon")
    page.get_by_role("textbox", name="Option 2").fill("Severn")
    page.get_by_role("button", name="Add option").click()
    page.get_by_role("textbox", name="Option 3").fill("Thames")
    correct = page.get_by_role("group", name="Correct options")
    expect(correct).to_be_hidden()
    page.get_by_label("Kind").select_option("quiz")
    expect(correct).to_be_visible()
    page.get_by_label("Most choices a reader may tick").fill("2")
    correct.get_by_role("checkbox", name="Avon").check()
    correct.get_by_role("checkbox", name="Severn").check()
    page.get_by_label("Explanation (optional)").fill("The Avon and the Severn meet here.")
    page.get_by_label("Bot challenge").select_option("none")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Create poll").click()
    expect(page.get_by_role("heading", name=question)).to_be_focused()
    poll_id = page.locator(".facts dd").nth(1).inner_text()
    client = PollClient.over_http(stack.api_url, ADMIN_TOKEN)
    saved = client.request("GET", f"/polls/{poll_id}/admin", admin=True).expect(200)
    assert (saved["kind"], saved["correct"], saved["explanation"]) == (
        "quiz",
        ["avon", "severn"],
        "The Avon and the Severn meet here.",
    )

    page.get_by_role("link", name="Edit").click()
    page.get_by_role("group", name="Correct options").get_by_role("checkbox", name="Severn").uncheck()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name=question)).to_be_focused()
    assert client.request("GET", f"/polls/{poll_id}/admin", admin=True).expect(200)["correct"] == ["avon"]


def test_the_results_only_view_shows_the_answer_once_the_quiz_closed(stack, new_page):
    poll_id = a_quiz(stack)
    vote_over_http(stack, poll_id, ["tea"])
    before = open_article(new_page(), stack, poll_id, view="results")
    expect(before.get_by_role("listitem").filter(has_text="Tea")).to_contain_text("(1 vote)")
    expect(before.get_by_text(EXPLANATION)).to_have_count(0)
    expect(before.get_by_text("correct answer")).to_have_count(0)

    close_poll(stack, poll_id)
    after = open_article(new_page(), stack, poll_id, view="results")
    expect(after.get_by_text(EXPLANATION)).to_be_visible()
    expect(after.get_by_role("listitem").filter(has_text="Tea")).to_contain_text("Tea ✓ (correct answer)")
    expect(after.get_by_text("100% of voters got it right.")).to_be_visible()
