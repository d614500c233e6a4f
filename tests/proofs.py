"""Solving the API's proof-of-work challenges as a client would (ALTCHA v2), for tests and drills."""

from __future__ import annotations

from typing import Any

import altcha

from ops.client import solve  # noqa: F401 - the tests' one way to solve a challenge

# Cheap challenges for tests that are not about their cost: one PBKDF2 iteration or scrypt at N=4, a counter below 4.
CHEAP_POW = {"POW_COST": "1", "POW_SPREAD": "4", "SCRYPT_COST": "4", "SCRYPT_SPREAD": "4"}


def tampered(proof: str, **changes: Any) -> str:
    """Return a proof whose challenge parameters were changed after signing (the signature no longer matches)."""
    payload = altcha.Payload.from_base64(proof)
    for name, value in changes.items():
        setattr(payload.challenge.parameters, name, value)
    return str(payload.to_base64())
