"""Challenges a vote must meet: ALTCHA proofs of work (issued and verified here, no database) and Turnstile."""

from __future__ import annotations

import secrets
from typing import Any

import altcha

from chalicelib.core.errors import ChallengeFailed, InvalidPoll
from chalicelib.core.poll import Challenge, Poll, ProofAlgorithm
from chalicelib.runtime import clock
from chalicelib.runtime.secrets import get_secrets, keyed_hash
from chalicelib.runtime.settings import get_settings
from chalicelib.services import catalog
from chalicelib.store.port import SpentProof
from chalicelib.store.turnstile import siteverify

SCRYPT_BLOCK = 8  # scrypt's r: 128 x N x r bytes (4 MiB at N=4096), the widget's hash-wasm computes it
SPENT_GRACE = 60  # a spent proof is remembered this long past its challenge's expiry


def _signing_keys() -> tuple[str, str]:
    """Return the keys that sign challenges and their derived keys (both derived from the stage's HMAC key)."""
    return keyed_hash("altcha", "challenge"), keyed_hash("altcha", "derived-key")


def work(algorithm: ProofAlgorithm) -> dict[str, Any]:
    """Return a challenge's cost for the poll's algorithm: ALTCHA's parameters and the secret counter."""
    settings = get_settings()
    # The reader counts up from 0 to a secret counter drawn uniformly: on average spread / 2 steps, never more
    # than spread, and no shortcut. Knowing it, the server derives the key once here and verifies with one HMAC.
    if algorithm is ProofAlgorithm.SCRYPT:
        spread = settings.scrypt_spread
        costs = {"cost": settings.scrypt_cost, "memory_cost": SCRYPT_BLOCK, "parallelism": 1}
    else:
        spread, costs = settings.pow_spread, {"cost": settings.pow_cost}
    return {"algorithm": algorithm.altcha_name, **costs, "counter": secrets.randbelow(spread)}


def issue(poll_id: str) -> dict[str, Any]:
    """Return a signed proof-of-work challenge bound to the poll and a few minutes (poll from the process cache)."""
    poll = catalog.poll(poll_id)
    settings = get_settings()
    challenge_key, derived_key = _signing_keys()
    challenge = altcha.create_challenge(
        **work(poll.proof_algorithm),
        expires_at=int(clock.now()) + settings.challenge_seconds,
        data={"poll": poll.id},
        hmac_secret=challenge_key,
        hmac_key_secret=derived_key,
    )
    document: dict[str, Any] = challenge.to_dict()
    return document


def _proof_of_work(poll: Poll, proof: str) -> SpentProof:
    """Verify an ALTCHA payload for this poll; return what the vote spends."""
    try:
        payload = altcha.Payload.from_base64(proof)
        parameters = payload.challenge.parameters
        expires_at, data = parameters.expires_at, parameters.data
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise ChallengeFailed("proof is not an ALTCHA payload") from exc
    challenge_key, derived_key = _signing_keys()
    result = altcha.verify_solution(proof, challenge_key, hmac_key_secret=derived_key)
    if not isinstance(expires_at, int) or result.expired or expires_at <= clock.now():
        raise ChallengeFailed("the challenge has expired; fetch a new one")
    if not result.verified:
        raise ChallengeFailed("the proof does not solve a challenge issued here")
    if not isinstance(data, dict) or data.get("poll") != poll.id:
        raise ChallengeFailed("the challenge was issued for another poll")
    if parameters.algorithm != poll.proof_algorithm.altcha_name:
        raise ChallengeFailed(f"this poll's proof of work is {poll.proof_algorithm.value}; fetch a new challenge")
    return SpentProof(proof_id=str(payload.challenge.signature), expires_at=expires_at + SPENT_GRACE)


def _turnstile(proof: str, source_ip: str | None) -> None:
    """Ask Cloudflare's siteverify whether a Turnstile token passed (tokens are single-use there)."""
    secret = get_secrets().turnstile_secret
    if not secret:
        raise ChallengeFailed("this stage has no Turnstile secret")
    answer = siteverify(secret, proof, source_ip)
    if not answer.success:
        raise ChallengeFailed(f"Turnstile refused the token ({', '.join(answer.error_codes) or 'no reason'})")


def verify(poll: Poll, proof: str | None, source_ip: str | None) -> SpentProof | None:
    """Check a vote's proof against the poll's challenge; return the proof of work to spend, if any."""
    if poll.challenge is Challenge.NONE or proof is None:
        return None
    if poll.challenge is Challenge.TURNSTILE:
        _turnstile(proof, source_ip)
        return None
    return _proof_of_work(poll, proof)


def check_available(poll: Poll) -> None:
    """Refuse a poll whose challenge this stage cannot check (Turnstile without a secret)."""
    if poll.challenge is Challenge.TURNSTILE and not get_secrets().turnstile_secret:
        raise InvalidPoll("challenge", "this stage has no Turnstile secret (TURNSTILE_SECRET or the stage's secret)")
