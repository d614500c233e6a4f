"""Baseline 2, read-then-write dedupe: `GetItem` ballot, then `PutItem` ballot and `UpdateItem` counter."""

from __future__ import annotations

from typing import Any

from bench.baselines import BALLOTS_TABLE, add_votes


class ReadThenWrite:
    """Look the voter up; if there is no ballot, store one, then add the vote (three requests)."""

    name = "GetItem + PutItem + UpdateItem"

    def __init__(self, client: Any) -> None:
        self.client = client

    @staticmethod
    def _key(poll_id: str, voter: str) -> dict[str, Any]:
        return {"pk": {"S": f"{poll_id}#{voter}"}}

    def read(self, poll_id: str, voter: str) -> bool:
        """Tell whether the voter has a ballot (a strongly consistent GetItem)."""
        found = self.client.get_item(TableName=BALLOTS_TABLE, Key=self._key(poll_id, voter), ConsistentRead=True)
        return "Item" in found

    def write(self, poll_id: str, voter: str, options: list[str]) -> None:
        """Store the ballot, then add the vote: two separate, unconditional writes."""
        item = {**self._key(poll_id, voter), "options": {"SS": options}}
        self.client.put_item(TableName=BALLOTS_TABLE, Item=item)
        add_votes(self.client, poll_id, options)

    def vote(self, poll_id: str, voter: str, options: list[str]) -> str:
        """One request: refuse a voter with a ballot, else write."""
        if self.read(poll_id, voter):
            return "already_voted"
        self.write(poll_id, voter, options)
        return "counted"
