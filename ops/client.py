"""A client of the poll API as readers, editors and scripts use it: one typed set of calls over HTTP (optionally from a
chosen loopback address) or through Chalice's test client, with proofs of work solved as a reader's browser does.

Tests, benchmarks and `make smoke` use it:

    api = PollClient.over_http("http://127.0.0.1:8000", token="local-admin-token")
    poll = api.create_poll(question="Tea or coffee?", options=["Tea", "Coffee"])
    answer = api.vote(poll["id"], ["tea"], voter="reader-000001", solve=True)
    assert answer.status == 201
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

import altcha
import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

TIMEOUT = 15.0  # seconds an HTTP request may take


def solve(document: dict[str, Any]) -> str:
    """Solve a challenge document (GET /polls/{id}/challenge) and return the base64 payload a vote sends as proof."""
    challenge = altcha.Challenge.from_dict(document)
    solution = altcha.solve_challenge(challenge, timeout=60)
    if solution is None:
        raise TimeoutError("the challenge was not solved within 60 s")
    return str(altcha.Payload(challenge, solution).to_base64())


class SourceAddressAdapter(HTTPAdapter):
    """A requests adapter whose connections are bound to one local address."""

    def __init__(self, address: str, **kwargs: Any) -> None:
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Bind every pooled connection to the address (any port)."""
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str) -> requests.Session:
    """Return a session whose requests come from `address` (a loopback address on this machine)."""
    session = requests.Session()
    adapter = SourceAddressAdapter(address)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def loopback(index: int) -> str:
    """Return the index-th loopback address after 127.0.0.1: 0 -> 127.0.0.2, 252 -> 127.0.0.254, 253 -> 127.0.1.1."""
    high, low = divmod(index + 1, 254)
    return f"127.0.{high}.{low + 1}"


class UnexpectedAnswer(Exception):
    """An answer with another status than the caller expected; says what was asked and what came."""

    def __init__(self, answer: Answer, expected: int, what: str) -> None:
        super().__init__(f"{what}: expected {expected}, got {answer.status} {answer.text[:300]!r}")
        self.answer = answer


@dataclass(frozen=True)
class Answer:
    """One answer of the API: its status, JSON body (None when not JSON), headers and text."""

    status: int
    body: Any
    headers: Mapping[str, str]
    text: str
    call: str = ""  # what was asked: method and path
    raw: Any = field(default=None, repr=False, compare=False)  # the transport's own response object

    @property
    def error(self) -> str | None:
        """The API's error code (`{"error": {"code": ...}}`), or None."""
        found = self.body.get("error") if isinstance(self.body, dict) else None
        return str(found["code"]) if isinstance(found, dict) and "code" in found else None

    def expect(self, status: int, what: str | None = None) -> Any:
        """Return the JSON body if the status is the expected one, else raise UnexpectedAnswer."""
        if self.status != status:
            raise UnexpectedAnswer(self, status, what or self.call)
        return self.body


def parsed(text: str) -> Any:
    """The JSON value of a body, or None when it is empty or not JSON."""
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


class Transport(Protocol):
    """Sends one request to the API and returns its answer, whatever the status."""

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Answer:
        """Send a request (path with its query string) and return the answer."""
        ...


class HttpTransport:
    """Requests over HTTP to a base URL, from a chosen local address if given."""

    def __init__(
        self,
        base_url: str,
        *,
        source: str | None = None,
        session: requests.Session | None = None,
        timeout: float = TIMEOUT,
        user_agent: str = "polls-client/1",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or (session_from(source) if source else requests.Session())
        self.timeout = timeout
        self.user_agent = user_agent

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Answer:
        """Send the request; network errors and timeouts raise (requests' exceptions are OSErrors)."""
        headers = {"Accept": "application/json", "User-Agent": self.user_agent, **headers}
        response = self.session.request(method, self.base_url + path, headers=headers, data=body, timeout=self.timeout)
        text = response.content.decode("utf-8", "replace")
        return Answer(response.status_code, parsed(text), response.headers, text, f"{method} {path}", response)


class ChaliceTransport:
    """Requests through Chalice's test client (`chalice.test.Client`): the app in this process, no network."""

    def __init__(self, test_client: Any) -> None:
        self.test_client = test_client

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Answer:
        """Hand the request to the app through Chalice's local gateway."""
        response = self.test_client.http.request(method, path, headers=headers, body=body or b"")
        raw_body = response.body if isinstance(response.body, bytes) else str(response.body or "").encode()
        text = raw_body.decode("utf-8", "replace")
        headers_found = CaseInsensitiveDict(response.headers)
        return Answer(response.status_code, parsed(text), headers_found, text, f"{method} {path}", response)


def _path(path: str, query: Mapping[str, Any] | None) -> str:
    """A path with the query parameters that are not None."""
    given = {name: value for name, value in (query or {}).items() if value is not None}
    return f"{path}?{urlencode(given, doseq=True)}" if given else path


class PollClient:
    """The poll API's calls, each returning an Answer (create_poll returns the poll); admin calls send the token."""

    def __init__(self, transport: Transport, token: str | None = None) -> None:
        self.transport = transport
        self.token = token  # the service token or an editor's ID token, sent as a bearer token on admin calls

    @classmethod
    def over_http(
        cls, base_url: str, token: str | None = None, *, source: str | None = None, timeout: float = TIMEOUT
    ) -> PollClient:
        """A client of the API at `base_url`, its connections from `source` (a loopback address) if given."""
        return cls(HttpTransport(base_url, source=source, timeout=timeout), token)

    @classmethod
    def over_chalice(cls, test_client: Any, token: str | None = None) -> PollClient:
        """A client of the app through Chalice's test client."""
        return cls(ChaliceTransport(test_client), token)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        admin: bool = False,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """Send any request: a JSON body if given, the token if `admin`."""
        sent = dict(headers or {})
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        if admin and self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        return self.transport.send(method, _path(path, query), sent, data)

    # ------------------------------------------------------------ public

    def health(self) -> Answer:
        """GET /health."""
        return self.request("GET", "/health")

    def poll(self, poll_id: str, lang: str | None = None) -> Answer:
        """GET /polls/{id}, in a language if asked."""
        return self.request("GET", f"/polls/{poll_id}", query={"lang": lang})

    def challenge(self, poll_id: str) -> Answer:
        """GET /polls/{id}/challenge: a fresh proof-of-work challenge."""
        return self.request("GET", f"/polls/{poll_id}/challenge")

    def solved_challenge(self, poll_id: str) -> str:
        """Fetch a fresh challenge for the poll and return its solution, the proof a vote sends."""
        return solve(self.challenge(poll_id).expect(200))

    def vote(
        self,
        poll_id: str,
        options: list[str],
        voter: str | None = None,
        *,
        proof: str | None = None,
        solve: bool = False,
        lang: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Answer:
        """POST a vote; with `solve`, solve the poll's challenge first when it asks a proof of work (as the widget
        does). `extra` adds other body fields as given (tests of what the API refuses)."""
        if solve and proof is None and self.poll(poll_id).expect(200)["challenge"] == "proof_of_work":
            proof = self.solved_challenge(poll_id)
        body: dict[str, Any] = {"options": options}
        if voter is not None:
            body["voter"] = voter
        if proof is not None:
            body["proof"] = proof
        body.update(extra or {})
        return self.request("POST", f"/polls/{poll_id}/votes", body=body, query={"lang": lang})

    def results(
        self, poll_id: str, voter: str | None = None, *, admin: bool = False, lang: str | None = None
    ) -> Answer:
        """GET /polls/{id}/results: as a reader (a voter's view if given) or, with `admin`, as staff."""
        return self.request("GET", f"/polls/{poll_id}/results", admin=admin, query={"voter": voter, "lang": lang})

    def counted(self, poll_id: str, voters: int, timeout: float = 30.0) -> dict[str, Any]:
        """Wait (polling, up to `timeout` seconds) until the staff results count at least `voters`: votes are counted
        by the fold within seconds of their 201. Return the last results read."""
        deadline = time.monotonic() + timeout
        while True:
            results = dict(self.results(poll_id, admin=True).expect(200))
            if results["total_voters"] >= voters or time.monotonic() > deadline:
                return results
            time.sleep(0.1)

    # ------------------------------------------------------------ admin

    def create_poll(self, **fields: Any) -> dict[str, Any]:
        """POST /polls with these fields as given; return the poll, or raise UnexpectedAnswer unless 201."""
        return dict(self.request("POST", "/polls", body=fields, admin=True).expect(201))

    def polls(self, **query: Any) -> Answer:
        """GET /polls (status, limit, cursor, q)."""
        return self.request("GET", "/polls", admin=True, query=query)

    def change(self, poll_id: str, **fields: Any) -> Answer:
        """PATCH /polls/{id} with these fields."""
        return self.request("PATCH", f"/polls/{poll_id}", body=fields, admin=True)

    def close(self, poll_id: str) -> Answer:
        """Close a poll now."""
        return self.change(poll_id, status="closed")

    def delete(self, poll_id: str) -> Answer:
        """DELETE /polls/{id}."""
        return self.request("DELETE", f"/polls/{poll_id}", admin=True)

    def recount(self, poll_id: str, fix: bool | None = None) -> Answer:
        """POST /polls/{id}/recount, repairing the counters when `fix`."""
        return self.request("POST", f"/polls/{poll_id}/recount", body=None if fix is None else {"fix": fix}, admin=True)

    def forensics(self, poll_id: str) -> Answer:
        """GET /polls/{id}/forensics: the poll's ballots grouped by source."""
        return self.request("GET", f"/polls/{poll_id}/forensics", admin=True)

    def void(self, poll_id: str, request: Mapping[str, Any]) -> Answer:
        """POST /polls/{id}/void with this request (`source`, `from`, `to`, `reason`, `dry_run`)."""
        return self.request("POST", f"/polls/{poll_id}/void", body=dict(request), admin=True)

    def voids(self, poll_id: str) -> Answer:
        """GET /polls/{id}/voids."""
        return self.request("GET", f"/polls/{poll_id}/voids", admin=True)

    def snapshots(self) -> Answer:
        """POST /snapshots: run the snapshot job now."""
        return self.request("POST", "/snapshots", admin=True)

    def audit(self, poll_id: str | None = None, limit: int | None = None, cursor: str | None = None) -> Answer:
        """GET /audit: the newest audit entries (one poll's if given)."""
        return self.request("GET", "/audit", admin=True, query={"poll_id": poll_id, "limit": limit, "cursor": cursor})
