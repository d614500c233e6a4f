"""Faults injected at the botocore layer: votes are never counted twice, reads fail clearly or keep working."""

from __future__ import annotations

import pytest
from botocore.exceptions import ReadTimeoutError

from tests.conftest import ADMIN
from tests.helpers import aws_error, create_poll, error_code, folded, new_voter, vote

# A vote is one PutItem of its ballot, or one transaction when guards (an address window) go with it.
WRITES = [("PutItem", {}), ("TransactWriteItems", {"address_limit": {"votes": 60, "minutes": 10}})]


def timeout() -> ReadTimeoutError:
    return ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")


def total(client, poll_id):
    folded()
    return client.http.get(f"/polls/{poll_id}/results", headers=ADMIN).json_body["total_voters"]


@pytest.mark.parametrize(("write", "fields"), WRITES)
def test_a_timeout_after_the_vote_committed_is_retried_and_counted_once(client, faults, calls, write, fields):
    poll = create_poll(client, **fields)
    faults.add_after(write, timeout())
    calls.clear()
    response = vote(client, poll["id"], ["yes"], new_voter())
    assert response.status_code == 201
    assert calls.operations("dynamodb").count(write) == 2  # the retry met its own ballot
    assert total(client, poll["id"]) == 1


@pytest.mark.parametrize(("write", "fields"), WRITES)
def test_an_outcome_unknown_after_every_retry_is_503_and_a_client_retry_never_double_counts(
    client, faults, write, fields
):
    poll = create_poll(client, **fields)
    voter = new_voter()
    faults.add_after(write, timeout(), times=4)
    unknown = vote(client, poll["id"], ["yes"], voter)
    assert unknown.status_code == 503 and error_code(unknown) == "try_again"
    assert unknown.headers["Retry-After"] == "1"
    retried = vote(client, poll["id"], ["yes"], voter)
    assert (retried.status_code, error_code(retried) if retried.status_code != 201 else None) in (
        (201, None),
        (409, "already_voted"),
    )
    assert total(client, poll["id"]) == 1


def test_a_vote_whose_write_never_arrived_is_counted_by_the_retry(client, faults):
    poll = create_poll(client)
    faults.add("PutItem", timeout(), times=1)  # lost before reaching DynamoDB
    assert vote(client, poll["id"], ["yes"], new_voter()).status_code == 201
    assert total(client, poll["id"]) == 1


def test_an_unknown_outcome_without_voters_is_retried_on_a_ballot_of_its_request_and_counted_once(
    client, faults, calls
):
    poll = create_poll(client, repeat_votes={"block": "none"})
    faults.add_after("PutItem", timeout())
    calls.clear()
    response = vote(client, poll["id"], ["yes"])
    assert response.status_code == 201
    assert calls.operations("dynamodb").count("PutItem") == 2  # the retry found the request's own ballot
    assert total(client, poll["id"]) == 1


@pytest.mark.parametrize(("write", "fields"), WRITES)
def test_persistent_throttling_answers_try_again_and_counts_nothing(client, faults, write, fields):
    poll = create_poll(client, **fields)
    faults.add(write, aws_error("ProvisionedThroughputExceededException"), times=10)
    response = vote(client, poll["id"], ["yes"], new_voter())
    assert response.status_code == 503 and error_code(response) == "try_again"
    assert "Retry-After" in response.headers
    assert total(client, poll["id"]) == 0


def test_throttled_results_reads_fail_with_a_clear_503(client, faults):
    poll = create_poll(client)
    from chalicelib.services import catalog

    catalog.reset()
    faults.add("Query", aws_error("ThrottlingException"), times=10)
    response = client.http.get(f"/polls/{poll['id']}/results")
    assert response.status_code == 503 and error_code(response) == "service_unavailable"
    assert response.headers["Retry-After"] == "1"


def test_results_keep_working_from_the_cache_while_the_store_is_down(client, faults):
    poll = create_poll(client)
    vote(client, poll["id"], ["yes"], new_voter())
    folded()
    assert client.http.get(f"/polls/{poll['id']}/results").json_body["total_voters"] == 1
    faults.add("Query", aws_error("InternalServerError", status=500), times=10)
    faults.add("GetItem", aws_error("InternalServerError", status=500), times=10)
    assert client.http.get(f"/polls/{poll['id']}/results").json_body["total_voters"] == 1


def test_unprocessed_batch_keys_are_fetched_again(client, faults):
    poll = create_poll(client)
    for _ in range(3):
        vote(client, poll["id"], ["yes"], new_voter())
    folded()

    def partial(params):
        from botocore.awsrequest import AWSResponse

        return AWSResponse("https://injected.invalid", 200, {}, None), {
            "Responses": {},
            "UnprocessedKeys": params["RequestItems"],
        }

    faults.add("BatchGetItem", partial, times=2)  # the recount re-reads its ballots by key
    report = client.http.post(f"/polls/{poll['id']}/recount", headers=ADMIN).json_body
    assert report["ballots"]["total_voters"] == 3


@pytest.mark.parametrize("operation", ["Query", "PutItem"])
def test_a_store_outage_during_a_vote_is_a_clear_503_not_a_500(client, faults, operation):
    poll = create_poll(client)
    from chalicelib.services import catalog

    catalog.reset()
    faults.add(operation, aws_error("InternalServerError", status=500), times=10)
    response = vote(client, poll["id"], ["yes"], new_voter())
    assert response.status_code == 503
    assert error_code(response) in ("service_unavailable", "try_again")
