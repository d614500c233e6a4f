"""`make smoke STAGE=dev API=<url> [SITE=<url>]`: an end-to-end check of a deployed stage over plain HTTP.

One line per step, PASS, FAIL or SKIP, with its time:

  health         GET /health answers 200 {"status": "ok"}
  credential     the automation credential (admin bearer token): POLL_ADMIN_TOKEN, else the stage's
                 secret in Secrets Manager (`admin_token` of SECRET_ID, with your AWS credentials)
  create         POST /polls makes a canary poll: id smoke-<UTC time>-<random>, closes in 15 minutes,
                 results_visibility `never` (its snapshots stay under private/, off the public index)
  vote           POST /polls/{id}/votes with a fresh voter token (and a solved proof of work
                 when the canary has the default challenge): 201
  results        GET /polls/{id}/results (as admin): 200, one voter, on the option voted for (within 30 s)
  edge document  with SITE: GET <SITE>/<EDGE_PATH> (default results/index.json, the public results
                 index the CDN serves from the bucket) answers 200 with the index document
  delete         DELETE /polls/{id}: 204. Runs whenever the canary may exist (created, or its creation
                 timed out or got a 5XX), even after a failure.

Exit status: 0 when nothing failed, 1 when a step failed, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from infra.functions import stage_environment
from ops.client import TIMEOUT, HttpTransport, PollClient, UnexpectedAnswer

CANARY_MINUTES = 15
DEFAULT_EDGE_PATH = "results/index.json"
COUNTED_WITHIN_SECONDS = 30  # from a vote's 201 to the results counting it
USER_AGENT = "polls-smoke/1"


class StepFailed(Exception):
    """A step's check did not hold; the message says what was expected and what came."""


def admin_token(stage: str) -> tuple[str, str]:
    """Return the automation credential and where it came from."""
    token = os.environ.get("POLL_ADMIN_TOKEN")
    if token:
        return token, "POLL_ADMIN_TOKEN"
    secret_id = stage_environment(stage).get("SECRET_ID")
    if not secret_id:
        raise StepFailed(f"set POLL_ADMIN_TOKEN: the {stage} stage has no SECRET_ID to read it from")
    import boto3  # noqa: PLC0415 - only when the token is not given

    try:
        document = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])
    except Exception as exc:  # noqa: BLE001 - any AWS or credentials error fails this step with its message
        raise StepFailed(f"could not read {secret_id} from Secrets Manager: {exc}") from exc
    token = document.get("admin_token") or ""
    if len(token) < 24:
        raise StepFailed(f"{secret_id} has no admin_token (set one: python -m ops.deploy set-admin-token)")
    return token, f"secret {secret_id}"


@dataclass
class Smoke:
    """Runs the steps in order and reports each one."""

    api: str
    stage: str
    site: str | None = None
    edge_path: str = DEFAULT_EDGE_PATH
    out: Callable[[str], None] = print
    failed: bool = False
    poll_id: str = field(default_factory=lambda: f"smoke-{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(3)}")
    token: str | None = None
    canary_may_exist: bool = False  # True from the moment POST /polls is sent until it is refused
    challenge: str = "none"  # the canary's challenge, as the stage created it
    client: PollClient = field(init=False)  # the API's, with the admin token once the credential step found it

    def __post_init__(self) -> None:
        self.client = PollClient(HttpTransport(self.api, timeout=TIMEOUT, user_agent=USER_AGENT))

    def report(self, status: str, name: str, seconds: float | None, detail: str) -> None:
        """Print one step's line."""
        timing = f"{seconds:6.2f} s" if seconds is not None else "       -"
        self.out(f"{status:<4}  {name:<13} {timing}  {detail}".rstrip())

    def step(self, name: str, check: Callable[[], str]) -> bool:
        """Run one step; report PASS with its detail, or FAIL with the reason. Return whether it passed."""
        start = time.monotonic()
        try:
            detail = check()
        except (StepFailed, UnexpectedAnswer) as exc:
            self.failed = True
            self.report("FAIL", name, time.monotonic() - start, str(exc))
            return False
        except (OSError, ValueError, KeyError, TypeError) as exc:  # network errors, timeouts, malformed answers
            self.failed = True
            self.report("FAIL", name, time.monotonic() - start, f"{type(exc).__name__}: {exc}")
            return False
        self.report("PASS", name, time.monotonic() - start, detail)
        return True

    def skip(self, name: str, reason: str) -> None:
        """Report a step that did not run."""
        self.report("SKIP", name, None, reason)

    def health(self) -> str:
        body = self.client.health().expect(200)
        if body != {"status": "ok"}:
            raise StepFailed(f'GET /health: expected {{"status": "ok"}}, got {body!r}')
        return f"{self.api}/health ok"

    def credential(self) -> str:
        self.token, source = admin_token(self.stage)
        self.client.token = self.token
        return f"admin token from {source}"

    def create(self) -> str:
        closes = datetime.now(UTC) + timedelta(minutes=CANARY_MINUTES)
        poll = {
            "id": self.poll_id,
            "question": "Smoke test canary: does this stage work? (deleted by the smoke test)",
            "options": ["Yes", "No"],
            "closes_at": closes.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "results_visibility": "never",
        }
        self.canary_may_exist = True  # a timeout or a 5XX leaves the outcome unknown
        try:
            body = self.client.create_poll(**poll)
        except UnexpectedAnswer as refused:
            self.canary_may_exist = refused.answer.status >= 500
            raise
        if body.get("id") != self.poll_id or [o["id"] for o in body["options"]] != ["yes", "no"]:
            raise StepFailed(f"POST /polls: unexpected poll {body!r}")
        self.challenge = str(body.get("challenge", "none"))
        return f"canary poll {self.poll_id} (challenge {self.challenge})"

    def vote(self) -> str:
        # The canary keeps the stage's protective defaults: solve its proof of work as a reader's browser would.
        proof = self.client.solved_challenge(self.poll_id) if self.challenge == "proof_of_work" else None
        voter = f"smoke-voter-{secrets.token_hex(8)}"
        body = self.client.vote(self.poll_id, ["yes"], voter, proof=proof).expect(201)
        if body.get("options") != ["yes"]:
            raise StepFailed(f"vote: expected options ['yes'], got {body!r}")
        return "voted yes"

    def results(self) -> str:
        # The fold counts a vote from the ballots' stream within seconds, the publisher sums it into the results within
        # its batching window, and a warm process keeps them a second: wait for all three, with room to spare.
        deadline = time.monotonic() + COUNTED_WITHIN_SECONDS
        while True:
            body = self.client.results(self.poll_id, admin=True).expect(200)
            votes = {o["id"]: o["votes"] for o in body["options"]}
            if body["total_voters"] == 1 and votes == {"yes": 1, "no": 0}:
                return "1 voter, yes 1, no 0"
            if time.monotonic() > deadline:
                raise StepFailed(f"expected 1 voter on yes, got total_voters={body['total_voters']} votes={votes}")
            time.sleep(0.5)

    def edge(self) -> str:
        url = f"{self.site}/{self.edge_path}"
        cdn = PollClient(HttpTransport(str(self.site), timeout=TIMEOUT, user_agent=USER_AGENT))
        body = cdn.request("GET", f"/{self.edge_path}").expect(200, f"GET {url}")
        if not isinstance(body, dict) or not isinstance(body.get("polls"), list) or "snapshot_at" not in body:
            raise StepFailed(f"GET {url}: not a results index document: {str(body)[:200]!r}")
        return f"{url}: {len(body['polls'])} polls, snapshot_at {body['snapshot_at']}"

    def delete(self, created: bool) -> str:
        answer = self.client.delete(self.poll_id)
        if answer.status == 404 and not created:
            return f"nothing to delete ({self.poll_id} was not created)"
        answer.expect(204)
        return f"deleted {self.poll_id}"

    def run(self) -> int:
        """Run every step; return the exit status."""
        self.out(f"smoke test of {self.stage} at {self.api}")
        self.steps()
        self.out("smoke test " + ("FAILED" if self.failed else "passed"))
        return 1 if self.failed else 0

    def steps(self) -> None:
        """Run the steps in order, skipping those that cannot run; delete the canary whatever happened."""
        if not self.step("health", self.health):
            for name in ("credential", "create", "vote", "results", "edge document", "delete"):
                self.skip(name, "skipped: the API did not answer its health check")
            return
        if not self.step("credential", self.credential):
            for name in ("create", "vote", "results", "edge document", "delete"):
                self.skip(name, "skipped: no admin token")
            return
        created = False
        try:
            created = self.step("create", self.create)
            if not created:
                self.skip("vote", "skipped: the canary poll was not created")
                self.skip("results", "skipped: the canary poll was not created")
            elif self.step("vote", self.vote):
                self.step("results", self.results)
            else:
                self.skip("results", "skipped: the vote failed")
            if self.site:
                self.step("edge document", self.edge)
            else:
                self.skip("edge document", "no SITE given (SITE=<url> reads <url>/results/index.json through the CDN)")
        finally:
            if self.canary_may_exist:
                self.step("delete", lambda: self.delete(created))
            else:
                self.skip("delete", "nothing to delete: POST /polls was refused")


def http_url(value: str) -> str:
    """Parse an http(s) base URL, without a trailing slash."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"not an http(s) URL: {value!r}")
    return value.rstrip("/")


def main(argv: list[str] | None = None) -> int:
    """Command line: python -m ops.smoke --stage dev --api <url> [--site <url>]."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="dev", choices=["local", "dev", "prod"])
    parser.add_argument("--api", required=True, type=http_url, help="the stage's URL, with /api (EndpointURL)")
    parser.add_argument("--site", type=http_url, help="base URL where the results bucket is served (the CDN)")
    parser.add_argument("--edge-path", default=DEFAULT_EDGE_PATH, help="document read under --site")
    args = parser.parse_args(argv)
    smoke = Smoke(api=args.api, stage=args.stage, site=args.site, edge_path=args.edge_path.lstrip("/"))
    smoke.out = lambda line: print(line, flush=True)
    return smoke.run()


if __name__ == "__main__":
    sys.exit(main())
