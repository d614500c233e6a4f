"""Where voters came from, over HTTP on the local stack: readers on distinct loopback addresses vote through the site
(CloudFront's stand-in, which adds the edge key and each address's country from LOCAL_COUNTRIES) from pages on
several sites; the audience counts each vote once, merges small groups, and ignores a country header sent to the
API without the edge key."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from local.stack import LocalStack
from ops.client import PollClient

TOKEN = "audience-test-token"
READERS = {"127.0.0.2": "GB", "127.0.0.3": "FR", "127.0.0.4": "DE", "127.0.0.5": "IT"}
MIN_GROUP = 2
STACK = {
    "admin_token": TOKEN,
    "env": {
        "LOCAL_COUNTRIES": ",".join(f"{address}={country}" for address, country in READERS.items()),
        "AUDIENCE_MIN_GROUP": str(MIN_GROUP),
        "EDITOR_PASSWORD": None,  # the console's default sign-in passwords, whatever this shell sets
        "ADMIN_PASSWORD": None,
    },
}
# (reader's address, the page's origin, option, votes): through the site, as the widget on that page would vote
THROUGH_SITE = [
    ("127.0.0.2", "https://www.bbc.co.uk", "yes", 3),
    ("127.0.0.3", "https://www.lemonde.fr", "no", 2),
    ("127.0.0.4", "https://www.zeit.de", "yes", 1),
    ("127.0.0.5", "https://www.corriere.it", "no", 1),
]
FORGER = "127.0.0.6"  # straight to the API port, claiming GB without the edge key


def make_poll(stack: LocalStack) -> str:
    """Create a two-option poll without a challenge (the readers here are programs) and return its id."""
    client = PollClient.over_http(stack.api_url, TOKEN)
    body = {"id": f"a-{uuid.uuid4().hex[:12]}", "question": "Tea or coffee?", "options": ["Yes", "No"]}
    return str(client.create_poll(**body, challenge="none")["id"])


def vote(base_url: str, address: str, poll_id: str, option: str, headers: dict[str, str]) -> None:
    """Cast one vote as a new reader from `address`."""
    client = PollClient.over_http(base_url, source=address)
    body = {"options": [option], "voter": f"reader-{uuid.uuid4().hex}"}
    client.request("POST", f"/polls/{poll_id}/votes", body=body, headers=headers).expect(201)


def cast_all(stack: LocalStack, poll_id: str) -> None:
    """Cast THROUGH_SITE's votes through the site (each also claiming FR: the site drops the client's own header),
    and one forged vote straight at the API."""
    for address, origin, option, votes in THROUGH_SITE:
        for _ in range(votes):
            headers = {"Origin": origin, "CloudFront-Viewer-Country": "FR"}
            vote(f"{stack.web_url}/api", address, poll_id, option, headers)
    forged = {"Origin": "https://www.bbc.co.uk", "CloudFront-Viewer-Country": "GB"}
    vote(stack.api_url, FORGER, poll_id, "yes", forged)


def audience(stack: LocalStack, poll_id: str, voters: int, timeout: float = 30.0) -> dict[str, Any]:
    """Read the poll's audience once the fold has counted `voters` (polling, with a deadline)."""
    client = PollClient.over_http(stack.api_url, TOKEN)
    deadline = time.monotonic() + timeout
    while True:
        report = dict(client.request("GET", f"/polls/{poll_id}/audience", admin=True).expect(200))
        if sum(row["voters"] for row in report["countries"]) >= voters or time.monotonic() > deadline:
            return report
        time.sleep(0.2)


def rows(report: dict[str, Any], dimension: str) -> dict[str, tuple[int, dict[str, int]]]:
    return {row["key"]: (row["voters"], row["options"]) for row in report[dimension]}


@pytest.fixture(scope="module")
def voted(stack: LocalStack) -> tuple[str, dict[str, Any]]:
    """A poll with THROUGH_SITE's votes and the forged one, and its audience once all eight are folded."""
    poll_id = make_poll(stack)
    cast_all(stack, poll_id)
    return poll_id, audience(stack, poll_id, 8)


def test_votes_through_the_edge_appear_once_each_by_country_site_and_surface(voted):
    _, report = voted
    assert report["min_group"] == MIN_GROUP
    assert rows(report, "countries") == {
        "GB": (3, {"yes": 3, "no": 0}),  # not 4: the forged GB counts as unknown
        "FR": (2, {"yes": 0, "no": 2}),
        "other": (3, {"yes": 2, "no": 1}),  # DE's, IT's and the forger's one each
    }
    assert rows(report, "sites") == {
        "bbc.co.uk": (4, {"yes": 4, "no": 0}),  # the forger's Origin still names the site
        "lemonde.fr": (2, {"yes": 0, "no": 2}),
        "other": (2, {"yes": 1, "no": 1}),  # zeit.de and corriere.it: one voter each
    }
    assert rows(report, "surfaces") == {"widget": (8, {"yes": 5, "no": 3})}
    assert sum(point["voters"] for point in report["minutes"]) == 8


def test_a_country_sent_straight_to_the_api_without_the_edge_key_is_ignored(stack, voted):
    poll_id, _ = voted
    client = PollClient.over_http(stack.api_url, TOKEN)
    sources = client.forensics(poll_id).expect(200)["sources"]  # forensics merges nothing: one row per address
    by_country = sorted((source["votes"], list(source["countries"].items())) for source in sources)
    assert by_country == [
        (1, [("DE", 1)]),
        (1, [("IT", 1)]),
        (1, [("unknown", 1)]),  # the forger
        (2, [("FR", 2)]),
        (3, [("GB", 3)]),
    ]
