"""Write-in answers in Chromium against the local stack: a reader writes in through the widget, and an editor
approves, merges and rejects in the console's moderation queue, which shows readers' text as text and is axe clean."""

from __future__ import annotations

import uuid

import pytest

from tests.browser_support import CHROMIUM, api, open_article, results, serious_violations, sign_in, vote_body

if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run does)", allow_module_level=True)
try:
    import axe_playwright_python  # noqa: F401  (serious_violations runs axe)
    from playwright.sync_api import expect
except ImportError as exc:
    pytest.skip(f"playwright or axe-playwright-python is not importable: {exc}", allow_module_level=True)

from local.cognito import DEFAULT_EDITOR_PASSWORD, EDITOR_EMAIL

LIMIT = 4  # distinct answers a poll keeps (WRITE_IN_LIMIT): each test's poll writes in no more, but the last
STACK = {
    "admin_token": "write-ins-test-service-token-0123456789",
    "env": {"EDITOR_PASSWORD": None, "WRITE_IN_LIMIT": str(LIMIT)},
}
MARKUP = '<img src=x onerror="document.title=1">Bold idea'


def write_in_poll(stack) -> dict:
    return api(stack).create_poll(
        id=f"wi-{uuid.uuid4().hex[:10]}",
        question=f"How should the river be crossed? {uuid.uuid4().hex[:4]}",
        options=["Bridge", "Tunnel"],
        write_in=True,
        challenge="none",
        address_limit=None,
    )


def written_in(stack, poll_id: str, *texts: str) -> None:
    for text in texts:
        api(stack).vote(poll_id, [], f"reader-{uuid.uuid4().hex}", extra={"other": text}).expect(201)


def test_a_reader_writes_an_answer_in_through_the_widget(stack, page):
    poll = write_in_poll(stack)
    sent = []
    page.on("request", lambda r: sent.append(vote_body(r)) if r.method == "POST" and "/votes" in r.url else None)
    widget = open_article(page, stack, poll["id"])
    other = widget.get_by_role("textbox", name="Other")
    widget.get_by_text("Bridge", exact=True).click()
    other.fill("A cable car")
    expect(widget.get_by_role("radio", name="Bridge")).not_to_be_checked()  # one choice: the answer replaces it
    widget.get_by_role("button", name="Vote").click()
    expect(widget.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
    assert sent[-1]["options"] == [] and sent[-1]["other"] == "A cable car"
    items = widget.get_by_role("list", name="Results").get_by_role("listitem")
    expect(items).to_have_count(3)
    expect(items.nth(2)).to_contain_text("Other")
    assert "cable" not in widget.inner_text().lower()  # nothing a reader typed is shown before approval
    assert results(stack, poll["id"], timeout=90)["other"]["votes"] == 1
    [answer] = api(stack).request("GET", f"/polls/{poll['id']}/write-ins", admin=True).expect(200)["answers"]
    assert (answer["text"], answer["votes"], answer["status"]) == ("A cable car", 1, "pending")


def test_an_editor_approves_merges_and_rejects_in_the_moderation_queue(stack, page):
    poll = write_in_poll(stack)
    written_in(stack, poll["id"], "Cable car", "cable  CAR", "Ferry", MARKUP, "see www.spam.example")
    results(stack, poll["id"], timeout=90)  # the fold has counted every ballot
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, stack, EDITOR_EMAIL, DEFAULT_EDITOR_PASSWORD)
    page.goto(f"{stack.console_url}#/polls/{poll['id']}")
    section = page.get_by_role("region", name="Write-in answers")
    waiting = section.get_by_role("table", name="Waiting for a decision (3)")
    expect(waiting).to_be_visible()
    automatic = section.get_by_role("table", name="Rejected automatically (1)")
    expect(automatic.get_by_role("row", name="see www.spam.example")).to_contain_text("Holds a link")
    markup_row = waiting.get_by_role("row", name=MARKUP)
    expect(markup_row).to_be_visible()  # the reader's markup is text: no image, no script
    assert page.locator("table.write-ins img").count() == 0 and page.title() != "1"
    expect(waiting.get_by_role("row", name="Cable car")).to_contain_text("2")
    assert serious_violations(page) == []

    page.get_by_role("textbox", name="Label for “Cable car” when approved").fill("A cable car")
    page.get_by_role("button", name="Approve “Cable car”").click()
    expect(section.get_by_role("status")).to_have_text("“Cable car” is now approved.")
    page.get_by_role("combobox", name="Option to merge “Ferry” into").select_option(label="Bridge")
    page.get_by_role("button", name="Merge “Ferry”").click()
    expect(section.get_by_role("status")).to_contain_text("“Ferry” is now merged")
    page.get_by_role("button", name=f"Reject “{MARKUP}”").click()
    expect(section.get_by_role("status")).to_have_text(f"“{MARKUP}” is now rejected.")
    decided = section.get_by_role("table", name="Decided (3)")
    expect(decided.get_by_role("row", name="Ferry")).to_contain_text("Merged: into “Bridge”")
    assert serious_violations(page) == []

    counted = results(stack, poll["id"], timeout=90)
    shown = {option["label"]: option["votes"] for option in counted["options"]}
    assert shown == {"Bridge": 1, "Tunnel": 0, "A cable car": 2}
    assert counted["other"]["votes"] == 2 and counted["total_voters"] == 5
    assert errors == []


def test_answers_past_the_polls_limit_count_in_other_and_the_queue_says_how_many(stack, page):
    poll = write_in_poll(stack)
    written_in(stack, poll["id"], "Ferry", "Swim", "Zipline", "Kayak", "Hovercraft", "Balloon")
    assert results(stack, poll["id"], timeout=90)["other"]["votes"] == 6  # every vote counted, in Other
    queue = api(stack).request("GET", f"/polls/{poll['id']}/write-ins", admin=True).expect(200)
    assert (len(queue["answers"]), queue["limit"], queue["unlisted_votes"]) == (LIMIT, LIMIT, 2)
    sign_in(page, stack, EDITOR_EMAIL, DEFAULT_EDITOR_PASSWORD)
    page.goto(f"{stack.console_url}#/polls/{poll['id']}")
    section = page.get_by_role("region", name="Write-in answers")
    expect(section.get_by_role("table", name=f"Waiting for a decision ({LIMIT})")).to_be_visible()
    expect(section.get_by_text("2 more votes went to answers written in after the first 4:")).to_be_visible()
