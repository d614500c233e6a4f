"""Logs, metrics and traces with Powertools for AWS Lambda: one logger, one metrics buffer, one tracer.

Metric names live here, once; the template's alarms and dashboard (infra/monitoring.py) use them.
Nothing logged or measured identifies a person: no voter token, no address, not even hashed.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Any, TextIO

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit, single_metric

NAMESPACE = "Polls"
SERVICE = "polls"
SERVICE_DIMENSION = "service"
REASON_DIMENSION = "reason"
SOURCE_DIMENSION = "source"

VOTE_ACCEPTED = "VoteAccepted"  # Count: one per counted vote
VOTE_REFUSED = "VoteRefused"  # Count: one per refused vote, dimension `reason` = the API error code
VOTE_RETRIES = "VoteRetries"  # Count: vote transactions tried again (conflict, throttle, unknown outcome)
TRANSACTION_CONFLICTS = "TransactionConflicts"  # Count: vote transactions cancelled by a conflict
RESULTS_READS = "ResultsReads"  # Count: results served, dimension `source` = cache or store
SNAPSHOT_WRITTEN = "SnapshotPollsWritten"  # Count: polls one snapshot run wrote
SNAPSHOT_SKIPPED = "SnapshotPollsSkipped"  # Count: polls one snapshot run found unchanged
SNAPSHOT_FAILED = "SnapshotFailed"  # Count: polls that failed in one snapshot run (0 when none)
SNAPSHOT_AGE_SECONDS = "SnapshotAgeSeconds"  # Seconds: how far behind the oldest stale snapshot is, every run
FOLD_RECORDS = "FoldRecords"  # Count: ballot changes the fold applied to tallies (once each)
FOLD_LAG_SECONDS = "FoldLagSeconds"  # Seconds: from a batch's newest ballot change to its fold
TALLIES_COMPACTED = "TalliesCompacted"  # Count: stream shards' tallies sealed into their poll's base
AUDIT_WRITE_FAILURES = "AuditWriteFailures"  # Count: audit entries that could not be stored (logged whole instead)
EDGE_RESULTS_WRITTEN = "EdgeResultsWritten"  # Count: results documents the stream consumer rewrote
EDGE_PUBLISH_FAILED = "EdgePublishFailed"  # Count: edge documents a poll change could not write (readers use the API)

UNITS: dict[str, MetricUnit] = {
    VOTE_ACCEPTED: MetricUnit.Count,
    VOTE_REFUSED: MetricUnit.Count,
    VOTE_RETRIES: MetricUnit.Count,
    TRANSACTION_CONFLICTS: MetricUnit.Count,
    RESULTS_READS: MetricUnit.Count,
    SNAPSHOT_WRITTEN: MetricUnit.Count,
    SNAPSHOT_SKIPPED: MetricUnit.Count,
    SNAPSHOT_FAILED: MetricUnit.Count,
    SNAPSHOT_AGE_SECONDS: MetricUnit.Seconds,
    FOLD_RECORDS: MetricUnit.Count,
    FOLD_LAG_SECONDS: MetricUnit.Seconds,
    TALLIES_COMPACTED: MetricUnit.Count,
    AUDIT_WRITE_FAILURES: MetricUnit.Count,
    EDGE_RESULTS_WRITTEN: MetricUnit.Count,
    EDGE_PUBLISH_FAILED: MetricUnit.Count,
}


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Write to whatever sys.stdout is when a line is logged (Lambda's, a terminal's, a test's capture)."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        """The current standard output."""
        return sys.stdout

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        """Ignore the stream logging.StreamHandler sets: the current one is used."""


logger = Logger(service=SERVICE, logger_handler=_StdoutHandler())
# The AWS libraries' own lines, warnings and worse only, in the same JSON shape (no plain-text lines).
LIBRARY_LOGGERS = {"boto3", "botocore", "pynamodb", "urllib3"}
for _name in LIBRARY_LOGGERS:
    logging.getLogger(_name)
copy_config_to_registered_loggers(source_logger=logger, log_level="WARNING", include=LIBRARY_LOGGERS)
_tracer: Any = None
_metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
_lock = threading.Lock()


def start_tracing() -> bool:
    """In Lambda, start Powertools' X-Ray tracer: botocore is patched, so DynamoDB and S3 calls are subsegments.

    Outside Lambda (chalice local, tests, benchmarks) nothing is imported: the X-Ray SDK alone takes about
    120 ms to import, and there is no daemon to send to. Returns whether tracing is on.
    """
    global _tracer
    in_lambda = bool(os.environ.get("LAMBDA_TASK_ROOT")) and not os.environ.get("AWS_CHALICE_CLI_MODE")
    if _tracer is None and in_lambda:
        from aws_lambda_powertools import Tracer  # noqa: PLC0415 - only where traces can be sent

        _tracer = Tracer(service=SERVICE)
    return _tracer is not None and not _tracer.disabled


def count(metric: str, value: float = 1) -> None:
    """Add to a metric of this request or run (flushed by `flush`)."""
    with _lock:
        _metrics.add_metric(name=metric, unit=UNITS[metric], value=value)


def count_by(metric: str, dimension: str, label: str, value: float = 1) -> None:
    """Emit a metric with one more dimension at once (a refusal's reason, a read's source)."""
    with single_metric(name=metric, unit=UNITS[metric], value=value, namespace=NAMESPACE) as one:
        one.add_dimension(name=SERVICE_DIMENSION, value=SERVICE)
        one.add_dimension(name=dimension, value=label)


def flush() -> None:
    """Write this request's or run's metrics as one embedded-metric-format line, if there are any."""
    with _lock:
        if _metrics.metric_set:
            _metrics.flush_metrics()


def start_request(request_id: str | None, route: str, poll_id: str | None) -> None:
    """Give this request's log lines its correlation id, route and poll id (and nothing from the caller)."""
    logger.clear_state()
    logger.set_correlation_id(request_id)
    logger.append_keys(route=route, poll_id=poll_id)


def log_event(message: str, **details: Any) -> None:
    """Log one structured event (a request's outcome, a snapshot run, a fold batch)."""
    logger.info(message, extra=details)
