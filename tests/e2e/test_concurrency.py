"""Exactly-once counting under concurrency, over HTTP against the real local stack (`chalice local` + moto)."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any

import pytest
import requests

from local.stack import LocalStack, free_port
from tests.helpers import report

ADMIN_TOKEN = "concurrency-admin-token"
CLIENTS = 32
VOTERS = 1000
REPEATS = 200
OPTIONS = ["red", "green", "blue"]


@pytest.fixture(scope="module")
def stack():
    os.environ["QUIET_CHALICE"] = "1"
    with LocalStack(port=free_port(), aws_port=free_port(), admin_token=ADMIN_TOKEN) as running:
        yield running


class Voters:
    """HTTP clients, one requests.Session per worker thread, that vote and retry as a browser page would."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self._local = threading.local()
        self.retries = Counter[str]()
        self._lock = threading.Lock()

    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def vote(self, poll_id: str, voter: str, option: str) -> requests.Response:
        """POST a vote; on 503 retry with the same voter token, as the contract says is safe."""
        url = f"{self.api_url}/polls/{poll_id}/votes"
        for _ in range(10):
            response = self.session().post(url, json={"options": [option], "voter": voter}, timeout=60)
            if response.status_code != 503:
                return response
            with self._lock:
                self.retries[response.json()["error"]["code"]] += 1
            time.sleep(min(1.0, float(response.headers.get("Retry-After", "1"))))
        return response


def voter_token(index: int) -> str:
    return f"concurrent-voter-{index:05d}"


def chosen_option(index: int) -> str:
    return OPTIONS[index % len(OPTIONS)]


def create_poll(stack: LocalStack) -> str:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    body = {"id": "concurrency-poll", "question": "Which colour?", "options": [{"id": o, "label": o} for o in OPTIONS]}
    body.update(challenge="none", address_limit=None)  # 1,000 scripted voters from one address, on purpose
    response = requests.post(f"{stack.api_url}/polls", json=body, headers=admin, timeout=30)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def cast_everything(voters: Voters, poll_id: str) -> tuple[dict[int, requests.Response], list[requests.Response]]:
    """1,000 first votes on 32 clients; each of the first 200 voters repeats as soon as their vote is in,
    while the other first votes are still being sent."""
    firsts: dict[int, requests.Response] = {}
    repeats: list[requests.Response] = []
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        pending: dict[Future[requests.Response], tuple[str, int]] = {
            pool.submit(voters.vote, poll_id, voter_token(i), chosen_option(i)): ("first", i) for i in range(VOTERS)
        }
        while pending:
            for future in as_completed(list(pending)):
                kind, index = pending.pop(future)
                if kind == "first":
                    firsts[index] = future.result()
                    if index < REPEATS:  # the same voter again, with another option, in parallel with the rest
                        again = chosen_option(index + 1)
                        pending[pool.submit(voters.vote, poll_id, voter_token(index), again)] = ("repeat", index)
                        break
                else:
                    repeats.append(future.result())
    return firsts, repeats


def test_concurrent_votes_are_each_counted_exactly_once_and_repeats_are_refused(stack, request):
    poll_id = create_poll(stack)
    voters = Voters(stack.api_url)
    started = time.monotonic()

    firsts, repeats = cast_everything(voters, poll_id)

    elapsed = time.monotonic() - started
    first_statuses = Counter(r.status_code for r in firsts.values())
    repeat_codes = Counter((r.status_code, r.json()["error"]["code"]) for r in repeats)
    report(
        request,
        f"concurrency: {VOTERS} voters + {REPEATS} repeats on {CLIENTS} clients in {elapsed:.1f}s; "
        f"first votes {dict(first_statuses)}, repeats {dict(repeat_codes)}, 503 retries {dict(voters.retries)}",
    )
    # A first vote that was retried after 503 may see its own earlier commit as already_voted: still one count.
    assert set(first_statuses) <= {201, 409}
    for response in firsts.values():
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "already_voted"
    assert first_statuses[409] <= sum(voters.retries.values())
    assert len(repeats) == REPEATS
    assert repeat_codes == {(409, "already_voted"): REPEATS}

    time.sleep(1.2)  # past the per-process results cache (RESULTS_CACHE_SECONDS = 1)
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    results = requests.get(f"{stack.api_url}/polls/{poll_id}/results", headers=admin, timeout=30).json()
    expected = Counter(chosen_option(i) for i in range(VOTERS))
    assert results["total_voters"] == VOTERS
    assert {o["id"]: o["votes"] for o in results["options"]} == expected

    run = requests.post(f"{stack.api_url}/snapshots", headers=admin, timeout=60)
    assert run.status_code == 200 and poll_id in run.json()["written_polls"], run.text
    snapshot = stack.read_snapshot(f"results/{poll_id}/latest.json")
    assert snapshot["total_voters"] == VOTERS
    assert {o["id"]: o["votes"] for o in snapshot["options"]} == expected

    recount = requests.post(f"{stack.api_url}/polls/{poll_id}/recount", headers=admin, timeout=60).json()
    report(request, f"recount after the concurrent run: drift {recount['drift']}")
    assert recount["ballots"]["total_voters"] == VOTERS
    assert recount["drift"] == {"total_voters": 0, "options": {option: 0 for option in recount["drift"]["options"]}}


def test_the_embedded_endpoint_serves_one_aws_request_at_a_time():
    from local.endpoint import SerialisedWsgi

    inside, most = 0, 0
    guard = threading.Lock()

    def slow_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        nonlocal inside, most
        with guard:
            inside += 1
            most = max(most, inside)
        time.sleep(0.01)
        with guard:
            inside -= 1
        start_response("200 OK", [])
        return [b"ok"]

    app = SerialisedWsgi(slow_app)
    with ThreadPoolExecutor(max_workers=8) as pool:
        bodies = list(pool.map(lambda _: app({}, lambda *a: None), range(32)))
    assert bodies == [[b"ok"]] * 32
    assert most == 1
