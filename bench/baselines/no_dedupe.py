"""Baseline 1, the AWS serverless voting reference design: `UpdateItem ADD` per vote, no dedupe."""

from __future__ import annotations

from typing import Any

from bench.baselines import add_votes


class NoDedupe:
    """Count every request: nothing is read, nothing remembers who voted."""

    name = "UpdateItem ADD, no dedupe"

    def __init__(self, client: Any) -> None:
        self.client = client

    def read(self, poll_id: str, voter: str) -> bool:
        """Nothing to read: no voter has ever 'already voted'."""
        return False

    def write(self, poll_id: str, voter: str, options: list[str]) -> None:
        """Add the vote to the option counters."""
        add_votes(self.client, poll_id, options)

    def vote(self, poll_id: str, voter: str, options: list[str]) -> str:
        """One request: count it."""
        self.write(poll_id, voter, options)
        return "counted"
