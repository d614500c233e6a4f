"""Ballots in DynamoDB: the vote (one request: a PutItem, or one transaction with its guards), and ballot reads.

Every item a vote writes is keyed by its voter or request (the ballot), or by what guards it (the address's
counter, the prefix's and its blocks' window counters, the spent proof and Private Access Token): no item of the
poll's is written by a vote.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core.forensics import BallotRecord
from chalicelib.core.ledger import INDEX_BUCKETS, dimensions_of
from chalicelib.core.poll import Poll
from chalicelib.core.votes import OwnBallot, Rejection, VoteRejected
from chalicelib.store.dynamo.connection import (
    CONDITION_FAILED,
    IN_PROGRESS,
    SERVER_ERRORS,
    THROTTLE_CODES,
    Cancelled,
    Transaction,
    batch_get,
    error_code,
    transact,
    translated,
    unavailable,
)
from chalicelib.store.dynamo.tables import Tables
from chalicelib.store.port import IndexPage, VoteWrite

BALLOT, ADDRESS, WINDOW, PROOF, TOKEN = "ballot", "address", "window", "proof", "token"


def ballot_key(ballot_hash: str, by_request: bool = False) -> str:
    """Return a ballot's key: "b#" + the keyed hash of (poll, voter), or "r#" + that of (poll, request)."""
    return ("r#" if by_request else "b#") + ballot_hash


def index_key(poll: Poll, ballot_hash: str) -> str:
    """Return a ballot's by-poll index key: the poll's incarnation and a bucket the ballot's hash picks."""
    return f"{poll.scope}#{int(ballot_hash[:4], 16) % INDEX_BUCKETS:02x}"


def bucket_key(poll: Poll, bucket: int) -> str:
    """Return the by-poll index key of one bucket."""
    return f"{poll.scope}#{bucket:02x}"


def _ballot_item(vote: VoteWrite) -> dict[str, Any]:
    """Return the ballot as a DynamoDB item."""
    item: dict[str, Any] = {
        "pk": {"S": ballot_key(vote.ballot_hash, vote.by_request)},
        "poll": {"S": vote.poll.id},
        "inc": {"S": vote.poll.incarnation},
        "options": {"L": [{"S": option} for option in vote.options]},
        "request_id": {"S": vote.request_id},
        "at": {"N": str(vote.now)},
        "pb": {"S": index_key(vote.poll, vote.ballot_hash)},
        "expires_at": {"N": str(vote.expires_at)},
    }
    if vote.source_hash is not None:
        item["src"] = {"S": vote.source_hash}
    if vote.block_hash is not None:
        item["blk"] = {"S": vote.block_hash}
    item["net"] = {"S": vote.network}
    if vote.right:
        item["ok"] = {"BOOL": True}
    if vote.other is not None:
        item["oth"] = {"S": vote.other}
    dimensions = vote.dimensions
    item.update({"cty": {"S": dimensions.country}, "site": {"S": dimensions.site}, "surf": {"S": dimensions.surface}})
    return item


def _counter(table: str, key: str, limit: int, expires_at: int) -> dict[str, Any]:
    """Return the update of a guard counter that must stay under its limit."""
    return {
        "TableName": table,
        "Key": {"pk": {"S": key}},
        "UpdateExpression": "ADD #n :one SET expires_at = :exp",
        "ConditionExpression": "attribute_not_exists(#n) OR #n < :limit",
        "ExpressionAttributeNames": {"#n": "n"},
        "ExpressionAttributeValues": {":one": {"N": "1"}, ":exp": {"N": str(expires_at)}, ":limit": {"N": str(limit)}},
    }


def _transaction(tables: Tables, vote: VoteWrite) -> Transaction:
    """Return the vote's items, each named: the ballot first, then its guards."""
    tx = Transaction()
    tx.add(
        BALLOT,
        "Put",
        {
            "TableName": tables.ballots_table,
            "Item": _ballot_item(vote),
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        },
    )
    if vote.proof is not None:
        spent = {"pk": {"S": "pow#" + vote.proof.proof_id}, "expires_at": {"N": str(vote.proof.expires_at)}}
        put = {"TableName": tables.guards_table, "Item": spent, "ConditionExpression": "attribute_not_exists(pk)"}
        tx.add(PROOF, "Put", put)
        if vote.proof.token_id is not None:
            token = {"pk": {"S": "pat#" + vote.proof.token_id}, "expires_at": {"N": str(vote.proof.token_expires_at)}}
            tx.add(TOKEN, "Put", {**put, "Item": token})
    if vote.address_hash is not None:
        tx.add(
            ADDRESS,
            "Update",
            _counter(tables.guards_table, "ip#" + vote.address_hash, vote.poll.ip_limit, vote.expires_at),
        )
    for number, window in enumerate(vote.windows):
        counter = _counter(tables.guards_table, "aw#" + window.key_hash, window.limit, window.expires_at)
        tx.add(f"{WINDOW}{number}", "Update", counter)
    return tx


def own_ballot(item: dict[str, Any] | None) -> OwnBallot | None:
    """Return a ballot item as its voter's results need it (None: no item)."""
    if not item:
        return None
    options = tuple(str(entry["S"]) for entry in item.get("options", {}).get("L", []))
    return OwnBallot(options=options, at=int(item.get("at", {}).get("N", "0")), voided="voided_at" in item)


def _own(item: dict[str, Any] | None, vote: VoteWrite) -> VoteRejected:
    """Tell this request's own earlier ballot (an attempt that committed) from another request's."""
    if item is not None and item.get("request_id", {}).get("S") == vote.request_id:
        return VoteRejected(Rejection.OWN_BALLOT)
    return VoteRejected(Rejection.ALREADY_VOTED, own_ballot(item))


def _failure(code: str | None) -> Rejection:
    """Decide what a failed request means when no condition explains it."""
    if code in THROTTLE_CODES:
        return Rejection.BUSY
    if code == IN_PROGRESS:
        return Rejection.IN_PROGRESS
    if code is None or code in SERVER_ERRORS:
        return Rejection.UNKNOWN  # a timeout or a server error: the write may have committed
    return Rejection.REFUSED


def _cancelled(exc: Cancelled, vote: VoteWrite) -> VoteRejected:
    """Decide from the named cancellation reasons why a vote's transaction did not commit."""
    if exc.failed(BALLOT):
        return _own(exc.items.get(BALLOT), vote)
    spent = ((PROOF, Rejection.PROOF_USED), (TOKEN, Rejection.TOKEN_USED), (ADDRESS, Rejection.IP_LIMIT))
    for name, rejection in spent:
        if exc.failed(name):
            return VoteRejected(rejection)
    full = [window.ends_at for number, window in enumerate(vote.windows) if exc.failed(f"{WINDOW}{number}")]
    if full:  # the vote may pass only once every full window has ended
        return VoteRejected(Rejection.ADDRESS_WINDOW, retry_at=max(full))
    codes = set(exc.reasons.values())
    if "TransactionConflict" in codes:
        return VoteRejected(Rejection.CONFLICT)
    if codes & THROTTLE_CODES:
        return VoteRejected(Rejection.BUSY)
    return VoteRejected(Rejection.REFUSED)


class Ballots:
    """The BallotStore port's ballots: the vote, reads by key and through the by-poll index, voids, expiry."""

    tables: Tables

    def write_vote(self, vote: VoteWrite) -> None:
        """Commit one vote in one request: a conditional PutItem of the ballot alone, or one transaction."""
        tx = _transaction(self.tables, vote)
        try:
            if tx.names == [BALLOT]:
                self.tables.client.put_item(**tx.items[0]["Put"])
            else:
                # The request id is the token of every attempt: an attempt that may still commit is not doubled.
                transact(self.tables.client, tx, token=vote.request_id)
        except Cancelled as exc:
            raise _cancelled(exc, vote) from exc
        except ClientError as exc:
            code = error_code(exc)
            if code == CONDITION_FAILED:
                raise _own(exc.response.get("Item"), vote) from exc
            raise VoteRejected(_failure(code)) from exc
        except BotoCoreError as exc:
            raise VoteRejected(Rejection.UNKNOWN) from exc

    def voter_ballot(self, poll: Poll, ballot_hash: str) -> OwnBallot | None:
        """Return a voter's ballot in the poll, or None (one strongly consistent GetItem)."""
        with translated():
            found = self.tables.client.get_item(
                TableName=self.tables.ballots_table,
                Key={"pk": {"S": ballot_key(ballot_hash)}},
                ConsistentRead=True,
                ProjectionExpression="options, #at, voided_at",
                ExpressionAttributeNames={"#at": "at"},
            )
        return own_ballot(found.get("Item"))

    def index_page(
        self,
        poll: Poll,
        bucket: int,
        start: dict[str, Any] | None,
        since: int | None,
        until: int | None,
        *,
        limit: int | None = None,
    ) -> IndexPage:
        """Read one page of a bucket of the by-poll index (eventually consistent, as every index)."""
        condition = "pb = :pb"
        values: dict[str, Any] = {":pb": {"S": bucket_key(poll, bucket)}}
        if since is not None or until is not None:
            condition += " AND #at BETWEEN :since AND :until"
            values[":since"] = {"N": str(since or 0)}
            values[":until"] = {"N": str(until if until is not None else 2**40)}
        arguments: dict[str, Any] = {
            "TableName": self.tables.ballots_table,
            "IndexName": "by-poll",
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        if "#at" in condition:
            arguments["ExpressionAttributeNames"] = {"#at": "at"}
        if start:
            arguments["ExclusiveStartKey"] = start
        if limit is not None:
            arguments["Limit"] = limit
        with translated():
            response = self.tables.client.query(**arguments)
        return IndexPage([_record(item) for item in response.get("Items", [])], response.get("LastEvaluatedKey"))

    def read_ballots(self, keys: list[str]) -> list[BallotRecord]:
        """Read ballots by key, strongly consistent, 100 a BatchGetItem."""
        items = batch_get(self.tables.client, self.tables.ballots_table, [{"pk": {"S": key}} for key in keys])
        return [_record(item) for item in items]

    def void_ballot(self, key: str, void_id: str, at: int) -> bool:
        """Mark a counted ballot voided (one conditional UpdateItem); False if it was voided already or is gone."""
        return self._update_ballot(
            key,
            "SET voided_at = :at, void_id = :id",
            "attribute_exists(pk) AND attribute_not_exists(voided_at)",
            {":at": {"N": str(at)}, ":id": {"S": void_id}},
        )

    def keep_ballot(self, key: str, expires_at: int) -> bool:
        """Keep a ballot until at least `expires_at` (one conditional UpdateItem); False if gone or kept longer."""
        values = {":exp": {"N": str(expires_at)}}
        return self._update_ballot(key, "SET expires_at = :exp", "attribute_exists(pk) AND expires_at < :exp", values)

    def _update_ballot(self, key: str, expression: str, condition: str, values: dict[str, Any]) -> bool:
        try:
            self.tables.client.update_item(
                TableName=self.tables.ballots_table,
                Key={"pk": {"S": key}},
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
            return True
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                return False
            raise unavailable(exc) from exc


def _record(item: dict[str, Any]) -> BallotRecord:
    """Turn a ballot (or its index projection) into what forensics and recounts see."""
    options = tuple(str(o["S"]) for o in item.get("options", {}).get("L", []))
    source = item["src"]["S"] if "src" in item else None
    at = int(item.get("at", {}).get("N", "0"))
    image = {name: item[name]["S"] for name in ("cty", "site", "surf") if "S" in item.get(name, {})}
    return BallotRecord(
        key=item["pk"]["S"],
        options=options,
        source=source,
        minute=at // 60 * 60,
        voided="voided_at" in item,
        dimensions=dimensions_of(image),
        network=item.get("net", {}).get("S", "unknown"),
        block=item["blk"]["S"] if "blk" in item else None,
        right=item.get("ok", {}).get("BOOL") is True,
    )
