"""Private Access Tokens over HTTP on moto: tokens from the test issuer (tests/support/privacy_pass.py) buy a
cheaper proof of work for one vote; forged, mismatched and replayed ones are refused; the feature is off unless set."""

from __future__ import annotations

import hashlib
from functools import cache
from types import SimpleNamespace

import pytest

from chalicelib.core.private_tokens import TOKEN_TYPE, b64url
from chalicelib.runtime import clock
from chalicelib.runtime.settings import get_settings
from chalicelib.services import challenges
from tests.conftest import ADMIN
from tests.helpers import create_poll, error_code, folded, new_voter, vote
from tests.proofs import solve
from tests.support.privacy_pass import LocalIssuer, authorization, mint, offers

HOST = "polls-api.example-news.com"
COST, SPREAD, DIVISOR = 200, 40, 10  # a token divides the proof's steps (the counter's spread) by DIVISOR


@cache
def issuer(name: str = "issuer.test.example") -> LocalIssuer:
    """Return a test issuer (each key is generated once per run: 2048-bit keys take a moment)."""
    return LocalIssuer(name)


@pytest.fixture
def stage(monkeypatch, client):
    """Run the API as a stage that trusts the test issuer, with challenges quick to solve."""
    for name, value in {
        "POW_COST": str(COST),
        "POW_SPREAD": str(SPREAD),
        "PRIVATE_TOKEN_DIVISOR": str(DIVISOR),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PRIVATE_TOKEN_ISSUERS", issuer().setting())
    get_settings.cache_clear()
    yield client
    get_settings.cache_clear()


def get_challenge(client, poll_id, token: bytes | None = None, host: str = HOST):
    headers = {"Host": host} | ({"Authorization": authorization(token)} if token is not None else {})
    return client.http.get(f"/polls/{poll_id}/challenge", headers=headers)


def offered(client, poll_id, host: str = HOST) -> bytes:
    """Return the TokenChallenge the challenge route offers for the test issuer."""
    [(challenge, key)] = offers(get_challenge(client, poll_id, host=host).headers["WWW-Authenticate"])
    assert key == issuer().token_key
    return challenge


def token_for(client, poll_id) -> bytes:
    """Fetch the poll's TokenChallenge and have the test issuer mint a token for it."""
    return mint(issuer(), offered(client, poll_id))


def total(client, poll_id):
    folded()
    return client.http.get(f"/polls/{poll_id}/results", headers=ADMIN).json_body["total_voters"]


def test_tokens_are_off_unless_the_stage_names_issuers(monkeypatch, client):
    monkeypatch.setenv("POW_COST", str(COST))
    get_settings.cache_clear()
    poll = create_poll(client, challenge="proof_of_work", proof_algorithm="pbkdf2")["id"]
    token = mint(issuer(), b"any challenge")
    response = get_challenge(client, poll, token)
    assert response.status_code == 200
    assert "WWW-Authenticate" not in response.headers
    assert response.json_body["parameters"]["cost"] == COST
    assert response.json_body["parameters"]["data"] == {"poll": poll, "surge": 0}


def test_the_challenge_route_offers_a_token_challenge_bound_to_the_poll_without_a_database_request(stage, calls):
    poll, other = (create_poll(stage, challenge="proof_of_work", proof_algorithm="pbkdf2")["id"] for _ in range(2))
    calls.clear()
    response = get_challenge(stage, poll)
    [(challenge, key)] = offers(response.headers["WWW-Authenticate"])
    name, host = issuer().name.encode(), HOST.encode()
    assert challenge[:2] == TOKEN_TYPE.to_bytes(2, "big")
    assert challenge[2:4] == len(name).to_bytes(2, "big") and challenge[4 : 4 + len(name)] == name
    assert challenge[4 + len(name)] == 32  # the redemption context: a keyed hash of the poll and time slot
    assert challenge.endswith(len(host).to_bytes(2, "big") + host)
    assert key == issuer().token_key
    assert response.json_body["parameters"]["cost"] == COST  # readers without tokens are unaffected
    assert offered(stage, other) != challenge
    assert calls.operations("dynamodb") == []


def test_a_valid_token_buys_a_cheaper_challenge_whose_proof_counts_in_one_transaction(stage, calls):
    poll = create_poll(stage, challenge="proof_of_work", proof_algorithm="pbkdf2")["id"]
    token, drawn = token_for(stage, poll), []
    with pytest.MonkeyPatch.context() as patch:  # the spread its secret counter is drawn from: the steps
        patch.setattr(challenges, "secrets", SimpleNamespace(randbelow=lambda n: drawn.append(n) or 0))
        get_challenge(stage, poll)
        response = get_challenge(stage, poll, token)
    assert response.status_code == 200, response.body
    parameters = response.json_body["parameters"]
    assert (parameters["cost"], drawn) == (COST, [SPREAD, max(1, SPREAD // DIVISOR)])
    assert set(parameters["data"]) == {"poll", "surge", "token"}
    calls.clear()
    assert vote(stage, poll, ["yes"], new_voter(), proof=solve(response.json_body)).status_code == 201
    assert calls.operations("dynamodb") == ["TransactWriteItems"]
    [transaction] = [call.params for call in calls.calls if call.operation == "TransactWriteItems"]
    keys = [item["Put"]["Item"]["pk"]["S"] for item in transaction["TransactItems"] if "Put" in item]
    assert [key.split("#")[0] for key in keys] == ["b", "pow", "pat"]  # the ballot, the proof and the token spent
    assert total(stage, poll) == 1


def test_a_replayed_token_buys_cheap_challenges_but_only_one_vote(stage):
    poll = create_poll(stage, challenge="proof_of_work", proof_algorithm="pbkdf2")["id"]
    token = token_for(stage, poll)
    first, second = (get_challenge(stage, poll, token).json_body for _ in range(2))
    assert first["parameters"]["data"]["token"] == second["parameters"]["data"]["token"]
    assert vote(stage, poll, ["yes"], new_voter(), proof=solve(first)).status_code == 201
    replayed = vote(stage, poll, ["no"], new_voter(), proof=solve(second))
    assert (replayed.status_code, error_code(replayed)) == (409, "challenge_used")
    assert "Private Access Token" in replayed.json_body["error"]["message"]
    assert total(stage, poll) == 1


def _flip_last_bit(token: bytes) -> bytes:
    return token[:-1] + bytes([token[-1] ^ 1])


@pytest.mark.parametrize(
    "forge",
    [
        lambda c, poll: mint(issuer("other.test.example"), offered(c, poll)),
        lambda c, poll: mint(issuer("other.test.example"), offered(c, poll), key_id=issuer().key_id),
        lambda c, poll: _flip_last_bit(token_for(c, poll)),
        lambda c, poll: mint(
            issuer(), offered(c, create_poll(c, challenge="proof_of_work", proof_algorithm="pbkdf2")["id"])
        ),
        lambda c, poll: mint(issuer(), offered(c, poll, host="elsewhere.example")),
        lambda c, poll: mint(issuer(), offered(c, poll), token_type=0x0001),
        lambda c, poll: token_for(c, poll)[:-1],
    ],
    ids=[
        "an issuer the stage does not trust",
        "another key claiming the trusted key's id",
        "a bit flipped in the signature",
        "another poll's challenge",
        "another origin's challenge",
        "another token type",
        "truncated",
    ],
)
def test_a_forged_or_mismatched_token_is_refused_with_a_fresh_offer_and_nothing_written(stage, calls, forge):
    poll = create_poll(stage, challenge="proof_of_work", proof_algorithm="pbkdf2")["id"]
    token = forge(stage, poll)
    calls.clear()
    response = get_challenge(stage, poll, token)
    assert (response.status_code, error_code(response)) == (400, "private_token_invalid")
    assert offers(response.headers["WWW-Authenticate"])
    assert calls.operations("dynamodb") == []


@pytest.mark.parametrize(
    "header",
    [
        ("PrivateToken", 400),
        ("PrivateToken token=", 400),
        ('PrivateToken token="!!!"', 400),
        ("PrivateToken nonce=abc", 400),
        ("PrivateToken token=abc,,", 400),
        ("privatetoken token=" + "A" * 3000, 400),
        ("PrivateTokens token=abc", 200),
        ("Bearer abc", 200),
    ],
)
def test_a_malformed_private_token_authorization_is_refused_and_other_schemes_ignored(stage, header):
    poll = create_poll(stage, challenge="proof_of_work", proof_algorithm="pbkdf2")["id"]
    value, status = header
    response = stage.http.get(f"/polls/{poll}/challenge", headers={"Host": HOST, "Authorization": value})
    assert response.status_code == status
    assert response.status_code == 200 or error_code(response) == "private_token_invalid"


def test_a_token_for_a_challenge_two_slots_old_is_refused(stage, monkeypatch):
    poll = create_poll(stage, challenge="proof_of_work", proof_algorithm="pbkdf2")["id"]
    token = token_for(stage, poll)
    later = clock.now() + 2 * get_settings().challenge_seconds
    monkeypatch.setattr(clock, "now", lambda: later)
    response = get_challenge(stage, poll, token)
    assert (response.status_code, error_code(response)) == (400, "private_token_invalid")


def test_a_token_does_not_lift_the_address_window(stage):
    poll = create_poll(stage, challenge="proof_of_work", address_limit={"votes": 1, "minutes": 10})["id"]
    for expected in (201, 429):
        proof = solve(get_challenge(stage, poll, token_for(stage, poll)).json_body)
        assert vote(stage, poll, ["yes"], new_voter(), proof=proof).status_code == expected


def test_the_token_id_a_challenge_carries_is_a_keyed_hash_not_the_nonce(stage):
    poll = create_poll(stage, challenge="proof_of_work", proof_algorithm="pbkdf2")["id"]
    token = token_for(stage, poll)
    carried = get_challenge(stage, poll, token).json_body["parameters"]["data"]["token"]
    nonce = token[2:34]
    assert carried not in {b64url(nonce), nonce.hex(), hashlib.sha256(nonce).hexdigest()}


def test_behind_the_site_the_token_challenge_names_the_sites_host_whatever_host_reached_the_api(stage, monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://polls.news.example")
    get_settings.cache_clear()
    poll = create_poll(stage, challenge="proof_of_work", proof_algorithm="pbkdf2")["id"]
    for host in (HOST, "abc123.execute-api.eu-west-1.amazonaws.com"):  # CloudFront does not pass the reader's Host on
        assert offered(stage, poll, host=host).endswith(
            len(b"polls.news.example").to_bytes(2, "big") + b"polls.news.example"
        )
    token = mint(issuer(), offered(stage, poll, host="abc123.execute-api.eu-west-1.amazonaws.com"))
    assert get_challenge(stage, poll, token).status_code == 200
