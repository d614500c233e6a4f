"""`make run`'s stand-in for Lambda's DynamoDB event source: reads the counters table's stream on the embedded endpoint
(moto implements DynamoDB Streams) and calls the app's `publish_results` handler with batches, as Lambda would.

Run with the stack's environment: `python -m local.streams` (LocalStack starts and stops it). Like the event
source mapping it gathers records for up to STREAM_BATCH_SECONDS (or BATCH_SIZE records) before one call; a failed
call is retried with the same batch (the handler is idempotent), as Lambda retries a batch.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from typing import Any

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

    def read(self) -> list[dict[str, Any]]:
        """Return the records that arrived since the last read, across shards."""
        self._discover()
        records: list[dict[str, Any]] = []
        for shard_id, iterator in list(self.iterators.items()):
            if iterator is None:
                continue  # a closed shard, read to its end
            answer = self.streams.get_records(ShardIterator=iterator, Limit=BATCH_SIZE)
            records += answer.get("Records", [])
            self.iterators[shard_id] = answer.get("NextShardIterator")
        return records


def jsonable(record: dict[str, Any]) -> dict[str, Any]:
    """Return a record as Lambda delivers it: JSON types only (boto3 gives datetimes)."""
    return json.loads(json.dumps(record, default=lambda value: value.timestamp()))


def run(stop: list[bool]) -> None:
    """Read the stream and call the handler with batches until `stop` holds True."""
    import app  # noqa: PLC0415 - with this process's environment: the stack's
    from chalicelib.runtime.clients import client  # noqa: PLC0415
    from chalicelib.runtime.settings import get_settings  # noqa: PLC0415

    settings = get_settings()
    table = client("dynamodb").describe_table(TableName=settings.counters_table)["Table"]
    reader = StreamReader(client("dynamodbstreams"), table["LatestStreamArn"])
    pending: list[dict[str, Any]] = []
    first_at = 0.0
    while not stop[0]:
        arrived = reader.read()
        if arrived and not pending:
            first_at = time.monotonic()
        pending += [jsonable(record) for record in arrived]
        due = pending and (
            len(pending) >= BATCH_SIZE or time.monotonic() - first_at >= settings.stream_batch_seconds or stop[0]
        )
        if due:
            batch, pending = pending[:BATCH_SIZE], pending[BATCH_SIZE:]
            try:
                report = app.publish_results({"Records": batch}, None)
                print(json.dumps({"stream_batch": report}), flush=True)
            except Exception as exc:  # noqa: BLE001 - like Lambda: log, keep the batch, try it again
                print(json.dumps({"stream_batch_failed": repr(exc)[:300]}), file=sys.stderr, flush=True)
                pending = batch + pending
            first_at = time.monotonic()
        time.sleep(POLL_SECONDS)


def main() -> int:
    """Run until SIGTERM or Ctrl-C."""
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    try:
        run(stop)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
