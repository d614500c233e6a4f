"""The proof of work's algorithm over HTTP on moto: scrypt for new polls, PBKDF2 kept by stored ones, chosen per stage
and per poll; proofs solved by a real ALTCHA client and refused when wrong, expired, replayed, for another poll or made
with another algorithm than the poll's."""

from __future__ import annotations

import json

import altcha
import boto3
import pytest

from chalicelib.runtime import clock, state
from chalicelib.runtime.settings import get_settings
from tests.conftest import ADMIN
from tests.helpers import create_poll, error_code, folded, new_voter, patch, vote
from tests.proofs import solve, tampered

ALTCHA_NAMES = {"scrypt": "SCRYPT", "pbkdf2": "PBKDF2/SHA-256"}


def challenge(client, poll_id):
    response = client.http.get(f"/polls/{poll_id}/challenge")
    assert response.status_code == 200, response.body
    return response.json_body


def total(client, poll_id):
    """Return the poll's voters once the fold has caught up with every vote so far."""
    folded()
    return client.http.get(f"/polls/{poll_id}/results", headers=ADMIN).json_body["total_voters"]


def swapped(proof):
    """Return the proof with its challenge relabelled as made with the other algorithm."""
    algorithm = altcha.Payload.from_base64(proof).challenge.parameters.algorithm
    return tampered(proof, algorithm="SCRYPT" if algorithm == "PBKDF2/SHA-256" else "PBKDF2/SHA-256")


def stored(client, poll_id):
    """Return the poll as editors see it in the list (the admin representation)."""
    found = client.http.get("/polls?limit=100", headers=ADMIN).json_body["polls"]
    return next(poll for poll in found if poll["id"] == poll_id)


def protected(client, **fields):
    return create_poll(client, challenge="proof_of_work", **fields)["id"]


def test_a_new_poll_gets_scrypt_and_says_so(client):
    body = {"question": "Tea or coffee?", "options": ["Tea", "Coffee"]}
    created = client.http.post("/polls", headers=ADMIN, body=json.dumps(body)).json_body
    assert created["proof_algorithm"] == "scrypt"
    assert stored(client, created["id"])["proof_algorithm"] == "scrypt"


@pytest.mark.parametrize(("stage", "expected"), [("pbkdf2", "pbkdf2"), ("scrypt", "scrypt"), ("", "scrypt")])
def test_the_stages_proof_algorithm_is_the_default_of_new_polls(client, monkeypatch, stage, expected):
    monkeypatch.setenv("PROOF_ALGORITHM", stage)
    get_settings.cache_clear()
    assert create_poll(client, challenge="proof_of_work")["proof_algorithm"] == expected


def test_a_poll_stored_before_proof_algorithms_keeps_pbkdf2(cheap):
    poll = protected(cheap, proof_algorithm="scrypt")
    boto3.client("dynamodb").update_item(
        TableName=get_settings().polls_table,
        Key={"id": {"S": poll}, "part": {"S": "poll"}},
        UpdateExpression="REMOVE proof_algorithm",
    )
    state.reset_all()
    assert stored(cheap, poll)["proof_algorithm"] == "pbkdf2"
    document = challenge(cheap, poll)
    assert document["parameters"]["algorithm"] == "PBKDF2/SHA-256"
    assert vote(cheap, poll, ["yes"], new_voter(), proof=solve(document)).status_code == 201


@pytest.mark.parametrize("algorithm", ["scrypt", "pbkdf2"])
def test_a_challenge_carries_the_polls_algorithm_and_its_solution_counts_once(cheap, algorithm):
    poll = protected(cheap, proof_algorithm=algorithm)
    parameters = challenge(cheap, poll)["parameters"]
    assert parameters["algorithm"] == ALTCHA_NAMES[algorithm]
    settings = get_settings()
    costs = {"scrypt": (settings.scrypt_cost, 8, 1), "pbkdf2": (settings.pow_cost, None, None)}[algorithm]
    assert (parameters["cost"], parameters.get("memoryCost"), parameters.get("parallelism")) == costs
    assert vote(cheap, poll, ["yes"], new_voter(), proof=solve(challenge(cheap, poll))).status_code == 201
    assert total(cheap, poll) == 1


def test_the_default_scrypt_challenge_is_solved_by_a_real_client(client):
    poll = protected(client)
    parameters = challenge(client, poll)["parameters"]
    assert (parameters["algorithm"], parameters["cost"], parameters["memoryCost"]) == ("SCRYPT", 4096, 8)
    assert vote(client, poll, ["yes"], new_voter(), proof=solve(challenge(client, poll))).status_code == 201


@pytest.mark.parametrize("algorithm", ["scrypt", "pbkdf2"])
@pytest.mark.parametrize(
    "make_proof",
    [
        lambda c, poll, other: tampered(solve(challenge(c, poll)), key_prefix="00"),
        lambda c, poll, other: solve(challenge(c, other)),
        lambda c, poll, other: tampered(solve(challenge(c, other)), data={"poll": poll}),
        lambda c, poll, other: swapped(solve(challenge(c, poll))),
        lambda c, poll, other: tampered(solve(challenge(c, poll)), cost=3),
    ],
    ids=["wrong key", "another poll's", "relabelled for this poll", "algorithm swapped", "costs changed"],
)
def test_a_wrong_proof_is_refused_with_challenge_failed_and_nothing_counted(cheap, algorithm, make_proof):
    poll, other = protected(cheap, proof_algorithm=algorithm), protected(cheap, proof_algorithm=algorithm)
    response = vote(cheap, poll, ["yes"], new_voter(), proof=make_proof(cheap, poll, other))
    assert (response.status_code, error_code(response)) == (400, "challenge_failed")
    assert total(cheap, poll) == 0


@pytest.mark.parametrize("algorithm", ["scrypt", "pbkdf2"])
def test_an_expired_proof_is_refused(cheap, monkeypatch, algorithm):
    poll = protected(cheap, proof_algorithm=algorithm)
    proof = solve(challenge(cheap, poll))
    later = clock.now() + 301
    monkeypatch.setattr(clock, "now", lambda: later)
    response = vote(cheap, poll, ["yes"], new_voter(), proof=proof)
    assert (response.status_code, error_code(response)) == (400, "challenge_failed")
    assert "expired" in response.json_body["error"]["message"]


@pytest.mark.parametrize("algorithm", ["scrypt", "pbkdf2"])
def test_a_replayed_proof_is_refused_in_another_process(cheap, algorithm):
    poll = protected(cheap, proof_algorithm=algorithm)
    proof = solve(challenge(cheap, poll))
    assert vote(cheap, poll, ["yes"], new_voter(), proof=proof).status_code == 201
    state.reset_all()
    replay = vote(cheap, poll, ["no"], new_voter(), proof=proof)
    assert (replay.status_code, error_code(replay)) == (409, "challenge_used")
    assert total(cheap, poll) == 1


@pytest.mark.parametrize(("before", "after"), [("pbkdf2", "scrypt"), ("scrypt", "pbkdf2")])
def test_a_proof_made_with_the_algorithm_a_poll_had_before_a_change_is_refused(cheap, before, after):
    poll = protected(cheap, proof_algorithm=before)
    proof = solve(challenge(cheap, poll))
    changed = patch(cheap, poll, proof_algorithm=after)
    assert (changed.status_code, changed.json_body["proof_algorithm"]) == (200, after)
    state.reset_all()  # no process still holds the poll as it was
    response = vote(cheap, poll, ["yes"], new_voter(), proof=proof)
    assert (response.status_code, error_code(response)) == (400, "challenge_failed")
    assert after in response.json_body["error"]["message"]
    assert vote(cheap, poll, ["yes"], new_voter(), proof=solve(challenge(cheap, poll))).status_code == 201


@pytest.mark.parametrize("value", ["argon2id", "SCRYPT", "PBKDF2/SHA-256", "", None, 1, ["scrypt"]])
def test_an_unknown_proof_algorithm_is_refused_on_create_and_change_and_nothing_is_written(client, value):
    body = {"question": "Tea or coffee?", "options": ["Tea", "Coffee"], "proof_algorithm": value}
    before = client.http.get("/polls?limit=100", headers=ADMIN).json_body["polls"]
    created = client.http.post("/polls", headers=ADMIN, body=json.dumps(body))
    assert (created.status_code, error_code(created)) == (400, "invalid_poll")
    assert "proof_algorithm" in created.json_body["error"]["message"]
    assert client.http.get("/polls?limit=100", headers=ADMIN).json_body["polls"] == before
    poll = protected(client, proof_algorithm="scrypt")
    changed = patch(client, poll, proof_algorithm=value)
    assert (changed.status_code, error_code(changed)) == (400, "invalid_poll")
    assert stored(client, poll)["proof_algorithm"] == "scrypt"
