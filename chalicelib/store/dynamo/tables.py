"""The stage's tables, bound once when the store is built: the models' subclasses for one stage and a client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pynamodb.models import Model

from chalicelib.runtime.clients import client
from chalicelib.runtime.settings import Settings
from chalicelib.store.dynamo.audit_model import AuditModel
from chalicelib.store.dynamo.models import BallotModel, GuardModel, PollModel

M = TypeVar("M", bound=type[Model])

# Every table the app uses, as (the setting naming it, its model): infra/ defines the tables from these.
TABLE_MODELS: tuple[tuple[str, type[Model]], ...] = (
    ("polls_table", PollModel),
    ("ballots_table", BallotModel),
    ("guards_table", GuardModel),
    ("audit_table", AuditModel),
)


def bind(model: M, table: str, settings: Settings) -> M:
    """Return a subclass of a model bound to one table of the stage (its region and endpoint)."""
    meta = type("Meta", (), {"table_name": table, "region": settings.region, "host": settings.endpoint_url})
    bound: M = type(model.__name__, (model,), {"Meta": meta, "__module__": model.__module__})  # type: ignore[assignment]
    return bound


@dataclass(frozen=True)
class Tables:
    """One stage's tables: bound models for items PynamoDB reads and writes, and the names for raw requests."""

    polls: type[PollModel]
    ballots: type[BallotModel]
    guards: type[GuardModel]
    audit: type[AuditModel]
    polls_table: str
    ballots_table: str
    guards_table: str

    @property
    def client(self) -> Any:
        """Return the process's DynamoDB client (for the requests PynamoDB does not make: tallies, votes)."""
        return client("dynamodb")

    @classmethod
    def build(cls, settings: Settings) -> Tables:
        """Bind every model to the stage's tables."""
        return cls(
            polls=bind(PollModel, settings.polls_table, settings),
            ballots=bind(BallotModel, settings.ballots_table, settings),
            guards=bind(GuardModel, settings.guards_table, settings),
            audit=bind(AuditModel, settings.audit_table, settings),
            polls_table=settings.polls_table,
            ballots_table=settings.ballots_table,
            guards_table=settings.guards_table,
        )
