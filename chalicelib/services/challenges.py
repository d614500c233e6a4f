"""Challenges a vote must meet: ALTCHA proofs of work (issued and verified here, no database) and Turnstile."""

from __future__ import annotations

import secrets
from typing import Any

import altcha

from chalicelib.core.errors import ChallengeFailed, InvalidPoll, TurnstileRequired
from chalicelib.core.poll import Challenge, Poll, ProofAlgorithm
from chalicelib.core.surges import COST_FACTORS, TURNSTILE_LEVEL
from chalicelib.runtime import clock
from chalicelib.runtime.secrets import get_secrets, keyed_hash
from chalicelib.runtime.settings import Settings, get_settings
from chalicelib.services import catalog, surges
from chalicelib.store.port import SpentProof
from chalicelib.store.turnstile import siteverify

SCRYPT_BLOCK = 8  # scrypt's r: 128 x N x r bytes (4 MiB at N=4096), the widget's hash-wasm computes it
SPENT_GRACE = 60  # a spent proof is remembered this long past its challenge's expiry


def _signing_keys() -> tuple[str, str]:
    """Return the keys that sign challenges and their derived keys (both derived from the stage's HMAC key)."""
    return keyed_hash("altcha", "challenge"), keyed_hash("altcha", "derived-key")


def work(settings: Settings, algorithm: ProofAlgorithm, surge: int, token: bool) -> tuple[dict[str, Any], int]:
    """Return a challenge's ALTCHA parameters for the poll's algorithm and the spread its secret counter is drawn
    from: the stage's, the spread multiplied by the surge level's factor and divided for a reader who redeemed a
    Private Access Token (never below one step). Only the steps change: a step's cost (PBKDF2's iterations, scrypt's
    N and so the reader's memory) stays, and so does the server's one derivation when it issues the challenge."""
    if algorithm is ProofAlgorithm.SCRYPT:
        costs, spread = (
            {"cost": settings.scrypt_cost, "memory_cost": SCRYPT_BLOCK, "parallelism": 1},
            settings.scrypt_spread,
        )
    else:
        costs, spread = {"cost": settings.pow_cost}, settings.pow_spread
    divisor = settings.private_token_divisor if token else 1
    return {"algorithm": algorithm.altcha_name, **costs}, max(1, spread * COST_FACTORS[surge] // divisor)


def issue(
    poll_id: str,
    source_ip: str | None = None,
    network: str = "unknown",
    *,
    token: str | None = None,
    turnstile: bool = True,
) -> dict[str, Any]:
    """Return a signed proof-of-work challenge bound to the poll, a few minutes and the surge level of the reader's
    network and block, costed for it (poll and surges from the process cache); cheaper, and bound to the token's id
    too, for a reader who redeemed a Private Access Token. Past the second level, a reader who can show Turnstile
    (`turnstile`) is asked for it instead, where the stage has it; one who cannot gets the costliest proof."""
    poll = catalog.poll(poll_id)
    surge = surges.required(poll_id, source_ip, network)
    if turnstile and _turnstile_instead(poll, surge):
        raise TurnstileRequired("your network is checked with Turnstile now: send a Turnstile token as the proof")
    settings = get_settings()
    parameters, spread = work(settings, poll.proof_algorithm, surge, token is not None)
    challenge_key, derived_key = _signing_keys()
    challenge = altcha.create_challenge(
        **parameters,
        # The reader counts up from 0 to a secret counter drawn uniformly: on average spread / 2 steps, never more
        # than spread, and no shortcut. Knowing it, the server derives the key once here and verifies with one HMAC.
        counter=secrets.randbelow(spread),
        expires_at=int(clock.now()) + settings.challenge_seconds,
        data={"poll": poll.id, "surge": surge} | ({"token": token} if token else {}),
        hmac_secret=challenge_key,
        hmac_key_secret=derived_key,
    )
    document: dict[str, Any] = challenge.to_dict()
    return document


def _proof_of_work(poll: Poll, proof: str, surge: int) -> SpentProof:
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
    level = data.get("surge", 0)
    if not isinstance(level, int) or isinstance(level, bool) or level < surge:
        raise ChallengeFailed("this network is asked for a harder proof now; fetch a new challenge")
    token = data.get("token")
    return SpentProof(
        proof_id=str(payload.challenge.signature),
        expires_at=expires_at + SPENT_GRACE,
        token_id=token if isinstance(token, str) else None,
        # a token buys cheap challenges for two slots of CHALLENGE_SECONDS: remember it until the last one expires
        token_expires_at=expires_at + SPENT_GRACE + 2 * get_settings().challenge_seconds,
    )


def _turnstile(proof: str, source_ip: str | None) -> None:
    """Ask Cloudflare's siteverify whether a Turnstile token passed (tokens are single-use there)."""
    secret = get_secrets().turnstile_secret
    if not secret:
        raise ChallengeFailed("this stage has no Turnstile secret")
    answer = siteverify(secret, proof, source_ip)
    if not answer.success:
        raise ChallengeFailed(f"Turnstile refused the token ({', '.join(answer.error_codes) or 'no reason'})")


def _turnstile_instead(poll: Poll, surge: int) -> bool:
    """Tell whether a proof-of-work poll asks a reader at this surge level for Turnstile instead (the stage has it)."""
    return (
        poll.challenge is Challenge.PROOF_OF_WORK and surge >= TURNSTILE_LEVEL and bool(get_secrets().turnstile_secret)
    )


def verify(poll: Poll, proof: str | None, source_ip: str | None, network: str = "unknown") -> SpentProof | None:
    """Check a vote's proof against the poll's challenge (and the surge level its network and block need now);
    return the proof of work to spend, if any."""
    if poll.challenge is Challenge.NONE or proof is None:
        return None
    surge = 0 if poll.challenge is Challenge.TURNSTILE else surges.required(poll.id, source_ip, network)
    if poll.challenge is Challenge.TURNSTILE or (_turnstile_instead(poll, surge) and not _is_altcha(proof)):
        _turnstile(proof, source_ip)
        return None
    return _proof_of_work(poll, proof, surge)  # past the second level, only a proof issued at that level passes


def _is_altcha(proof: str) -> bool:
    """Tell whether a proof is an ALTCHA payload (else, past a surge's second level, it is a Turnstile token)."""
    try:
        altcha.Payload.from_base64(proof)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return False
    return True


def check_available(poll: Poll) -> None:
    """Refuse a poll whose challenge this stage cannot check (Turnstile without a secret)."""
    if poll.challenge is Challenge.TURNSTILE and not get_secrets().turnstile_secret:
        raise InvalidPoll("challenge", "this stage has no Turnstile secret (TURNSTILE_SECRET or the stage's secret)")
