"""A client of the poll API as readers and scripts use it: proofs of work solved, connections from chosen addresses."""

from __future__ import annotations

from typing import Any

import altcha
import requests
from requests.adapters import HTTPAdapter


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
