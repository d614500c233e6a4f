"""The close drill over HTTP: an editor closes a poll while 8 clients vote; every vote the API accepted is counted."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from ops.client import PollClient
from tests.helpers import report

ADMIN_TOKEN = "close-drill-admin-token"
CLIENTS = 8
MOST_VOTES = 400  # per client: far more than a client casts before the close reaches it
STACK = {"admin_token": ADMIN_TOKEN}


def test_an_editors_close_succeeds_while_8_clients_vote_and_every_accepted_vote_is_counted(stack, api, request):
    body = {"id": "close-drill", "question": "Which?", "options": ["Red", "Blue"]}
    body.update(challenge="none", address_limit=None)  # scripted clients from one address, on purpose
    api.create_poll(**body)
    accepted: list[str] = []
    lock = threading.Lock()
    voting = threading.Event()

    def client(number: int) -> str:
        reader = PollClient.over_http(stack.api_url, timeout=60)
        for index in range(MOST_VOTES):
            option = "red" if index % 3 else "blue"
            for _ in range(10):  # a 503 is retried with the same token, as the contract allows
                answer = reader.vote("close-drill", [option], f"drill-{number:02d}-{index:04d}")
                if answer.status != 503:
                    break
            if answer.status != 201:
                return str(answer.error)
            with lock:
                accepted.append(option)
                if len(accepted) >= CLIENTS * 10:
                    voting.set()
        return "never closed"

    def close() -> int:
        voting.wait(60)
        editor = PollClient.over_http(stack.api_url, ADMIN_TOKEN, timeout=60)  # its own connection
        return editor.close("close-drill").status

    with ThreadPoolExecutor(CLIENTS + 1) as pool:
        clients = [pool.submit(client, n) for n in range(CLIENTS)]
        closing = pool.submit(close)
        assert closing.result() == 200  # one write to the poll item: votes in flight cannot make it fail
        endings = [future.result() for future in clients]

    assert endings == ["poll_closed"] * CLIENTS  # every client met the close, within the definition cache's second
    results = api.counted("close-drill", len(accepted))
    counted = {o["id"]: o["votes"] for o in results["options"]}
    assert results["total_voters"] == len(accepted)
    assert counted == {"red": accepted.count("red"), "blue": accepted.count("blue")}
    recount = api.recount("close-drill").body
    assert recount["drift"] == {"total_voters": 0, "options": {"red": 0, "blue": 0}}
    report(request, f"close drill: {len(accepted)} votes accepted from {CLIENTS} clients around the close, drift 0")
