"""A surge past the rule's second level on a stage with Turnstile, in Chromium: the widget's reader, whose address
block floods a proof-of-work poll, is asked for Turnstile instead of a proof and votes with its token; on a page
without Turnstile's script, the widget asks for the costliest proof instead and solves it. Turnstile's
script and siteverify cannot be reached from here: the page gets a stand-in of Turnstile's documented
`turnstile.render(element, {sitekey, callback})`, the stack a stand-in of siteverify (tests/support/turnstile.py)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from local.environment import free_port
from local.stack import LocalStack
from ops.client import PollClient, solve
from tests.browser_support import CHROMIUM
from tests.proofs import CHEAP_POW
from tests.support.turnstile import GOOD_TOKEN, SECRET, Siteverify

if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run does)", allow_module_level=True)
try:
    from playwright.sync_api import expect
except ImportError as exc:
    pytest.skip(f"playwright is not importable: {exc}", allow_module_level=True)

TOKEN = "turnstile-surge-token-0123456789"
SITEVERIFY_PORT = free_port()
RULE = {"SURGE_FLOOR": "3", "SURGE_FACTOR": "1", "SURGE_FLOOR_2": "6", "SURGE_FACTOR_2": "1"}
STACK = {
    "admin_token": TOKEN,
    "env": {
        **CHEAP_POW,
        **RULE,
        "TURNSTILE_SECRET": SECRET,
        "TURNSTILE_VERIFY_URL": f"http://127.0.0.1:{SITEVERIFY_PORT}/turnstile/v0/siteverify",
    },
}
# Turnstile's documented client API, standing in for its script: the check passes at once with the good token.
TURNSTILE = f"""window.turnstile = {{ render(box, options) {{
  box.textContent = "Turnstile (stand-in)"; setTimeout(() => options.callback("{GOOD_TOKEN}"), 0); }} }};"""


@pytest.fixture(scope="module")
def siteverify() -> Iterator[Siteverify]:
    stand_in = Siteverify(SITEVERIFY_PORT)
    threading.Thread(target=stand_in.server.serve_forever, daemon=True).start()
    yield stand_in
    stand_in.server.shutdown()
    stand_in.server.server_close()


def flood_to_turnstile(stack: LocalStack, poll_id: str, deadline: float = 120.0) -> int:
    """Vote from 127.0.0.9 (presented through the edge key, so in the browser's 127.0.0.0/24) with solved proofs
    until the block's challenge asks for Turnstile (the fold applies the rule every few seconds); return the votes."""
    headers = {"X-Origin-Verify": stack.edge_key, "CloudFront-Viewer-Address": "127.0.0.9:443"}
    url = f"{stack.api_url}/polls/{poll_id}"
    ends, cast = time.monotonic() + deadline, 0
    while time.monotonic() < ends:
        asked = requests.get(f"{url}/challenge", headers=headers, timeout=15)
        if asked.status_code == 428:
            assert asked.json()["error"]["code"] == "turnstile_required"
            return cast
        body = {"options": ["no"], "voter": f"flood-{uuid.uuid4().hex}", "proof": solve(asked.json())}
        answer = requests.post(f"{url}/votes", json=body, headers=headers, timeout=15)
        if answer.status_code == 400 and "harder proof" in answer.json()["error"]["message"]:
            continue  # the block's level rose between its challenge and its vote: a new challenge, as the widget does
        assert answer.status_code == 201, answer.text
        cast += 1
        time.sleep(0.3)  # the next vote a moment later: the rule runs on the fold's next batch
    raise AssertionError(f"the block was not asked for Turnstile within {deadline} s")


def test_a_reader_in_a_block_surging_past_level_2_checks_with_turnstile_and_votes(stack, browser, siteverify):
    poll = PollClient.over_http(stack.api_url, TOKEN).create_poll(
        question="Which bypass?", options=["Yes", "No"], challenge="proof_of_work", address_limit=None
    )
    assert flood_to_turnstile(stack, poll["id"]) >= 6
    context = browser.new_context()
    context.add_init_script(TURNSTILE)
    page = context.new_page()
    page.goto(f"{stack.web_url}/embed?poll={poll['id']}")
    widget = page.locator(f'[data-poll-id="{poll["id"]}"]')
    widget.get_by_role("radio", name="Yes").check()
    widget.get_by_role("button", name="Vote").click()
    expect(widget.get_by_role("status")).to_have_text("Complete the check above first.")
    expect(page.get_by_text("Turnstile (stand-in)")).to_be_visible()
    widget.get_by_role("button", name="Vote").click()
    expect(widget.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
    assert [form["response"] for form in siteverify.requests] == [[GOOD_TOKEN]]
    context.close()
    siteverify.requests.clear()


def test_a_reader_on_a_page_without_turnstile_solves_the_costliest_proof_instead(stack, browser, siteverify):
    poll = PollClient.over_http(stack.api_url, TOKEN).create_poll(
        question="Which bypass?", options=["Yes", "No"], challenge="proof_of_work", address_limit=None
    )
    flood_to_turnstile(stack, poll["id"])
    context = browser.new_context()
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/challenge" in request.url else None)
    page.goto(f"{stack.web_url}/embed?poll={poll['id']}")
    widget = page.locator(f'[data-poll-id="{poll["id"]}"]')
    widget.get_by_role("radio", name="Yes").check()
    widget.get_by_role("button", name="Vote").click()
    expect(widget.get_by_role("status")).to_have_text("Thank you, your vote has been counted.")
    assert asked and all(url.endswith("/challenge?turnstile=0") for url in asked)
    assert siteverify.requests == []
    context.close()
