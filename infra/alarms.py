"""The stage's alarms, each to the alarm topic when it fires and when it clears (docs/operations.md says what each
means):
the API's 5XX rate and p99 latency, every function's errors and throttles, every stream consumer's iterator age
(the fold's: how late votes are counted), every table's throttled requests, every
failure queue's waiting messages, and the app's own metrics (snapshot failures and age, unrecorded audit entries).

The app's metric names come from chalicelib/runtime/observability.py, so the alarms and the code cannot disagree.
"""

from __future__ import annotations

from typing import Any

from chalicelib.runtime.observability import (
    AUDIT_WRITE_FAILURES,
    NAMESPACE,
    REASON_DIMENSION,
    SERVICE,
    SERVICE_DIMENSION,
    SNAPSHOT_AGE_SECONDS,
    SNAPSHOT_FAILED,
    VOTE_ACCEPTED,
    VOTE_REFUSED,
)
from infra.data import TABLES
from infra.names import (
    ALARM_NAME,
    ALARM_TOPIC,
    API_HANDLER,
    API_NAME,
    API_STAGE_NAME,
    Template,
    failure_queue,
    function_name,
    functions,
    get_att,
    handler_name,
    invocation,
    named,
    ref,
    sub,
)

# The app's own metrics (CloudWatch embedded metric format through Powertools): unit and dimensions.
APP_METRICS: dict[str, dict[str, Any]] = {
    SNAPSHOT_FAILED: {"unit": "Count", "dimensions": (SERVICE_DIMENSION,)},
    SNAPSHOT_AGE_SECONDS: {"unit": "Seconds", "dimensions": (SERVICE_DIMENSION,)},
    VOTE_ACCEPTED: {"unit": "Count", "dimensions": (SERVICE_DIMENSION,)},
    VOTE_REFUSED: {"unit": "Count", "dimensions": (SERVICE_DIMENSION, REASON_DIMENSION)},
}
PARAMETERS: Template = {
    "ApiLatencyP99Milliseconds": {
        "Type": "Number",
        "Default": 1000,
        "MinValue": 50,
        "Description": "Alarm when the API's p99 latency stays above this for 5 minutes.",
    },
    "Api5xxRatePercent": {
        "Type": "Number",
        "Default": 1,
        "MinValue": 0,
        "Description": "Alarm when more than this percentage of API requests get a 5XX, 3 minutes out of 5.",
    },
    "SnapshotMaxAgeSeconds": {
        "Type": "Number",
        "Default": 300,
        "MinValue": 60,
        "Description": "Alarm when the newest results snapshot is older than this for 3 minutes.",
    },
}
COUNT_ANY = {"Period": 300, "EvaluationPeriods": 1, "Threshold": 1, "TreatMissingData": "notBreaching"}
AT_LEAST = "GreaterThanOrEqualToThreshold"


def alarm(slug: str, description: str, **properties: Any) -> Template:
    """Return an alarm named polls-<stage>-<slug> that tells the alarm topic when it fires and when it clears."""
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": named(ALARM_NAME, slug=slug),
            "AlarmDescription": sub(description),
            "ActionsEnabled": True,
            "AlarmActions": [ref(ALARM_TOPIC)],
            "OKActions": [ref(ALARM_TOPIC)],
            **properties,
        },
    }


def dimensions(**pairs: Any) -> list[Template]:
    """Return CloudWatch dimensions from keyword pairs."""
    return [{"Name": name, "Value": value} for name, value in pairs.items()]


def api_dimensions() -> list[Template]:
    """Return the dimensions of the REST API stage's metrics."""
    return dimensions(ApiName=named(API_NAME), Stage=API_STAGE_NAME)


def metric_stat(metric_id: str, metric: str) -> Template:
    """Return one of the API's metrics in an alarm's metric math, not itself returned."""
    stat = {"Metric": {"Namespace": "AWS/ApiGateway", "MetricName": metric, "Dimensions": api_dimensions()}}
    return {"Id": metric_id, "MetricStat": {**stat, "Period": 60, "Stat": "Sum"}, "ReturnData": False}


def api_alarms() -> Template:
    """Return the API's alarms: the share of 5XX answers, and p99 latency."""
    rate = "IF(requests >= 10, 100 * errors / requests, 0)"
    return {
        "Api5xxRateAlarm": alarm(
            "api-5xx-rate",
            "Share of API requests answered with a 5XX (minutes with at least 10 requests). See docs/operations.md.",
            Metrics=[
                {"Id": "rate", "Expression": rate, "Label": "5XX responses (% of requests)", "ReturnData": True},
                metric_stat("errors", "5XXError"),
                metric_stat("requests", "Count"),
            ],
            EvaluationPeriods=5,
            DatapointsToAlarm=3,
            Threshold=ref("Api5xxRatePercent"),
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching",
        ),
        "ApiLatencyP99Alarm": alarm(
            "api-latency-p99",
            "API p99 latency (API Gateway Latency) above ApiLatencyP99Milliseconds for 5 minutes. "
            "See docs/operations.md.",
            Namespace="AWS/ApiGateway",
            MetricName="Latency",
            Dimensions=api_dimensions(),
            ExtendedStatistic="p99",
            Period=60,
            EvaluationPeriods=5,
            DatapointsToAlarm=5,
            Threshold=ref("ApiLatencyP99Milliseconds"),
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching",
        ),
    }


def function_alarms(logical_id: str, function: Template) -> Template:
    """Return a function's alarms on errors and throttles, and on its failure queue if it has one."""
    name = function_name(logical_id, function).format(stage="${Stage}")
    short = "api" if logical_id == API_HANDLER else handler_name(function).replace("_", "-")
    found: Template = {}
    for metric, what in (
        ("Errors", "failed invocations (timeouts, crashes, out of memory)"),
        ("Throttles", "throttled invocations (reserved concurrency reached)"),
    ):
        found[f"{logical_id}{metric}Alarm"] = alarm(
            f"{short}-{metric.lower()}",
            f"{name}: {what} in the last 5 minutes. See docs/operations.md.",
            Namespace="AWS/Lambda",
            MetricName=metric,
            Dimensions=dimensions(FunctionName=ref(logical_id)),
            Statistic="Sum",
            ComparisonOperator=AT_LEAST,
            **COUNT_ANY,
        )
    kind = invocation(function)
    if kind == "stream":  # how far behind its stream the consumer is: for the fold, how late votes are counted
        found[f"{logical_id}IteratorAgeAlarm"] = alarm(
            f"{short}-iterator-age",
            f"{name}: its oldest unread stream record was over a minute old for 3 of the last 5 minutes (results "
            "lag the votes). See docs/operations.md.",
            Namespace="AWS/Lambda",
            MetricName="IteratorAge",
            Dimensions=dimensions(FunctionName=ref(logical_id)),
            Statistic="Maximum",
            Period=60,
            EvaluationPeriods=5,
            DatapointsToAlarm=3,
            Threshold=60_000,  # milliseconds
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching",
        )
    if kind != "api":
        queue = failure_queue(logical_id)
        what = "runs failed after Lambda's retries" if kind == "async" else "stream batches failed after retries"
        found[f"{queue}Alarm"] = alarm(
            f"{short}-failed-{'runs' if kind == 'async' else 'batches'}",
            f"{name}: {what} and wait in the failure queue. See docs/operations.md.",
            Namespace="AWS/SQS",
            MetricName="ApproximateNumberOfMessagesVisible",
            Dimensions=dimensions(QueueName=get_att(queue, "QueueName")),
            Statistic="Maximum",
            ComparisonOperator=AT_LEAST,
            **COUNT_ANY,
        )
    return found


def table_alarms() -> Template:
    """Return an alarm on each table's throttled requests (any operation), 2 minutes out of 5."""
    found: Template = {}
    for table in TABLES:
        query = (
            'SELECT SUM(ThrottledRequests) FROM SCHEMA("AWS/DynamoDB", Operation, TableName) '
            f"WHERE TableName = '${{{table.logical_id}}}'"
        )
        found[f"{table.logical_id}ThrottledRequestsAlarm"] = alarm(
            f"{table.stem}-throttled",
            f"DynamoDB throttles requests to the table ${{{table.logical_id}}} (ThrottledRequests, any operation). "
            "See docs/operations.md.",
            Metrics=[
                {
                    "Id": "throttled",
                    "Expression": sub(query),
                    "Period": 60,
                    "Label": "throttled requests",
                    "ReturnData": True,
                }
            ],
            EvaluationPeriods=5,
            DatapointsToAlarm=2,
            Threshold=10,
            ComparisonOperator=AT_LEAST,
            TreatMissingData="notBreaching",
        )
    return found


def app_alarm(slug: str, description: str, metric: str, statistic: str, **properties: Any) -> Template:
    """Return an alarm on one of the app's own metrics."""
    return alarm(
        slug,
        description,
        Namespace=NAMESPACE,
        MetricName=metric,
        Dimensions=dimensions(**{SERVICE_DIMENSION: SERVICE}),
        Statistic=statistic,
        **properties,
    )


def app_alarms() -> Template:
    """Return the alarms on the app's metrics: snapshot failures and age, audit entries that could not be stored."""
    return {
        "SnapshotFailedAlarm": app_alarm(
            "snapshot-failures",
            "The snapshot job failed to write some polls in 3 of the last 5 minutes (SnapshotFailed). "
            "See docs/operations.md.",
            SNAPSHOT_FAILED,
            "Sum",
            Period=60,
            EvaluationPeriods=5,
            DatapointsToAlarm=3,
            Threshold=1,
            ComparisonOperator=AT_LEAST,
            TreatMissingData="notBreaching",
        ),
        "SnapshotAgeAlarm": app_alarm(
            "snapshot-age",
            "The newest results snapshot is older than SnapshotMaxAgeSeconds, or the job stopped reporting "
            "(SnapshotAgeSeconds). See docs/operations.md.",
            SNAPSHOT_AGE_SECONDS,
            "Maximum",
            Period=60,
            EvaluationPeriods=3,
            DatapointsToAlarm=3,
            Threshold=ref("SnapshotMaxAgeSeconds"),
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="breaching",
        ),
        "AuditWriteFailuresAlarm": app_alarm(
            "audit-write-failures",
            "An admin action happened but its audit entry could not be stored (AuditWriteFailures); "
            "the entry is in the API log as audit_unrecorded. See docs/operations.md.",
            AUDIT_WRITE_FAILURES,
            "Sum",
            ComparisonOperator=AT_LEAST,
            **COUNT_ANY,
        ),
    }


def fragment(template: Template) -> Template:
    """Return every alarm of the stage, for the functions Chalice's template has."""
    resources = {**api_alarms(), **table_alarms(), **app_alarms()}
    for logical_id, function in functions(template).items():
        resources.update(function_alarms(logical_id, function))
    return {"Parameters": PARAMETERS, "Resources": resources}
