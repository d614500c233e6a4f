"""Shard counters in DynamoDB: batched reads of one or many polls, and a recount's conditional repair."""

from __future__ import annotations

import random
import time
from typing import Any

from pynamodb.exceptions import PynamoDBException

from chalicelib.core.counts import Counts
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.poll import Poll
from chalicelib.runtime.settings import get_settings
from chalicelib.store.dynamo.connection import CONDITION_FAILED, conn, error_code, translated, unavailable
from chalicelib.store.dynamo.keys import shard_key, shard_number
from chalicelib.store.dynamo.models import PollModel, ShardModel
from chalicelib.store.dynamo.polls import poll_from_model

BATCH_GET_LIMIT = 100  # keys per BatchGetItem
UNPROCESSED_RETRIES = 6


def _shard_counts(shard: ShardModel) -> Counts:
    """Return one shard item's counts."""
    return Counts(votes={k: int(v) for k, v in shard.counts.as_dict().items()}, voters=int(shard.voters))


def batch_get(keys: list[tuple[str, dict[str, Any]]], consistent: bool = True) -> list[tuple[str, dict[str, Any]]]:
    """BatchGetItem over (table, key) pairs in chunks of 100, retrying unprocessed keys."""
    client = conn().client
    found: list[tuple[str, dict[str, Any]]] = []
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        request: dict[str, Any] = {}
        for table, key in keys[start : start + BATCH_GET_LIMIT]:
            request.setdefault(table, {"Keys": [], "ConsistentRead": consistent})["Keys"].append(key)
        for attempt in range(UNPROCESSED_RETRIES):
            with translated():
                response = client.batch_get_item(RequestItems=request)
            for table, table_items in response.get("Responses", {}).items():
                found += [(table, item) for item in table_items]
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(random.uniform(0, 0.05 * 2**attempt))
        else:
            raise ServiceUnavailable("the poll store is busy, try again shortly", retry_after=1)
    return found


def _shard_keys(poll_id: str, shards: range) -> list[tuple[str, dict[str, Any]]]:
    table = get_settings().counters_table
    return [(table, {"pk": {"S": shard_key(poll_id, s)}}) for s in shards]


def read_counts(poll_id: str, shards: range, with_poll: bool) -> tuple[Poll | None, Counts]:
    """Sum some of a poll's shards with batched reads (one BatchGetItem per 100 keys).

    With with_poll the poll's own item rides in the same batch; the poll is then
    returned (None when it does not exist). A missing shard counts as zero.
    """
    polls_table = get_settings().polls_table
    keys: list[tuple[str, dict[str, Any]]] = [(polls_table, {"id": {"S": poll_id}})] if with_poll else []
    keys += _shard_keys(poll_id, shards)
    poll: Poll | None = None
    counts = Counts()
    for table, item in batch_get(keys):
        if table == polls_table:
            poll = poll_from_model(PollModel.from_raw_data(item))
        else:
            shard = _shard_counts(ShardModel.from_raw_data(item))
            counts.merge(shard.votes, shard.voters)
    return poll, counts


def read_many_counts(polls: list[Poll], consistent: bool) -> dict[str, Counts | None]:
    """Sum the shards of many polls with BatchGetItem, 100 keys a request; None for a poll with no shards."""
    keys = [key for poll in polls for key in _shard_keys(poll.id, range(poll.shards))]
    found: dict[str, Counts | None] = {poll.id: None for poll in polls}
    for _, item in batch_get(keys, consistent=consistent):
        shard = ShardModel.from_raw_data(item)
        poll_id, _ = shard_number(shard.pk)
        counts = _shard_counts(shard)
        found[poll_id] = (found.get(poll_id) or Counts()).merge(counts.votes, counts.voters)
    return found


def shard_counts(poll_id: str, shards: int) -> dict[int, Counts]:
    """Return each existing shard's counts, by shard number (recounts)."""
    result = {}
    for _, item in batch_get(_shard_keys(poll_id, range(shards))):
        shard = ShardModel.from_raw_data(item)
        result[shard_number(shard.pk)[1]] = _shard_counts(shard)
    return result


def replace_shard_counts(poll: Poll, shard: int, seen: Counts, counts: Counts) -> bool:
    """Overwrite one shard's counters if it still holds what was read; False if votes arrived meanwhile."""
    conn()
    condition = (ShardModel.epoch == poll.incarnation) & (ShardModel.voters == seen.voters)
    condition &= ShardModel.counts == seen.votes
    try:
        ShardModel(pk=shard_key(poll.id, shard)).update(
            actions=[ShardModel.counts.set(counts.votes), ShardModel.voters.set(counts.voters)], condition=condition
        )
        return True
    except PynamoDBException as exc:
        if error_code(exc) == CONDITION_FAILED:
            return False
        raise unavailable(exc) from exc
