"""Share cards on the local stack: the streams' reader feeds `render_cards` and runs `refresh_cards` every
CARD_EVERY seconds (2 here), and the hosted page's og:image, served by the site, follows the votes."""

from __future__ import annotations

import io
import re
import time
import urllib.request
from typing import Any

from PIL import Image

from local.stack import LocalStack
from tests.browser_support import create_poll, vote_over_http
from tests.helpers import UNPROTECTED

STACK = {"env": {"CARD_EVERY": "2"}}
OG_IMAGE = re.compile(r'<meta property="og:image" content="([^"]+)">')


def fetch(url: str) -> tuple[bytes, Any]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers


def og_image(stack: LocalStack, poll_id: str) -> str | None:
    page, _ = fetch(f"{stack.web_url}/p/{poll_id}")
    found = OG_IMAGE.search(page.decode())
    return found.group(1) if found else None


def wait_for(what: str, check: Any, timeout: float = 30) -> Any:
    """Return check()'s first truthy answer, asking until the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = check()
        if answer:
            return answer
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def test_the_card_behind_og_image_shows_the_new_percentage_after_a_vote(stack):
    poll_id = create_poll(stack, question="Tea or coffee?", options=["Tea", "Coffee"], **UNPROTECTED)["id"]
    first = wait_for("the first card", lambda: og_image(stack, poll_id))
    assert first.startswith(f"{stack.web_url}/cards/{poll_id}/en.")
    body, headers = fetch(first)
    assert headers["Content-Type"] == "image/png" and "immutable" in headers["Cache-Control"]
    assert Image.open(io.BytesIO(body)).size == (1200, 630)
    assert stack.read_snapshot(f"private/cards/{poll_id}.json")["cards"]["en"]["alt"] == "Tea or coffee?"
    vote_over_http(stack, poll_id, ["coffee"])
    second = wait_for(
        "a card with the vote", lambda: (og_image(stack, poll_id) or first) != first and og_image(stack, poll_id)
    )
    card = stack.read_snapshot(f"private/cards/{poll_id}.json")["cards"]["en"]
    assert second.endswith(card["key"]) and card["alt"] == "Tea or coffee? — leading: Coffee (100.0%)"
    assert fetch(second)[0] != body
    latest, headers = fetch(f"{stack.web_url}/cards/{poll_id}/en/latest.png")
    assert latest == fetch(second)[0] and headers["Cache-Control"] == "public, max-age=60"
