"""Networks and surges over HTTP on the local stack: the site (CloudFront's stand-in) reports each loopback reader's
network from LOCAL_ASNS with the edge key; a network header sent straight to the API is ignored; a flood through the
site raises its readers' proof cost once the stack's fold has counted it."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from local.stack import LocalStack
from ops.client import PollClient

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
