"""Schemathesis against the real local stack: generated requests for every documented operation.

Every answer must be no 5xx, a documented status code, a documented content type and headers, and a
body that conforms to openapi.yaml. Positive and negative cases, the spec's examples and Schemathesis'
coverage phase all run; the seeded demo poll (`junior-doctors-mediation`, the spec's example poll id)
is restored after a generated case changes or deletes it, so later cases still find an open poll.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from local.stack import DEMO_POLL, LocalStack
from ops.client import PollClient
from tests.helpers import UNPROTECTED, report

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"
HIDDEN_POLL = "fuzz-results-after-vote"
CLOSED_POLL = "fuzz-closed"
SEEDED: dict[str, dict[str, Any]] = {  # the demo poll is open and shows results always
    DEMO_POLL["id"]: DEMO_POLL,
    HIDDEN_POLL: {
        "id": HIDDEN_POLL,
        "question": "Results only for voters?",
        "options": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}],
        "results_visibility": "after_vote",
        "challenge": "none",  # fuzzed votes count here; the demo poll refuses them without a proof
        "address_limit": None,
    },
    CLOSED_POLL: {
        "id": CLOSED_POLL,
        "question": "Closed already?",
        "options": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}],
        "results_visibility": "after_close",
        "challenge": "none",  # fuzzed votes count here; the demo poll refuses them without a proof
        "address_limit": None,
    },
}
QUIZ = "fuzz-quiz"  # a quiz of two seeded quiz polls, which fuzzed votes answer
QUIZ_POLLS = ("fuzz-quiz-one", "fuzz-quiz-two")
for _quiz_poll in QUIZ_POLLS:
    SEEDED[_quiz_poll] = {
        "id": _quiz_poll,
        "question": "Right or wrong?",
        "options": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}],
        "kind": "quiz",
        "correct": ["yes"],
        "challenge": "none",
        "address_limit": None,
    }
OPTION_IDS = {
    DEMO_POLL["id"]: ["yes", "no", "dont-know"],
    HIDDEN_POLL: ["yes", "no"],
    CLOSED_POLL: ["yes", "no"],
    **dict.fromkeys(QUIZ_POLLS, ["yes", "no"]),
}
ADMIN_TOKEN = "fuzz-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MAX_EXAMPLES = 150  # per operation, for the fuzzing phase; examples and coverage cases come on top
# A valid export request exports a day of every poll for up to its 6 s budget: fewer generated ones (the coverage
# phase's cases still all run).
EXPORTS, EXPORT_EXAMPLES = "/exports", 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# The coverage phase also sends methods a path does not document; TRACE and QUERY are left out because
# `chalice local` (Python's http.server) answers them 501 itself, before the app (API Gateway never forwards them).
CONFIG = schemathesis.Config.from_dict(
    {"phases": {"coverage": {"unexpected-methods": ["get", "put", "post", "delete", "options", "patch"]}}}
)
schema = schemathesis.openapi.from_path(SPEC_PATH, config=CONFIG)
CASES: Counter[str] = Counter()
STATUSES: dict[str, Counter[int]] = {}
_count_lock = threading.Lock()


STACK = {"admin_token": ADMIN_TOKEN}


@pytest.fixture(scope="module")
def stack(stack: LocalStack, request: pytest.FixtureRequest) -> Iterator[LocalStack]:
    """The e2e tier's stack (tests/e2e/conftest.py) with the seeded polls; reports the generated cases after."""
    for poll_id in SEEDED:
        if poll_id != DEMO_POLL["id"]:
            seed(stack.api_url, poll_id)
    seed_quiz(stack.api_url)
    api = PollClient.over_http(stack.api_url, ADMIN_TOKEN, timeout=30)
    for voter in range(0, 300, 3):  # some of the fuzzed score requests' voters have answered
        api.vote(QUIZ_POLLS[0], ["yes"], f"fuzz-voter-{voter:04d}").expect(201)
    yield stack
    total = sum(CASES.values())
    if total:
        report(request, f"schemathesis: {total} generated cases over {len(CASES)} operations")
        for label, count in sorted(CASES.items()):
            statuses = ", ".join(f"{status}x{n}" for status, n in sorted(STATUSES[label].items()))
            report(request, f"  {label}: {count} cases ({statuses})")


def seed(api_url: str, poll_id: str) -> None:
    """(Re)create a seeded poll as the fuzz run expects it."""
    api = PollClient.over_http(api_url, ADMIN_TOKEN, timeout=30)
    api.delete(poll_id)
    api.create_poll(**SEEDED[poll_id])
    if poll_id == CLOSED_POLL:
        api.close(poll_id).expect(200)


def seed_quiz(api_url: str) -> None:
    """(Re)create the seeded quiz as the fuzz run expects it."""
    api = PollClient.over_http(api_url, ADMIN_TOKEN, timeout=30)
    api.request("DELETE", f"/quizzes/{QUIZ}", admin=True)
    body = {"id": QUIZ, "title": "Fuzzed", "polls": list(QUIZ_POLLS)}
    api.request("POST", "/quizzes", body=body, admin=True).expect(201)


@schema.hook
def flatmap_case(context: schemathesis.HookContext, case: schemathesis.Case) -> st.SearchStrategy:
    """Aim about half the cases that name a poll at a seeded one, and give votes for those real options; aim half
    those that name a quiz at the seeded quiz, with voters from the votes' pool."""
    if "quiz_id" in (case.path_parameters or {}):
        return st.tuples(st.booleans(), st.integers(0, 300)).map(lambda choice: aim_quiz(case, *choice))
    if "poll_id" not in (case.path_parameters or {}):
        return st.just(case)

    def aim(choice: tuple[str | None, int, int]) -> schemathesis.Case:
        poll_id, option, voter = choice
        if poll_id is None:
            return case
        case.path_parameters["poll_id"] = poll_id
        if case.operation.path.endswith("/votes") and isinstance(case.body, dict) and "options" in case.body:
            options = OPTION_IDS[poll_id]
            case.body["options"] = [options[option % len(options)]]
            case.body["voter"] = f"fuzz-voter-{voter:04d}"  # a small pool: some voters come back (409)
        return case

    return st.tuples(st.sampled_from([None, None, None, *SEEDED]), st.integers(0, 2), st.integers(0, 300)).map(aim)


def aim_quiz(case: schemathesis.Case, aimed: bool, voter: int) -> schemathesis.Case:
    """Aim a case that names a quiz at the seeded one, a score request with a voter of the votes' pool."""
    if aimed:
        case.path_parameters["quiz_id"] = QUIZ
        if case.operation.path.endswith("/score") and isinstance(case.body, dict) and "voter" in case.body:
            case.body["voter"] = f"fuzz-voter-{voter:04d}"
    return case


def needs_admin(case: schemathesis.Case) -> bool:
    """Operations that require the bearer token get it; public ones (results too) are called as a reader would."""
    requirements = case.operation.definition.raw.get("security", [])
    return bool(requirements) and all("bearerAuth" in requirement for requirement in requirements)


def fuzzed(examples: int) -> Any:
    """Hypothesis' settings for a fuzzed operation: `examples` generated cases, reproducible, no deadline."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )


@schema.exclude(path=EXPORTS).parametrize()
@fuzzed(MAX_EXAMPLES)
def test_the_api_answers_every_generated_request_as_documented(case, stack):
    answer_as_documented(case, stack)


@schema.include(path=EXPORTS).parametrize()
@fuzzed(EXPORT_EXAMPLES)
def test_an_export_request_is_answered_as_documented(case, stack):
    answer_as_documented(case, stack)


def answer_as_documented(case: schemathesis.Case, stack: LocalStack) -> None:
    """Send a generated case; its answer must be as openapi.yaml documents it (a seeded poll is restored after)."""
    headers = dict(ADMIN) if needs_admin(case) else {}
    response = case.call(base_url=stack.api_url, headers=headers, timeout=30)
    with _count_lock:
        CASES[case.operation.label] += 1
        STATUSES.setdefault(case.operation.label, Counter())[response.status_code] += 1
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    finally:
        poll_id = (case.path_parameters or {}).get("poll_id")
        if poll_id in SEEDED and case.method.upper() in ("PATCH", "DELETE") and response.status_code < 300:
            seed(stack.api_url, poll_id)
        quiz_id = (case.path_parameters or {}).get("quiz_id")
        if quiz_id == QUIZ and case.method.upper() in ("PATCH", "DELETE") and response.status_code < 300:
            seed_quiz(stack.api_url)


def test_votes_on_a_poll_that_hides_results_until_close_answer_as_documented(stack, api):
    hidden = {
        "id": "fuzz-after-close-open",
        "question": "Hidden until close?",
        "options": ["Yes", "No"],
        **UNPROTECTED,  # the fuzzed votes carry no proof of work
    }
    api.create_poll(**hidden, results_visibility="after_close")
    votes = schema["/polls/{poll_id}/votes"]["POST"]
    answers = []
    for choice in ("yes", "no"):  # the same voter twice: counted, then refused
        case = votes.Case(
            path_parameters={"poll_id": hidden["id"]},
            body={"options": [choice], "voter": "hidden-results-voter"},
            media_type="application/json",
        )
        response = case.call(base_url=stack.api_url, timeout=30)
        case.validate_response(response, checks=CHECKS)
        answers.append((response.status_code, response.json()))
    assert answers[0] == (201, {"poll_id": hidden["id"], "options": ["yes"], "results": None})
    assert answers[1][0] == 409
    assert answers[1][1]["error"]["code"] == "already_voted" and answers[1][1]["results"] is None
