"""Where voters came from, over HTTP on the local stack: readers on distinct loopback addresses vote through the site
(CloudFront's stand-in, which adds the edge key and each address's country from LOCAL_COUNTRIES) from pages on
several sites; the audience counts each vote once, merges small groups, and ignores a country header sent to the
API without the edge key; the console shows the audience (tables, uPlot charts, CSV) and, per source, forensics."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from local.cognito import ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, DEFAULT_EDITOR_PASSWORD, EDITOR_EMAIL
from local.stack import LocalStack
from ops.client import PollClient
from tests.browser_support import CHROMIUM, serious_violations, sign_in

TOKEN = "audience-test-token"
READERS = {"127.0.0.2": "GB", "127.0.0.3": "FR", "127.0.0.4": "DE", "127.0.0.5": "IT"}
MIN_GROUP = 2
STACK = {
    "admin_token": TOKEN,
    "env": {
        "LOCAL_COUNTRIES": ",".join(f"{address}={country}" for address, country in READERS.items()),
        "AUDIENCE_MIN_GROUP": str(MIN_GROUP),
        "AUDIENCE_NOISE": "0",  # the fold's exact counts (the noise is proven in tests/api/test_audience.py)
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
        # Each dimension is its own write in the fold: wait for all of them, not the first.
        dimensions = ("countries", "sites", "surfaces")
        if all(sum(row["voters"] for row in report[name]) >= voters for name in dimensions):
            return report
        if time.monotonic() > deadline:
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


MARKUP = '<img src="x" onerror="window.pwned=1">evil.example'


@pytest.fixture
def console(browser, stack):
    """Open a browser page for the console (downloads allowed), skipping without Chromium or axe."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    pytest.importorskip("axe_playwright_python")
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.said = []  # the browser console's messages (a style refused by the CSP is one)
    page.on("console", lambda message: page.said.append(message.text))
    yield page
    context.close()


def open_poll(page, stack: LocalStack, poll_id: str, email: str, password: str) -> None:
    sign_in(page, stack, email, password)
    page.goto(f"{stack.console_url}#/polls/{poll_id}")


def test_the_console_shows_the_audience_as_tables_and_charts_and_downloads_it(stack, voted, console):
    from playwright.sync_api import expect

    poll_id, _ = voted
    open_poll(console, stack, poll_id, EDITOR_EMAIL, DEFAULT_EDITOR_PASSWORD)
    countries = console.get_by_role("region", name="Voters by country")
    expect(countries.get_by_role("row")).to_have_count(4)  # the header, GB, FR, other
    for name in ("GB 3 3 0", "FR 2 0 2", "other 3 2 1"):
        expect(countries.get_by_role("row", name=name, exact=True)).to_be_visible()
    sites = console.get_by_role("region", name="Voters by site")
    expect(sites.get_by_role("row", name="bbc.co.uk 4 4 0", exact=True)).to_be_visible()
    surfaces = console.get_by_role("region", name="Voters by surface")
    expect(surfaces.get_by_role("row", name="widget 8 5 3", exact=True)).to_be_visible()
    expect(console.locator("#audience-note")).to_contain_text("fewer than 2 voters")
    section = console.locator("section[aria-labelledby=audience-title]")
    expect(section.locator(".chart canvas")).to_have_count(4)  # three dimensions' bars, and the minutes
    for index in range(4):
        expect(section.locator(".chart canvas").nth(index)).to_be_visible()
    expect(section.get_by_text("Voters by country: 3 groups, 8 voters.")).to_be_visible()
    with console.expect_download() as download:
        section.get_by_role("button", name="Download audience (CSV)").click()
    assert download.value.suggested_filename == f"{poll_id}-audience.csv"
    lines = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "dimension,key,voters,votes_yes,votes_no"
    assert {"countries,GB,3,3,0", "countries,other,3,2,1", "sites,bbc.co.uk,4,4,0", "surfaces,widget,8,5,3"} <= set(
        lines
    )
    assert serious_violations(console) == []
    assert console.errors == []
    assert [text for text in console.said if "Content Security Policy" in text] == []


def test_the_audience_fits_a_phone(stack, voted, console):
    from playwright.sync_api import expect

    poll_id, _ = voted
    console.set_viewport_size({"width": 375, "height": 812})
    open_poll(console, stack, poll_id, EDITOR_EMAIL, DEFAULT_EDITOR_PASSWORD)
    section = console.locator("section[aria-labelledby=audience-title]")
    expect(section.locator(".chart canvas")).to_have_count(4)
    assert console.evaluate("document.documentElement.scrollWidth") <= 376
    assert serious_violations(console) == []


def with_markup(route) -> None:
    """Answer with the API's own report, one site key replaced by markup (as a hostile Origin would try)."""
    answer = route.fetch()
    report = answer.json()
    if "sites" in report:  # the audience
        report["sites"][0]["key"] = MARKUP
    else:  # forensics
        report["sources"][0]["sites"] = {MARKUP: 1}
    route.fulfill(response=answer, json=report)


def test_a_site_key_with_markup_is_shown_as_text_in_the_audience_and_forensics(stack, voted, console):
    from playwright.sync_api import expect

    poll_id, _ = voted
    console.route("**/audience", with_markup)
    console.route("**/forensics", with_markup)
    open_poll(console, stack, poll_id, ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD)
    sites = console.get_by_role("region", name="Voters by site")
    expect(sites.get_by_role("rowheader", name=MARKUP, exact=True)).to_be_visible()
    sources = console.get_by_role("region", name="Sources")
    expect(sources.get_by_text(f"{MARKUP} 1", exact=True)).to_be_visible(timeout=30_000)
    assert console.locator("main img").count() == 0
    assert console.evaluate("window.pwned") is None


def test_the_forensics_view_shows_each_sources_countries_sites_and_surfaces(stack, voted, console):
    from playwright.sync_api import expect

    poll_id, _ = voted
    open_poll(console, stack, poll_id, ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD)
    sources = console.get_by_role("region", name="Sources")
    # the report walks the index's 256 buckets: seconds on a loaded machine
    busiest = sources.get_by_role("row", name="Source 1")
    expect(busiest).to_contain_text("GB 3", timeout=30_000)
    expect(busiest).to_contain_text("bbc.co.uk 3")
    expect(busiest).to_contain_text("widget 3")
    forger = sources.get_by_role("row").filter(has_text="unknown 1")
    expect(forger).to_have_count(1)
    expect(forger).to_contain_text("bbc.co.uk 1")
    assert serious_violations(console) == []
