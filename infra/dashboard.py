"""The stage's one CloudWatch dashboard, built last from the finished template: votes per second, refusals by reason,
API latency, throttles (every function and table), snapshots and failure queues, API requests and errors, Lambda
concurrency and errors, and every alarm of the template.

Alarms are listed by the ARN their names give (not by reference), so the dashboard depends on no alarm resource.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.runtime.observability import (
    NAMESPACE,
    REASON_DIMENSION,
    SERVICE,
    SERVICE_DIMENSION,
    SNAPSHOT_AGE_SECONDS,
    SNAPSHOT_FAILED,
    VOTE_ACCEPTED,
    VOTE_REFUSED,
)
from infra.names import (
    API_NAME,
    API_STAGE_NAME,
    DASHBOARD,
    Template,
    failure_queue,
    function_name,
    functions,
    invocation,
    sub,
)

API = API_NAME.format(stage="${Stage}")
ALARM_ARN = "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:"


def search(schema: str, metric: str, filters: str, stat: str = "Sum") -> str:
    """Return a dashboard SEARCH expression over one metric."""
    return f"SEARCH('{{{schema}}} MetricName=\"{metric}\" {filters}', '{stat}', 60)"


def widget(title: str, metrics: list[Any], *, stacked: bool = False, right_label: str | None = None) -> Template:
    """Return a time series widget over the stage's region."""
    properties: Template = {
        "title": title,
        "view": "timeSeries",
        "stacked": stacked,
        "region": "${AWS::Region}",
        "period": 60,
        "metrics": metrics,
    }
    if right_label:
        properties["yAxis"] = {"right": {"label": right_label, "showUnits": False}}
    return {"type": "metric", "width": 12, "height": 6, "properties": properties}


def api_metric(metric: str, **options: Any) -> list[Any]:
    """Return a dashboard line for one of the API stage's metrics."""
    return ["AWS/ApiGateway", metric, "ApiName", API, "Stage", API_STAGE_NAME, options]


def app_metric(metric: str, **options: Any) -> list[Any]:
    """Return a dashboard line for one of the app's own metrics."""
    return [NAMESPACE, metric, SERVICE_DIMENSION, SERVICE, options]


def lambda_metric(metric: str, name: str, **options: Any) -> list[Any]:
    """Return a dashboard line for one function's Lambda metric."""
    return ["AWS/Lambda", metric, "FunctionName", name, options]


def vote_widgets() -> list[Template]:
    """Return the widgets of votes per second and refusals by reason."""
    schema = f"{NAMESPACE},{REASON_DIMENSION},{SERVICE_DIMENSION}"
    refused = search(schema, VOTE_REFUSED, f'{SERVICE_DIMENSION}="{SERVICE}"')
    return [
        widget(
            "Votes per second",
            [
                [{"expression": "accepted / PERIOD(accepted)", "label": "accepted votes / s", "id": "perSecond"}],
                [{"expression": f"SUM({refused}) / 60", "label": "refused votes / s", "id": "refusedPerSecond"}],
                app_metric(VOTE_ACCEPTED, id="accepted", stat="Sum", visible=False),
            ],
        ),
        widget("Refused votes by reason (per minute)", [[{"expression": refused, "id": "byReason"}]], stacked=True),
    ]


def throttles(names: list[str], tables: list[str]) -> Template:
    """Return the widget of throttles: each function's, and each table's over every operation."""
    lines = [lambda_metric("Throttles", name, stat="Sum", label=f"Lambda {name}") for name in names]
    for table in tables:
        expression = (
            "SUM(" + search("AWS/DynamoDB,Operation,TableName", "ThrottledRequests", f'TableName="${{{table}}}"') + ")"
        )
        lines.append([{"expression": expression, "id": f"throttled{table}", "label": f"DynamoDB ${{{table}}}"}])
    return widget("Throttles (per minute)", lines)


def snapshots(queues: list[str]) -> Template:
    """Return the widget of the results snapshots: age, failures, and what waits in the failure queues."""
    lines = [
        app_metric(SNAPSHOT_AGE_SECONDS, stat="Maximum", label="age of the newest snapshot (s)"),
        app_metric(SNAPSHOT_FAILED, stat="Sum", label="polls failed", yAxis="right"),
    ]
    for queue in queues:
        label = {"stat": "Maximum", "label": f"waiting in {queue}", "yAxis": "right"}
        lines.append(["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", f"${{{queue}.QueueName}}", label])
    return widget("Results snapshots", lines, right_label="count")


def body(template: Template) -> Template:
    """Return the dashboard's widgets for what the template defines."""
    resources = template["Resources"]
    found = functions(template)
    names = [function_name(fid, fn).format(stage="${Stage}") for fid, fn in found.items()]
    queues = [failure_queue(fid) for fid, fn in found.items() if invocation(fn) != "api"]
    tables = [tid for tid, r in resources.items() if r["Type"] == "AWS::DynamoDB::Table"]
    alarms = sorted(
        r["Properties"]["AlarmName"]["Fn::Sub"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"
    )
    widgets = vote_widgets()
    widgets += [
        widget(
            "API latency (ms)",
            [
                api_metric("Latency", stat="p50", label="p50"),
                api_metric("Latency", stat="p99", label="p99"),
                api_metric("IntegrationLatency", stat="p99", label="integration p99"),
            ],
        ),
        throttles(names, tables),
        snapshots(queues),
        widget(
            "API requests and errors (per minute)",
            [
                api_metric("Count", stat="Sum", label="requests"),
                api_metric("4XXError", stat="Sum", label="4XX", yAxis="right"),
                api_metric("5XXError", stat="Sum", label="5XX", yAxis="right"),
            ],
            right_label="errors",
        ),
        widget(
            "Lambda concurrency and errors",
            [lambda_metric("ConcurrentExecutions", n, stat="Maximum", label=f"concurrency {n}") for n in names]
            + [lambda_metric("Errors", n, stat="Sum", label=f"errors {n}", yAxis="right") for n in names],
            right_label="errors",
        ),
        {
            "type": "alarm",
            "width": 12,
            "height": 6,
            "properties": {"title": "Alarms", "alarms": [ALARM_ARN + name for name in alarms]},
        },
    ]
    for index, item in enumerate(widgets):
        item["x"], item["y"] = (index % 2) * 12, (index // 2) * 6
    return {"widgets": widgets}


def fragment(template: Template) -> Template:
    """Return the dashboard of the finished template, and where to find it."""
    dashboard = {
        "Type": "AWS::CloudWatch::Dashboard",
        "Properties": {
            "DashboardName": sub(API),
            "DashboardBody": sub(json.dumps(body(template), separators=(",", ":"))),
        },
    }
    url = "https://${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=${AWS::Region}#dashboards:name=" + API
    outputs = {"DashboardUrl": {"Value": sub(url), "Description": "The stage's CloudWatch dashboard."}}
    return {"Resources": {DASHBOARD: dashboard}, "Outputs": outputs}
