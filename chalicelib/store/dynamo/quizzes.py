"""Quizzes in DynamoDB: the definition in the polls table (partition "quiz#<id>", item "quiz") beside its score
tallies, and one score ballot per reader in the ballots table, which the fold counts like a vote."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.ledger import total
from chalicelib.core.poll import Poll
from chalicelib.core.quiz_errors import QuizExists, QuizNotFound
from chalicelib.core.quizzes import Quiz
from chalicelib.store.dynamo.ballots import ballot_key
from chalicelib.store.dynamo.connection import (
    CONDITION_FAILED,
    batch_delete,
    batch_get,
    error_code,
    query_all,
    translated,
    unavailable,
)
from chalicelib.store.dynamo.tables import Tables
from chalicelib.store.dynamo.tallies import read_tallies
from chalicelib.store.port import StaleDefinition
from chalicelib.store.quiz_port import ScoreBoard, ScoreWrite, StoredScore

PARTITION = "quiz#"  # poll ids are [a-z0-9-]: no poll's partition starts so
DEFINITION = "quiz"  # sorts after a poll's items "poll..." and before the tallies "t#..."
VIEW_END = "t~"
SCORE = "q#"  # a score ballot's key prefix in the ballots table (votes' are "b#" and "r#")


def partition(quiz_id: str) -> str:
    """Return the polls table's partition of a quiz (its definition and score tallies)."""
    return PARTITION + quiz_id


def _quiz(item: dict[str, Any]) -> Quiz:
    """Turn a stored definition into a Quiz."""
    return Quiz(
        id=item["id"]["S"][len(PARTITION) :],
        title=item["title"]["S"],
        polls=tuple(entry["S"] for entry in item["polls"]["L"]),
        incarnation=item["inc"]["S"],
        created_at=int(item["created_at"]["N"]),
        version=int(item["version"]["N"]),
    )


def _item(quiz: Quiz) -> dict[str, Any]:
    """Turn a Quiz into its definition item."""
    return {
        "id": {"S": partition(quiz.id)},
        "part": {"S": DEFINITION},
        "title": {"S": quiz.title},
        "polls": {"L": [{"S": poll_id} for poll_id in quiz.polls]},
        "inc": {"S": quiz.incarnation},
        "created_at": {"N": str(quiz.created_at)},
        "version": {"N": str(quiz.version)},
    }


class DynamoQuizzes:
    """The QuizStore port over the stage's polls and ballots tables."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def create_quiz(self, quiz: Quiz) -> None:
        """Store a new quiz (one conditional PutItem); QuizExists if the id is taken."""
        try:
            self.tables.client.put_item(
                TableName=self.tables.polls_table, Item=_item(quiz), ConditionExpression="attribute_not_exists(id)"
            )
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                raise QuizExists(f"a quiz with id '{quiz.id}' already exists") from exc
            raise unavailable(exc) from exc

    def get_quiz(self, quiz_id: str) -> Quiz:
        """Read a quiz's definition (one strongly consistent GetItem); QuizNotFound if there is none."""
        key = {"id": {"S": partition(quiz_id)}, "part": {"S": DEFINITION}}
        with translated():
            item = self.tables.client.get_item(TableName=self.tables.polls_table, Key=key, ConsistentRead=True)
        if "Item" not in item:
            raise QuizNotFound(f"no quiz with id '{quiz_id}'")
        return _quiz(item["Item"])

    def list_quizzes(self) -> list[Quiz]:
        """Scan the polls table for quiz definitions (editors' list: a few hundred at most), by id."""
        found: list[Quiz] = []
        arguments: dict[str, Any] = {
            "TableName": self.tables.polls_table,
            "FilterExpression": "part = :quiz",
            "ExpressionAttributeValues": {":quiz": {"S": DEFINITION}},
        }
        while True:
            with translated():
                page = self.tables.client.scan(**arguments)
            found += [_quiz(item) for item in page.get("Items", []) if item["id"]["S"].startswith(PARTITION)]
            if not page.get("LastEvaluatedKey"):
                return sorted(found, key=lambda quiz: quiz.id)
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def change_quiz(self, old: Quiz, new: Quiz) -> None:
        """Put the changed definition over the version and incarnation it was read at (one conditional PutItem)."""
        try:
            self.tables.client.put_item(
                TableName=self.tables.polls_table,
                Item=_item(new),
                ConditionExpression="inc = :inc AND version = :version",
                ExpressionAttributeValues={":inc": {"S": old.incarnation}, ":version": {"N": str(old.version)}},
            )
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                raise StaleDefinition(f"quiz '{old.id}' changed (or was deleted) since it was read") from exc
            raise unavailable(exc) from exc

    def delete_quiz(self, quiz: Quiz) -> None:
        """Delete every item of the quiz's partition: its definition, score tallies and stream shards' markers."""
        keys = query_all(
            self.tables.client,
            TableName=self.tables.polls_table,
            KeyConditionExpression="id = :id",
            ExpressionAttributeValues={":id": {"S": partition(quiz.id)}},
            ProjectionExpression="id, part",
            ConsistentRead=True,
        )
        batch_delete(self.tables.client, self.tables.polls_table, keys)

    def read_board(self, quiz_id: str) -> ScoreBoard:
        """Read the definition and every score tally in one Query (of the quiz's partition, "quiz" to "t~")."""
        items = query_all(
            self.tables.client,
            TableName=self.tables.polls_table,
            KeyConditionExpression="id = :id AND part BETWEEN :lo AND :hi",
            ExpressionAttributeValues={
                ":id": {"S": partition(quiz_id)},
                ":lo": {"S": DEFINITION},
                ":hi": {"S": VIEW_END},
            },
            ConsistentRead=True,
        )
        definition = next((item for item in items if item["part"]["S"] == DEFINITION), None)
        if definition is None:
            raise QuizNotFound(f"no quiz with id '{quiz_id}'")
        quiz = _quiz(definition)
        base, tallies = read_tallies(items, quiz.incarnation)
        folded_at = max((tally.at for tally in tallies), default=None)
        return ScoreBoard(quiz=quiz, counts=total(base, tallies), folded_at=folded_at)

    def voter_choices(self, polls: list[Poll], ballot_hashes: list[str]) -> dict[str, tuple[str, ...]]:
        """Read a voter's ballots in the polls (one BatchGetItem): counted ones of each poll's incarnation only."""
        keys = [{"pk": {"S": ballot_key(ballot_hash)}} for ballot_hash in ballot_hashes]
        incarnations = {poll.id: poll.incarnation for poll in polls}
        chosen: dict[str, tuple[str, ...]] = {}
        for item in batch_get(self.tables.client, self.tables.ballots_table, keys):
            poll_id = item.get("poll", {}).get("S")
            if poll_id is None or incarnations.get(poll_id) != item.get("inc", {}).get("S") or "voided_at" in item:
                continue
            chosen[poll_id] = tuple(str(entry["S"]) for entry in item.get("options", {}).get("L", []))
        return chosen

    def write_score(self, score: ScoreWrite) -> StoredScore:
        """Put the score ballot if the reader has none (one conditional PutItem), else read theirs (one GetItem)."""
        key = SCORE + score.voter_hash
        item = {
            "pk": {"S": key},
            "poll": {"S": partition(score.quiz.id)},
            "inc": {"S": score.quiz.incarnation},
            "options": {"L": [{"S": str(score.score)}]},
            "at": {"N": str(score.now)},
            "expires_at": {"N": str(score.expires_at)},
            "request_id": {"S": score.request_id},
        }
        try:
            self.tables.client.put_item(
                TableName=self.tables.ballots_table, Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
            return StoredScore(score=score.score, at=score.now, new=True)
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise unavailable(exc) from exc
        except BotoCoreError as exc:  # a timeout: it may have committed (a retry finds out)
            raise unavailable(exc) from exc
        with translated():
            found = self.tables.client.get_item(
                TableName=self.tables.ballots_table, Key={"pk": {"S": key}}, ConsistentRead=True
            ).get("Item")
        if found is None:
            raise ServiceUnavailable("the score could not be stored, try again shortly", retry_after=1)
        mine = found.get("request_id", {}).get("S") == score.request_id  # an earlier attempt of this request
        return StoredScore(score=int(found["options"]["L"][0]["S"]), at=int(found["at"]["N"]), new=mine)
