"""Solving the API's proof-of-work challenges as a client would (ALTCHA v2): the smoke check, tests, drills."""

from __future__ import annotations

from typing import Any

import altcha


def solve(document: dict[str, Any]) -> str:
    """Solve a challenge document (GET /polls/{id}/challenge) and return the base64 payload a vote sends as proof."""
    challenge = altcha.Challenge.from_dict(document)
    solution = altcha.solve_challenge(challenge, timeout=60)
    if solution is None:
        raise TimeoutError("the challenge was not solved within 60 s")
    return str(altcha.Payload(challenge, solution).to_base64())
