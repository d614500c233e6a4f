"""DynamoStore: the DynamoDB adapter as one object that satisfies the Store port, bound to one stage's tables."""

from __future__ import annotations

from chalicelib.core.poll import Poll
from chalicelib.store.dynamo.audience import AudienceTallies
from chalicelib.store.dynamo.ballots import Ballots
from chalicelib.store.dynamo.polls import Polls
from chalicelib.store.dynamo.surges import Surges
from chalicelib.store.dynamo.tables import Tables
from chalicelib.store.dynamo.tallies import Tallies
from chalicelib.store.dynamo.voids import Voids
from chalicelib.store.dynamo.write_ins import WriteIns


class DynamoStore(Polls, Tallies, AudienceTallies, Ballots, Voids, Surges, WriteIns):
    """The Store port over the stage's DynamoDB tables (bound when the store is built)."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def delete_poll(self, poll: Poll) -> None:
        """Delete every item of the poll: its partition (definition, tallies, markers, voids, surges) and its
        audience (its votes per minute expire)."""
        Polls.delete_poll(self, poll)
        self.delete_audience(poll)
