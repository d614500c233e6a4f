"""Networks and surges over HTTP on the local stack: the site (CloudFront's stand-in) reports each loopback reader's
network from LOCAL_ASNS with the edge key; a network header sent straight to the API is ignored; a flood through the
site raises its readers' proof cost once the stack's fold has counted it; in the console (Chromium), an editor sees the
surge and lifts it, and an admin voids the network's votes after a dry run."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import requests

from local.cognito import ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD
from local.stack import LocalStack
from ops.client import PollClient
from tests.browser_support import CHROMIUM, serious_violations, sign_in

TOKEN = "surges-test-token"
NETWORKS = {"127.0.0.2": "64500", "127.0.0.3": "64501"}
FLOOD = 6  # the stack's SURGE_FLOOR below: six votes in five minutes from a key never seen before
STACK = {
    "admin_token": TOKEN,
    "env": {
        "LOCAL_ASNS": ",".join(f"{address}={asn}" for address, asn in NETWORKS.items()),
        "SURGE_FLOOR": str(FLOOD),
        "SURGE_FLOOR_2": "1000",
        "SURGE_FACTOR": "2",
        "EDITOR_PASSWORD": None,  # the console's default sign-in passwords, whatever this shell sets
        "ADMIN_PASSWORD": None,
    },
}
FORGER = "127.0.0.6"  # straight to the API port, claiming a network without the edge key


def vote(base_url: str, address: str, poll_id: str, headers: dict[str, str] | None = None) -> None:
    """Cast one vote as a new reader from `address`."""
    client = PollClient.over_http(base_url, source=address)
    body = {"options": ["yes"], "voter": f"reader-{uuid.uuid4().hex}"}
    client.request("POST", f"/polls/{poll_id}/votes", body=body, headers=headers or {}).expect(201)


def until(read: Any, done: Any, timeout: float = 30.0) -> Any:
    """Read until `done(found)` or the deadline (the stack's fold runs about every second)."""
    deadline = time.monotonic() + timeout
    while True:
        found = read()
        if done(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


@pytest.fixture(scope="module")
def flooded(stack: LocalStack) -> str:
    """A poll without a challenge (the readers are programs) that 127.0.0.2 floods through the site, 127.0.0.3 votes
    in once, and the forger once straight at the API claiming 64500."""
    admin = PollClient.over_http(stack.api_url, TOKEN)
    poll_id = str(admin.create_poll(question="Tea or coffee?", options=["Yes", "No"], challenge="none")["id"])
    for _ in range(FLOOD):
        vote(f"{stack.web_url}/api", "127.0.0.2", poll_id, {"CloudFront-Viewer-ASN": "64501"})  # the site overwrites
    vote(f"{stack.web_url}/api", "127.0.0.3", poll_id)
    vote(stack.api_url, FORGER, poll_id, {"CloudFront-Viewer-ASN": "64500"})
    return poll_id


def test_the_site_reports_each_readers_network_and_the_api_ignores_one_sent_without_the_edge_key(stack, flooded):
    admin = PollClient.over_http(stack.api_url, TOKEN)
    sources = until(lambda: admin.forensics(flooded).expect(200)["sources"], lambda found: len(found) == 3)
    assert sorted((source["votes"], list(source["networks"].items())) for source in sources) == [
        (1, [("64501", 1)]),
        (1, [("unknown", 1)]),  # the forger
        (FLOOD, [("64500", FLOOD)]),
    ]


def test_a_flood_through_the_site_raises_the_cost_for_its_network(stack, flooded):
    admin = PollClient.over_http(stack.api_url, TOKEN)
    surges = until(
        lambda: admin.request("GET", f"/polls/{flooded}/surges", admin=True).expect(200)["surges"],
        lambda found: any(s["kind"] == "network" for s in found),
    )
    assert {(s["kind"], s["key"], s["level"]) for s in surges if s["kind"] == "network"} == {("network", "64500", 1)}
    reader = PollClient.over_http(f"{stack.web_url}/api", source="127.0.0.2")
    assert reader.challenge(flooded).expect(200)["parameters"]["data"]["surge"] == 1


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    yield context.new_page()
    context.close()


def surged(stack: LocalStack, poll_id: str, asn: str, deadline: float = 60.0) -> int:
    """Vote from the network through the edge until the rule raises its surge (the fold applies the rule to a poll
    every few seconds); return the votes cast."""
    admin = PollClient.over_http(stack.api_url, TOKEN)
    headers = {"X-Origin-Verify": stack.edge_key, "CloudFront-Viewer-ASN": asn}
    ends, cast = time.monotonic() + deadline, 0
    while time.monotonic() < ends:
        headers["CloudFront-Viewer-Address"] = f"198.51.100.{cast % 200 + 1}:443"
        body = {"options": ["no"], "voter": f"surger-{uuid.uuid4().hex}"}
        url = f"{stack.api_url}/polls/{poll_id}/votes"
        assert requests.post(url, json=body, headers=headers, timeout=15).status_code == 201
        cast += 1
        surges = admin.request("GET", f"/polls/{poll_id}/surges", admin=True).expect(200)["surges"]
        if any(s["kind"] == "network" and s["key"] == asn and s["level"] == 1 for s in surges):
            return cast
        time.sleep(0.5)  # the next vote a moment later: the rule runs on the fold's next batch
    raise AssertionError(f"no surge of AS{asn} within {deadline} s")


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}: `apt-get install chromium`")
def test_an_editor_sees_a_networks_surge_lifts_it_and_an_admin_voids_its_votes(stack, page):
    from playwright.sync_api import expect  # noqa: PLC0415 - only where a browser runs

    poll = PollClient.over_http(stack.api_url, TOKEN).create_poll(
        question="Which bypass?", options=["Yes", "No"], challenge="none", address_limit=None
    )
    votes = surged(stack, poll["id"], "64500")
    sign_in(page, stack, ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD)
    page.goto(f"{stack.console_url}#/polls/{poll['id']}")
    surges = page.get_by_role("region", name="Surges")
    row = surges.get_by_role("row", name="Network AS64500")
    expect(row).to_contain_text("Level 1: proofs cost ×8", timeout=30_000)
    assert serious_violations(page) == []

    surges.get_by_role("button", name="Lift the surge of network AS64500").click()
    page.get_by_role("dialog", name="Lift this surge?").get_by_role("button", name="Lift surge").click()
    expect(page.get_by_role("region", name="Surges").get_by_role("row", name="Network AS64500")).to_contain_text(
        "Lifted", timeout=30_000
    )

    row = page.get_by_role("region", name="Surges").get_by_role("row", name="Network AS64500")
    row.get_by_label("Reason for voiding network AS64500").fill("a scripted network")
    row.get_by_role("button", name="Void…").click()
    dialog = page.get_by_role("dialog", name="Void these votes?")
    expect(dialog).to_contain_text(f"{votes} vote(s) from this network", timeout=30_000)
    dialog.get_by_role("button", name="Void votes").click()
    expect(page.get_by_text(f"{votes} vote(s) voided from network AS64500 — “a scripted network”")).to_be_visible(
        timeout=30_000
    )
    trail = page.get_by_role("region", name="This poll's audit log")
    expect(trail).to_contain_text("lifted a surge in")
    expect(trail).to_contain_text("network AS64500: lifted — “lifted in the console”")
    expect(trail).to_contain_text("raised a surge's proof cost in")
    expect(trail).to_contain_text(f"{votes} vote(s) voided from network AS64500")
    assert serious_violations(page) == []
