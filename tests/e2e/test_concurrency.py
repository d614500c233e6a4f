"""Exactly-once counting under concurrency, over HTTP against the real local stack (`chalice local` + moto), with
write-in answers in the mix."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any

from ops.client import Answer, PollClient
from tests.helpers import report

ADMIN_TOKEN = "concurrency-admin-token"
CLIENTS = 32
VOTERS = 1000
REPEATS = 200
OPTIONS = ["red", "green", "blue"]
# Every fifth voter writes an answer in instead, in one of these spellings: two answers (texts equal once normalised).
WRITTEN = ["Purple", " purple ", "PURPLE", "Teal", "teal"]
STACK = {"admin_token": ADMIN_TOKEN}


class Voters:
    """API clients, one per worker thread (each its own connection pool), that vote and retry as a browser would."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self._local = threading.local()
        self.retries = Counter[str]()
        self._lock = threading.Lock()

    def client(self) -> PollClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = PollClient.over_http(self.api_url, timeout=60)
        return client

    def vote(self, poll_id: str, voter: str, option: str) -> Answer:
        """POST a vote (an option, or a write-in); on 503 retry with the same voter token, as the contract says is
        safe."""
        for _ in range(10):
            other = written(option)
            options, extra = ([], {"other": other}) if other is not None else ([option], None)
            answer = self.client().vote(poll_id, options, voter, extra=extra)
            if answer.status != 503:
                return answer
            with self._lock:
                self.retries[str(answer.error)] += 1
            time.sleep(min(1.0, float(answer.headers.get("Retry-After", "1"))))
        return answer


def voter_token(index: int) -> str:
    return f"concurrent-voter-{index:05d}"


def chosen_option(index: int) -> str:
    """Return the option a voter chooses, or "other:<text>" for a voter who writes an answer in."""
    if index % 5 == 0:
        return "other:" + WRITTEN[index // 5 % len(WRITTEN)]
    return OPTIONS[index % len(OPTIONS)]


def written(option: str) -> str | None:
    return option.removeprefix("other:") if option.startswith("other:") else None


def create_poll(api: PollClient) -> str:
    body = {"id": "concurrency-poll", "question": "Which colour?", "options": [{"id": o, "label": o} for o in OPTIONS]}
    body["write_in"] = True
    body.update(challenge="none", address_limit=None)  # 1,000 scripted voters from one address, on purpose
    return str(api.create_poll(**body)["id"])


def cast_everything(voters: Voters, poll_id: str) -> tuple[dict[int, Answer], list[Answer]]:
    """1,000 first votes on 32 clients; each of the first 200 voters repeats as soon as their vote is in,
    while the other first votes are still being sent."""
    firsts: dict[int, Answer] = {}
    repeats: list[Answer] = []
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        pending: dict[Future[Answer], tuple[str, int]] = {
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


def test_concurrent_votes_are_each_counted_exactly_once_and_repeats_are_refused(stack, api, request):
    poll_id = create_poll(api)
    voters = Voters(stack.api_url)
    started = time.monotonic()

    firsts, repeats = cast_everything(voters, poll_id)

    elapsed = time.monotonic() - started
    first_statuses = Counter(r.status for r in firsts.values())
    repeat_codes = Counter((r.status, r.error) for r in repeats)
    report(
        request,
        f"concurrency: {VOTERS} voters + {REPEATS} repeats on {CLIENTS} clients in {elapsed:.1f}s; "
        f"first votes {dict(first_statuses)}, repeats {dict(repeat_codes)}, 503 retries {dict(voters.retries)}",
    )
    # A first vote that was retried after 503 may see its own earlier commit as already_voted: still one count.
    assert set(first_statuses) <= {201, 409}
    for answer in firsts.values():
        if answer.status == 409:
            assert answer.error == "already_voted"
    assert first_statuses[409] <= sum(voters.retries.values())
    assert len(repeats) == REPEATS
    assert repeat_codes == {(409, "already_voted"): REPEATS}

    deadline = time.monotonic() + 10  # a process may serve a tally cached for RESULTS_CACHE_SECONDS (1 s)
    results = api.results(poll_id, admin=True).expect(200)
    while results["total_voters"] != VOTERS and time.monotonic() < deadline:
        time.sleep(0.2)
        results = api.results(poll_id, admin=True).expect(200)
    chosen = Counter(chosen_option(i) for i in range(VOTERS))
    expected = {option: chosen[option] for option in OPTIONS}
    others = sum(n for option, n in chosen.items() if written(option) is not None)
    assert results["total_voters"] == VOTERS
    assert {o["id"]: o["votes"] for o in results["options"]} == expected
    assert results["other"]["votes"] == others
    queue = api.request("GET", f"/polls/{poll_id}/write-ins", admin=True).expect(200)["answers"]
    by_text = {answer["text"].casefold(): answer["votes"] for answer in queue}
    assert by_text == {
        "purple": sum(n for o, n in chosen.items() if (written(o) or "").strip().casefold() == "purple"),
        "teal": sum(n for o, n in chosen.items() if (written(o) or "").strip().casefold() == "teal"),
    }

    run = api.snapshots()
    assert run.status == 200 and poll_id in run.body["written_polls"], run.text
    snapshot = stack.read_snapshot(f"results/{poll_id}/latest.json")
    assert snapshot["total_voters"] == VOTERS
    assert {o["id"]: o["votes"] for o in snapshot["options"]} == expected
    assert snapshot["other"]["votes"] == others

    recount = api.recount(poll_id).body
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
