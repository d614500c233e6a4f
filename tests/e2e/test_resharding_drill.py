"""The resharding drill over HTTP: a 2-shard poll under 8 voting clients is raised to 50 mid-stream, twice at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from ops.client import Answer, PollClient
from tests.helpers import report

ADMIN_TOKEN = "resharding-admin-token"
CLIENTS = 8
VOTES_PER_CLIENT = 40
STACK = {"admin_token": ADMIN_TOKEN}


def test_a_poll_resharded_while_voting_counts_every_accepted_vote_once(stack, api, request):
    body = {"id": "reshard-drill", "question": "Which?", "options": ["Red", "Blue"], "shards": 2}
    body.update(challenge="none", address_limit=None)  # scripted clients from one address, on purpose
    api.create_poll(**body)
    accepted: list[str] = []
    lock = threading.Lock()
    halfway = threading.Event()

    def client(number: int) -> None:
        reader = PollClient.over_http(stack.api_url, timeout=60)
        for index in range(VOTES_PER_CLIENT):
            voter = f"drill-{number:02d}-{index:04d}"
            option = "red" if index % 3 else "blue"
            for _ in range(10):  # a 503 is retried with the same token, as the contract allows
                answer = reader.vote("reshard-drill", [option], voter)
                if answer.status != 503:
                    break
            assert answer.status in (201, 409), answer.text
            if answer.status == 201:
                with lock:
                    accepted.append(option)
            if index == VOTES_PER_CLIENT // 4:
                halfway.set()

    def raise_to(shards: int) -> Answer:
        halfway.wait(60)
        editor = PollClient.over_http(stack.api_url, ADMIN_TOKEN, timeout=60)  # its own connection, as a second editor
        return editor.change("reshard-drill", shards=shards)

    with ThreadPoolExecutor(CLIENTS + 2) as pool:
        voting = [pool.submit(client, n) for n in range(CLIENTS)]
        raises = [pool.submit(raise_to, 50), pool.submit(raise_to, 50)]
        for future in voting:
            future.result()
        answers = [future.result() for future in raises]

    assert [answer.status for answer in answers] == [200, 200]  # the loser of the race is a no-op
    assert {answer.body["shards"] for answer in answers} == {50}
    results = api.results("reshard-drill", admin=True).body
    counted = {o["id"]: o["votes"] for o in results["options"]}
    assert results["total_voters"] == len(accepted) == CLIENTS * VOTES_PER_CLIENT
    assert counted == {"red": accepted.count("red"), "blue": accepted.count("blue")}
    recount = api.recount("reshard-drill").body
    assert recount["drift"] == {"total_voters": 0, "options": {"red": 0, "blue": 0}}
    report(request, f"resharding drill: {len(accepted)} votes on {CLIENTS} clients, 2 -> 50 shards, drift 0")
