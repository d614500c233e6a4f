"""`make run`'s stack: the embedded AWS endpoint, `chalice local` and the demo poll, over real HTTP."""

from __future__ import annotations

import requests

from local.stack import DEMO_POLL
from ops.client import session_from
from tests.proofs import solve

EDGE_KEY = "http-test-edge-key-0123456789"  # as `EDGE_KEY=... make run` sets it: the site sends it, and so may a test
STACK = {"admin_token": "http-test-token", "env": {"EDGE_KEY": EDGE_KEY}}


def test_the_local_stack_serves_the_seeded_demo_poll(stack):
    response = requests.get(f"{stack.api_url}/polls/{DEMO_POLL['id']}", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "open"
    assert [o["id"] for o in body["options"]] == ["yes", "no", "dont-know"]


def test_a_vote_over_http_is_counted_once(stack):
    url = f"{stack.api_url}/polls/{DEMO_POLL['id']}/votes"
    before = requests.get(f"{stack.api_url}/polls/{DEMO_POLL['id']}/results", timeout=10).json()["total_voters"]
    proof = solve(requests.get(f"{stack.api_url}/polls/{DEMO_POLL['id']}/challenge", timeout=10).json())
    first = requests.post(url, json={"options": ["yes"], "voter": "http-voter-0001", "proof": proof}, timeout=10)
    again = requests.post(url, json={"options": ["no"], "voter": "http-voter-0001", "proof": proof}, timeout=10)
    assert first.status_code == 201
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_voted"
    assert first.json()["results"]["total_voters"] == before + 1


def test_admin_routes_use_the_stacks_token(stack):
    ok = requests.get(f"{stack.api_url}/polls", headers={"Authorization": "Bearer http-test-token"}, timeout=10)
    assert ok.status_code == 200
    assert DEMO_POLL["id"] in [p["id"] for p in ok.json()["polls"]]
    refused = requests.get(f"{stack.api_url}/polls", headers={"Authorization": "Bearer local-admin-token"}, timeout=10)
    assert refused.status_code == 401


def test_a_second_start_on_the_same_endpoint_keeps_existing_data(stack, make_stack, api):
    api.vote(str(DEMO_POLL["id"]), ["yes"], "second-start-voter", solve=True).expect(201)
    before = api.counted(str(DEMO_POLL["id"]), 1)["total_voters"]
    again = make_stack(endpoint=stack.endpoint)
    again._provision_and_seed()  # creates only what is missing; the demo poll already exists
    response = requests.get(f"{stack.api_url}/polls/{DEMO_POLL['id']}/results", timeout=10)
    assert response.json()["total_voters"] == before >= 1


def test_the_local_api_sees_each_clients_own_loopback_address(stack):
    admin = {"Authorization": "Bearer http-test-token"}
    body = {"question": "Which address?", "options": ["A", "B"], "challenge": "none"}
    body["address_limit"] = {"votes": 1, "minutes": 10}
    poll_id = requests.post(f"{stack.api_url}/polls", json=body, headers=admin, timeout=10).json()["id"]
    answers = []
    for address in ("127.0.0.2", "127.0.0.2", "127.0.0.3"):
        vote = {"options": ["a"], "voter": f"voter-{address.replace('.', '-')}-{len(answers)}"}
        answers.append(session_from(address).post(f"{stack.api_url}/polls/{poll_id}/votes", json=vote, timeout=10))
    assert [a.status_code for a in answers] == [201, 429, 201]
    assert answers[1].json()["error"]["code"] == "address_limit_reached"


def test_through_the_site_the_api_sees_each_browsers_own_address_not_a_forged_one(stack):
    admin = {"Authorization": "Bearer http-test-token"}
    body = {"question": "Which reader?", "options": ["A", "B"], "challenge": "none"}
    body["address_limit"] = {"votes": 1, "minutes": 10}
    poll_id = requests.post(f"{stack.web_url}/api/polls", json=body, headers=admin, timeout=10).json()["id"]
    forged = {"CloudFront-Viewer-Address": "203.0.113.9:4000", "X-Origin-Verify": "guess"}
    answers = []
    for n, (address, headers) in enumerate([("127.0.0.2", {}), ("127.0.0.2", forged), ("127.0.0.3", forged)]):
        vote = {"options": ["a"], "voter": f"site-voter-{n:04d}"}
        url = f"{stack.web_url}/api/polls/{poll_id}/votes"
        answers.append(session_from(address).post(url, json=vote, headers=headers, timeout=10))
    assert [a.status_code for a in answers] == [201, 429, 201]
    assert answers[1].json()["error"]["code"] == "address_limit_reached"
    passed = stack.api_requests(f"/polls/{poll_id}/votes")
    assert [(method, address) for method, _, address in passed] == [
        ("POST", "127.0.0.2"),
        ("POST", "127.0.0.2"),
        ("POST", "127.0.0.3"),
    ]


def test_the_site_passes_the_apis_answer_back_with_its_status_and_headers(stack):
    response = requests.get(f"{stack.web_url}/api/polls/no-such-poll", timeout=10)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "poll_not_found"
    assert requests.get(f"{stack.web_url}/api/health", timeout=10).status_code == 200


def test_with_the_stacks_edge_key_a_client_presents_any_readers_address_ipv6_included(stack):
    assert stack.edge_key == EDGE_KEY
    admin = {"Authorization": "Bearer http-test-token"}
    body = {"question": "Which network?", "options": ["A", "B"], "challenge": "none"}
    body["address_limit"] = {"votes": 1, "minutes": 10, "blocks": {"ipv6_48": {"votes": 2, "minutes": 60}}}
    poll_id = requests.post(f"{stack.api_url}/polls", json=body, headers=admin, timeout=10).json()["id"]
    readers = [
        ("2001:db8:1:1::1", EDGE_KEY, 201),
        ("2001:db8:1:1::2", EDGE_KEY, 429),  # the same /64
        ("2001:db8:1:2::1", EDGE_KEY, 201),  # another /64 of the /48
        ("2001:db8:1:3::1", EDGE_KEY, 429),  # the /48's allowance is spent
        ("2001:db8:2::1", EDGE_KEY, 201),  # another /48
        # not this stack's key: both are the caller's own address (127.0.0.4), which then has voted once
        ("2001:db8:3::1", "local-edge-key-not-a-secret-0123456789", 201),
        ("2001:db8:4::1", "local-edge-key-not-a-secret-0123456789", 429),
    ]
    statuses = []
    for n, (address, key, _) in enumerate(readers):
        headers = {"X-Origin-Verify": key, "CloudFront-Viewer-Address": f"{address}:443"}
        vote = {"options": ["a"], "voter": f"edge-voter-{n:04d}"}
        url = f"{stack.api_url}/polls/{poll_id}/votes"
        statuses.append(session_from("127.0.0.4").post(url, json=vote, headers=headers, timeout=10).status_code)
    assert statuses == [expected for _, _, expected in readers]
