"""A three-question quiz in Chromium through web/quiz.js against the local stack: answered by mouse and keyboard,
ending with the reader's score and the distribution, counted once by the API."""

from __future__ import annotations

import gzip
import time
import uuid
from typing import Any

import pytest

from infra.site_files import WEB
from local.cognito import DEFAULT_EDITOR_PASSWORD, EDITOR_EMAIL
from tests.browser_support import CHROMIUM, api, create_poll, serious_violations, sign_in, widget

if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
try:
    from playwright.sync_api import expect
except ImportError as exc:
    pytest.skip(f"playwright is not importable: {exc}", allow_module_level=True)

STACK = {"env": {"EDITOR_PASSWORD": None}}  # the default editor's sign-in, whatever this shell sets
QUIZ_BUDGET = 4 * 1024  # web/quiz.js gzipped: loaded only by pages that run a quiz, beside the widget
UNPROTECTED = {"challenge": "none", "address_limit": None}
RIGHT = ["tea", "coffee", "tea"]


def make_quiz(stack: Any) -> tuple[str, list[str]]:
    """Create three quiz polls (right: Tea, Coffee, Tea) and a quiz of them; return its id and theirs."""
    polls = [
        create_poll(stack, question=f"Question {n}: tea or coffee?", kind="quiz", correct=[right], **UNPROTECTED)["id"]
        for n, right in enumerate(RIGHT, start=1)
    ]
    quiz_id = f"quiz-{uuid.uuid4().hex[:10]}"
    body = {"id": quiz_id, "title": "Tea time", "polls": polls}
    api(stack).request("POST", "/quizzes", body=body, admin=True).expect(201)
    return quiz_id, polls


def counted_scores(stack: Any, quiz_id: str, readers: int, timeout: float = 30.0) -> dict[str, Any]:
    """Return a quiz's distribution once the fold has counted `readers` scores (waiting, with a deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        found = dict(api(stack).request("GET", f"/quizzes/{quiz_id}/scores").expect(200))
        if found["distribution"]["readers"] >= readers or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def test_a_reader_answers_three_questions_by_mouse_and_keyboard_and_sees_the_score_counted_once(stack, new_page):
    quiz_id, polls = make_quiz(stack)
    page = new_page(f"quiz-reader-{uuid.uuid4().hex[:8]}")
    page.goto(f"{stack.web_url}/embed?quiz={quiz_id}")
    quiz = page.locator(f'[data-quiz-id="{quiz_id}"]')
    status = quiz.locator(".quiz-status")
    expect(quiz.get_by_role("heading", name="Tea time")).to_be_visible()
    expect(quiz.get_by_role("heading", name="Question 1 of 3")).to_be_visible()

    # The first by mouse: right.
    widget(page, polls[0]).get_by_role("radio", name="Tea").check()
    widget(page, polls[0]).get_by_role("button", name="Vote").click()
    expect(status).to_contain_text("Answer 1 of 3 recorded. Score so far: 1.")
    quiz.get_by_role("button", name="Next question").click()
    expect(quiz.get_by_role("heading", name="Question 2 of 3")).to_be_focused()

    # The second by keyboard alone: right.
    expect(widget(page, polls[1]).get_by_role("radio", name="Coffee")).to_be_visible()
    widget(page, polls[1]).get_by_role("radio", name="Coffee").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(status).to_contain_text("Answer 2 of 3 recorded. Score so far: 2.")
    quiz.get_by_role("button", name="Next question").focus()
    page.keyboard.press("Enter")
    expect(quiz.get_by_role("heading", name="Question 3 of 3")).to_be_focused()

    # The third: wrong.
    widget(page, polls[2]).get_by_role("radio", name="Coffee").check()
    widget(page, polls[2]).get_by_role("button", name="Vote").click()
    expect(status).to_contain_text("Answer 3 of 3 recorded. Score so far: 2.")
    quiz.get_by_role("button", name="See your score").click()

    expect(quiz.get_by_role("heading", name="You got 2 of 3")).to_be_focused()
    expect(status).to_have_text("You got 2 of 3.")
    scores = quiz.get_by_role("list", name="How readers scored").get_by_role("listitem")
    expect(scores).to_have_count(4)
    expect(scores.nth(2)).to_have_text("2 of 3 (you): 100% (1 reader)")
    assert serious_violations(page) == []

    found = counted_scores(stack, quiz_id, 1)
    assert [s["readers"] for s in found["distribution"]["scores"]] == [0, 0, 1, 0]

    # A reload shows the score kept in the browser, and posts nothing again.
    page.reload()
    expect(quiz.get_by_role("heading", name="You got 2 of 3")).to_be_visible()
    assert counted_scores(stack, quiz_id, 2, timeout=2)["distribution"]["readers"] == 1


def test_an_editor_creates_a_quiz_in_the_console_and_sees_it_listed_with_its_scores(stack, page):
    polls = [
        create_poll(stack, question=f"Console question {n}?", kind="quiz", correct=["tea"], **UNPROTECTED)["id"]
        for n in (1, 2)
    ]
    sign_in(page, stack, EDITOR_EMAIL, DEFAULT_EDITOR_PASSWORD)
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Quizzes").click()
    expect(page.get_by_role("heading", name="Quizzes", exact=True)).to_be_focused()
    page.get_by_role("link", name="New quiz").click()
    expect(page.get_by_role("heading", name="New quiz")).to_be_focused()
    page.get_by_label("Title").fill("Console quiz")
    page.get_by_label("Poll ids, one a line, in order").fill(f"{polls[0]}\nno-such-poll")
    page.get_by_role("button", name="Create quiz").click()
    polls_field = page.get_by_label("Poll ids, one a line, in order")
    expect(polls_field).to_be_focused()
    expect(polls_field).to_have_attribute("aria-invalid", "true")
    polls_field.fill("\n".join(polls))
    page.get_by_role("button", name="Create quiz").click()
    expect(page.get_by_role("heading", name="Quizzes", exact=True)).to_be_focused()
    row = page.get_by_role("row").filter(has_text="Console quiz")
    expect(row).to_contain_text("No scores yet.")
    assert serious_violations(page) == []


def test_the_quiz_script_stays_small():
    assert len(gzip.compress((WEB / "quiz.js").read_bytes(), 9)) <= QUIZ_BUDGET
