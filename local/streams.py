"""`make run`'s stand-in for Lambda's DynamoDB event sources: reads the tables' streams on the embedded endpoint (moto
implements DynamoDB Streams) and calls the app's handlers with batches, as Lambda's event source mappings would.

  ballots table's stream  ->  fold_ballots     per stream shard, in order, with the shard named in the event (as a
                                               tumbling window delivers it), gathered FOLD_BATCH_SECONDS
  polls table's stream    ->  publish_results  gathered STREAM_BATCH_SECONDS
  polls table's stream    ->  render_cards     gathered STREAM_BATCH_SECONDS (a reader of its own, as a second
                                               mapping on one stream has)
  every CARD_EVERY seconds ->  refresh_cards   the card schedule's stand-in (`chalice local` runs no schedules)

Like a mapping, each gathers records for up to its batching window (or BATCH_SIZE records) before one call, and a
failed call is retried with the same batch, and nothing after it in that shard goes first.

Run with the stack's environment: `python -m local.streams counts` (the fold and the publisher) and
`python -m local.streams cards` (the card function: it draws for a fifth of a second a card, which must not hold the
fold back), each in its own process as they are separate functions on AWS (LocalStack starts and stops both).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.runtime import state

ROLES = ("counts", "cards")  # one process each: separate functions on AWS
POLL_SECONDS = 0.25  # how often each shard is read (Lambda polls a stream shard about four times a second)
BATCH_SIZE = 1000  # app.py's batch_size


class StreamReader:
    """Reads every shard of one stream from its oldest record, keeping each shard's position."""

    def __init__(self, streams: Any, stream_arn: str) -> None:
        self.streams = streams
        self.stream_arn = stream_arn
        self.iterators: dict[str, str | None] = {}

    def _discover(self) -> None:
        """Start reading shards not seen before, from their oldest record (nothing is missed at start-up)."""
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"].get("Shards", [])
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self.iterators:
                self.iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]

    def read(self) -> dict[str, list[dict[str, Any]]]:
        """Return the records that arrived since the last read, by shard."""
        self._discover()
        arrived: dict[str, list[dict[str, Any]]] = {}
        for shard_id, iterator in list(self.iterators.items()):
            if iterator is None:
                continue  # a closed shard, read to its end
            answer = self.streams.get_records(ShardIterator=iterator, Limit=BATCH_SIZE)
            if answer.get("Records"):
                arrived[shard_id] = answer["Records"]
            self.iterators[shard_id] = answer.get("NextShardIterator")
        return arrived


def jsonable(record: dict[str, Any]) -> dict[str, Any]:
    """Return a record as Lambda delivers it: JSON types only (boto3 gives datetimes)."""
    return json.loads(json.dumps(record, default=lambda value: value.timestamp()))


@dataclass
class Mapping:
    """One event source mapping: a stream, a handler, a batching window, and each shard's records not yet handled."""

    name: str
    reader: StreamReader
    handler: Callable[[dict[str, Any], Any], Any]
    window_seconds: float
    names_shard: bool  # the event names its shard, as a tumbling window's does
    pending: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    since: dict[str, float] = field(default_factory=dict)

    def step(self, stopping: bool) -> None:
        """Read what arrived, then call the handler with each shard's batch that is due (retried until it passes)."""
        for shard, records in self.reader.read().items():
            if not self.pending.get(shard):
                self.since[shard] = time.monotonic()
            self.pending.setdefault(shard, []).extend(jsonable(record) for record in records)
        for shard, records in self.pending.items():
            waited = time.monotonic() - self.since.get(shard, 0.0)
            if records and (len(records) >= BATCH_SIZE or waited >= self.window_seconds or stopping):
                self._call(shard, records[:BATCH_SIZE])

    def _call(self, shard: str, batch: list[dict[str, Any]]) -> None:
        event: dict[str, Any] = {"Records": batch}
        if self.names_shard:
            event.update(shardId=shard, eventSourceARN=self.reader.stream_arn, state={}, isFinalInvokeForWindow=False)
        try:
            report = self.handler(event, None)
            print(json.dumps({self.name: report if isinstance(report, dict) else None}, default=str), flush=True)
            self.pending[shard] = self.pending[shard][len(batch) :]
        except Exception as exc:  # noqa: BLE001 - like Lambda: log, keep the batch, try it again
            print(json.dumps({f"{self.name}_failed": repr(exc)[:300]}), file=sys.stderr, flush=True)
        self.since[shard] = time.monotonic()


SCHEDULED_EVENT = {  # what EventBridge sends a scheduled function, as Chalice reads it
    "version": "0",
    "id": "local",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "000000000000",
    "time": "1970-01-01T00:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:000000000000:rule/local"],
    "detail": {},
}


@dataclass
class Timer:
    """One schedule: a scheduled handler called every `every` seconds (the first time once that much has passed)."""

    name: str
    handler: Callable[[dict[str, Any], Any], Any]
    every: float
    last: float = field(default_factory=time.monotonic)

    def step(self, stopping: bool) -> None:
        """Call the handler if it is due; a failure is logged, and the next run comes as usual."""
        if stopping or time.monotonic() - self.last < self.every:
            return
        self.last = time.monotonic()
        try:
            report = self.handler(dict(SCHEDULED_EVENT), None)
            print(json.dumps({self.name: report if isinstance(report, dict) else None}, default=str), flush=True)
        except Exception as exc:  # noqa: BLE001 - like Lambda: log it; the schedule goes on
            print(json.dumps({f"{self.name}_failed": repr(exc)[:300]}), file=sys.stderr, flush=True)


_taps: dict[str, StreamReader] = {}  # this process's readers of each stream (stream_batches), forgotten on reset
state.register("stream readers", _taps.clear)


def stream_batches(table: str) -> list[dict[str, Any]]:
    """Return what a table's stream holds that was not returned before (moto, in this process or at AWS_ENDPOINT_URL),
    one event per stream shard, as an event source mapping delivers it (the shard named, as a tumbling window does)."""
    import boto3  # noqa: PLC0415 - tools and tests only
    from botocore.config import Config  # noqa: PLC0415

    arn = boto3.client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
    if arn not in _taps:
        # botocore's account-based stream endpoints are not moto's: ask for the regional one
        streams = boto3.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))
        _taps[arn] = StreamReader(streams, arn)
    return [
        {"Records": [jsonable(r) for r in records], "shardId": shard, "eventSourceARN": arn}
        for shard, records in _taps[arn].read().items()
    ]


def fold_now(publish: bool = True) -> int:
    """Fold what the ballots table's stream holds now, as the fold's event source would; publish the tallies that
    changed, unless told not to; then let the process caches expire. Return the ballot changes applied."""
    from app import publish_results  # noqa: PLC0415 - with this process's environment
    from chalicelib.runtime.settings import get_settings  # noqa: PLC0415
    from chalicelib.services import catalog, fold  # noqa: PLC0415

    applied = sum(fold.fold(event).applied for event in stream_batches(get_settings().ballots_table))
    if publish:
        for event in stream_batches(get_settings().polls_table):
            publish_results(event, None)
    catalog.reset()
    return applied


def mappings(role: str) -> list[Mapping | Timer]:
    """Return the mappings (and schedules) of one role's handlers on the stack's tables: `counts` or `cards`."""
    import app  # noqa: PLC0415 - with this process's environment: the stack's
    from chalicelib.runtime.clients import client  # noqa: PLC0415
    from chalicelib.runtime.settings import get_settings  # noqa: PLC0415

    settings = get_settings()
    streams = client("dynamodbstreams")

    def stream(table: str) -> str:
        return str(client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"])

    if role == "cards":
        return [
            Mapping(
                "card_batch",
                StreamReader(streams, stream(settings.polls_table)),
                app.render_cards,
                settings.stream_batch_seconds,
                names_shard=False,
            ),
            Timer("card_run", app.refresh_cards, settings.card_every),
        ]
    return [
        Mapping(
            "fold_batch",
            StreamReader(streams, stream(settings.ballots_table)),
            app.fold_ballots,
            settings.fold_batch_seconds,
            names_shard=True,
        ),
        Mapping(
            "stream_batch",
            StreamReader(streams, stream(settings.polls_table)),
            app.publish_results,
            settings.stream_batch_seconds,
            names_shard=False,
        ),
    ]


def run(stop: list[bool], role: str) -> None:
    """Read the streams and call one role's handlers with batches (and its schedule), until `stop` holds True."""
    running = mappings(role)
    while not stop[0]:
        for mapping in running:
            mapping.step(stopping=stop[0])
        time.sleep(POLL_SECONDS)


def main(argv: list[str] | None = None) -> int:
    """Run one role until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m local.streams", description=__doc__.split("\n\n")[0])
    parser.add_argument("role", choices=ROLES)
    role = parser.parse_args(argv).role
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    try:
        run(stop, role)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
