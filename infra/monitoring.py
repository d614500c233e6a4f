"""The operations half of the merged template, added by `make package` after Chalice writes sam.json.

Chalice generates the functions, their roles and the REST API; `infra/template.json` holds the stage's
tables, bucket, secret and WAF. This module reads what is there and adds, for whatever functions and
tables the template has:

- X-Ray tracing on every function and on the API stage, JSON access logs for the API;
- a log group with retention for every function (`/aws/lambda/<function name>`, created before it);
- an encrypted SQS on-failure destination for every asynchronously invoked function (the schedule);
- an SNS alarm topic (KMS encrypted) with an email subscription (`AlarmEmail` parameter), alarms on the
  API (5XX rate, p99 latency), every function (errors, throttles), every table (throttled requests),
  the snapshot job (failures, age) and every failure queue (messages waiting);
- a CloudWatch dashboard;
- the service side permissions on the function roles (X-Ray, the failure queue), kept out of
  `.chalice/policy-*.json`, which lists exactly what the app's own code calls;
- the Powertools layer ARN resolved for the stack's region;
- checkov skips (with reasons) on the resources Chalice generates.

The app's custom metrics (CloudWatch embedded metric format) are named here, once: see `APP_METRICS`.
"""

from __future__ import annotations

import json
import re
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

Template = dict[str, Any]

# The app's own metrics, in CloudWatch embedded metric format (Powertools Metrics): namespace, the
# `service` dimension every metric carries, and each metric's unit and extra dimensions. The names are the
# app's own (chalicelib/runtime/observability.py), so the alarms and the code cannot disagree.
APP_METRICS: dict[str, dict[str, Any]] = {
    SNAPSHOT_FAILED: {"unit": "Count", "dimensions": (SERVICE_DIMENSION,)},
    SNAPSHOT_AGE_SECONDS: {"unit": "Seconds", "dimensions": (SERVICE_DIMENSION,)},
    VOTE_ACCEPTED: {"unit": "Count", "dimensions": (SERVICE_DIMENSION,)},
    VOTE_REFUSED: {"unit": "Count", "dimensions": (SERVICE_DIMENSION, REASON_DIMENSION)},
}

API_STAGE = "api"
API_NAME = "polls-${Stage}"  # the REST API's name, hence the ApiName dimension of its metrics
ASYNC_EVENT_TYPES = {"Schedule", "ScheduleV2", "CloudWatchEvent", "EventBridgeRule", "S3", "SNS"}
POWERTOOLS_LAYER = re.compile(r":layer:AWSLambdaPowertoolsPythonV3-(python\d+)-")
TOPIC = {"Ref": "AlarmTopic"}
KEY_ARN = {"Fn::GetAtt": ["OperationsKey", "Arn"]}

PARAMETERS: Template = {
    "AlarmEmail": {
        "Type": "String",
        "AllowedPattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        "ConstraintDescription": "an email address",
        "Description": "Where alarms are sent (SNS email subscription; the address must confirm it once).",
    },
    "LogRetentionDays": {
        "Type": "Number",
        "Default": 30,
        "AllowedValues": [7, 14, 30, 60, 90, 180, 365],
        "Description": "Retention of the function and API access log groups.",
    },
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

# Deliberate exceptions to checkov's rules on what Chalice generates, with the reason.
FUNCTION_SKIPS = {
    "CKV_AWS_117": "Calls only AWS public endpoints (DynamoDB, S3, Secrets Manager); a VPC would add NAT or "
    "endpoint cost and cold-start time with no private resource to reach",
    "CKV_AWS_173": "The environment holds only resource names and tuning numbers; secrets are read from "
    "Secrets Manager at run time",
}
SYNC_DLQ_SKIP = "Invoked synchronously by API Gateway; a dead-letter queue applies only to asynchronous invocations"
ASYNC_DLQ_SKIP = (
    "Failed asynchronous runs go to the on-failure destination (EventInvokeConfig to an encrypted SQS queue), "
    "which records the error as well as the event"
)
API_SKIPS = {
    "CKV_AWS_120": "Answers vary per voter and per admin and public ones carry Cache-Control for the CDN; "
    "a stage cache would serve stale results and is billed per hour",
}


def sub(text: str) -> dict[str, str]:
    """Return an Fn::Sub of the text."""
    return {"Fn::Sub": text}


def skips(items: dict[str, str]) -> dict[str, Any]:
    """Return the checkov Metadata that skips these checks, with their reasons."""
    return {"checkov": {"skip": [{"id": check, "comment": reason} for check, reason in items.items()]}}


def add_skips(resource: Template, items: dict[str, str]) -> None:
    """Add checkov skips to a resource's Metadata, keeping any it has."""
    existing = resource.setdefault("Metadata", {}).setdefault("checkov", {}).setdefault("skip", [])
    existing += skips(items)["checkov"]["skip"]


def functions(template: Template) -> dict[str, Template]:
    """Return the template's Lambda functions by logical id."""
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def is_async(function: Template) -> bool:
    """Tell whether a function is invoked asynchronously (by a schedule or an event source that queues)."""
    events = function["Properties"].get("Events", {})
    return any(event["Type"] in ASYNC_EVENT_TYPES for event in events.values())


def handler_name(function: Template) -> str:
    """Return the name of the function's handler in app.py (`app` for the API handler)."""
    return str(function["Properties"]["Handler"]).rsplit(".", 1)[-1]


def function_name(logical_id: str, function: Template) -> str:
    """Return the function's name as Chalice's own deploys name it: polls-<stage>[-<handler>]."""
    if logical_id == "APIHandler":
        return "polls-${Stage}"
    return "polls-${Stage}-" + handler_name(function)


def short_name(logical_id: str, function: Template) -> str:
    """Return the function's short name for alarm names: `api`, `snapshot-results`."""
    return "api" if logical_id == "APIHandler" else handler_name(function).replace("_", "-")


def alarm(slug: str, description: str, **properties: Any) -> Template:
    """Return a CloudWatch alarm that notifies the alarm topic when it fires and when it clears.

    Its name is polls-<stage>-<slug>; the description may name parameters and resources as ${Name}.
    """
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": sub(f"polls-${{Stage}}-{slug}"),
            "AlarmDescription": sub(description),
            "ActionsEnabled": True,
            "AlarmActions": [TOPIC],
            "OKActions": [TOPIC],
            **properties,
        },
    }


def dimensions(**pairs: Any) -> list[dict[str, Any]]:
    """Return CloudWatch dimensions from keyword pairs."""
    return [{"Name": name, "Value": value} for name, value in pairs.items()]


def metric_stat(metric_id: str, namespace: str, metric: str, stat: str, dims: list[dict[str, Any]]) -> Template:
    """Return one metric of an alarm's metric math, not itself returned."""
    return {
        "Id": metric_id,
        "MetricStat": {
            "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dims},
            "Period": 60,
            "Stat": stat,
        },
        "ReturnData": False,
    }


def api_dimensions() -> list[dict[str, Any]]:
    """Return the dimensions of the REST API stage's metrics."""
    return dimensions(ApiName=sub(API_NAME), Stage=API_STAGE)


def app_dimensions() -> list[dict[str, Any]]:
    """Return the `service` dimension of the app's own metrics."""
    return dimensions(**{SERVICE_DIMENSION: SERVICE})


def key_and_topic() -> Template:
    """Return the stage's KMS key (alarm topic, log groups), the alarm topic and its email subscription."""
    statements = [
        {
            "Sid": "TheAccountAdministersTheKey",
            "Effect": "Allow",
            "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "CloudWatchAlarmsPublishToTheEncryptedTopic",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
        },
        {
            "Sid": "LogsEncryptTheStagesLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": sub("logs.${AWS::Region}.amazonaws.com")},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": sub(
                        "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"
                    )
                }
            },
        },
    ]
    return {
        "OperationsKey": {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": sub("polls ${Stage}: encrypts the alarm topic and the log groups"),
                "EnableKeyRotation": True,
                "KeyPolicy": {"Version": "2012-10-17", "Statement": statements},
            },
        },
        "OperationsKeyAlias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {
                "AliasName": sub("alias/polls-${Stage}-operations"),
                "TargetKeyId": {"Ref": "OperationsKey"},
            },
        },
        "AlarmTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": sub("polls-${Stage}-alarms"),
                "DisplayName": sub("polls ${Stage} alarms"),
                "KmsMasterKeyId": {"Ref": "OperationsKey"},
            },
        },
        "AlarmEmailSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {"TopicArn": TOPIC, "Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}},
        },
    }


def log_group(name: Any) -> Template:
    """Return a KMS-encrypted log group with the stage's retention."""
    return {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {
            "LogGroupName": name,
            "RetentionInDays": {"Ref": "LogRetentionDays"},
            "KmsKeyId": KEY_ARN,
        },
    }


def service_policy(function_id: str, queue_id: str | None) -> Template:
    """Return the inline policy for what Lambda itself does with the function's role."""
    statements: list[Template] = [
        {
            "Sid": "LambdaSendsXRayTraces",
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",  # X-Ray has no resource-level permissions
        }
    ]
    if queue_id:
        statements.append(
            {
                "Sid": "LambdaSendsFailedRunsToTheDestination",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
            }
        )
    return {
        "PolicyName": f"{function_id}LambdaService",
        "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
    }


def failure_queue(queue_id: str, function_name: str, slug: str, description: str) -> Template:
    """Return an encrypted on-failure queue for a function (`<function name>-failures`) and its alarm."""
    return {
        queue_id: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": sub(f"{function_name}-failures"),
                "KmsMasterKeyId": "alias/aws/sqs",
                "MessageRetentionPeriod": 1209600,
            },
        },
        f"{queue_id}Alarm": alarm(
            slug,
            description,
            Namespace="AWS/SQS",
            MetricName="ApproximateNumberOfMessagesVisible",
            Dimensions=dimensions(QueueName={"Fn::GetAtt": [queue_id, "QueueName"]}),
            Statistic="Maximum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="notBreaching",
        ),
    }


def function_resources(logical_id: str, function: Template, resources: Template) -> Template:
    """Trace a function, name it, give it a log group, alarms and (if asynchronous) a failure destination."""
    properties = function["Properties"]
    name = function_name(logical_id, function)
    properties["FunctionName"] = sub(name)
    properties["Tracing"] = "Active"
    log_id = f"{logical_id}LogGroup"
    function["DependsOn"] = sorted({*function.get("DependsOn", []), log_id})
    added: Template = {log_id: log_group(sub(f"/aws/lambda/{name}"))}
    fn_dims = dimensions(FunctionName={"Ref": logical_id})
    short = short_name(logical_id, function)
    for metric, what in (
        ("Errors", "failed invocations (timeouts, crashes, out of memory)"),
        ("Throttles", "throttled invocations (reserved concurrency reached)"),
    ):
        added[f"{logical_id}{metric}Alarm"] = alarm(
            f"{short}-{metric.lower()}",
            f"{name}: {what} in the last 5 minutes. See OPERATIONS.md.",
            Namespace="AWS/Lambda",
            MetricName=metric,
            Dimensions=fn_dims,
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="notBreaching",
        )
    queue_id = None
    if is_async(function):
        queue_id = f"{logical_id}FailureQueue"
        added.update(
            failure_queue(
                queue_id,
                name,
                f"{short}-failed-runs",
                f"{name}: runs failed after Lambda's retries and wait in the failure queue. See OPERATIONS.md.",
            )
        )
        properties["EventInvokeConfig"] = {
            "MaximumRetryAttempts": 2,
            # A run that could not start for 10 minutes (throttled behind a slow one) is superseded by newer
            # runs; it goes to the failure queue instead of waiting up to Lambda's default 6 hours.
            "MaximumEventAgeInSeconds": 600,
            "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}},
        }
    role_id = properties["Role"]["Fn::GetAtt"][0]
    resources[role_id]["Properties"].setdefault("Policies", []).append(service_policy(logical_id, queue_id))
    add_skips(function, {"CKV_AWS_116": ASYNC_DLQ_SKIP if queue_id else SYNC_DLQ_SKIP, **FUNCTION_SKIPS})
    return added


def resolve_layers(function: Template) -> None:
    """Make `{region}` in layer ARNs the stack's region, and check the Powertools layer fits the runtime."""
    properties = function["Properties"]
    runtime = properties["Runtime"].replace(".", "")
    layers = []
    for layer in properties.get("Layers", []):
        if isinstance(layer, str):
            match = POWERTOOLS_LAYER.search(layer)
            if match and match.group(1) != runtime:
                raise SystemExit(f"the Powertools layer is built for {match.group(1)} but the function runs {runtime}")
        resolved = sub(layer.replace("{region}", "${AWS::Region}")) if "{region}" in str(layer) else layer
        layers.append(resolved)
    if layers:
        properties["Layers"] = layers


ACCESS_LOG_FORMAT = {
    # No source IP, user agent or query string: voter tokens and IPs are never stored in clear.
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "path": "$context.path",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integration.status",
    "errorType": "$context.error.responseType",
    "errorMessage": "$context.error.message",
    "wafResponseCode": "$context.wafResponseCode",
    "xrayTraceId": "$context.xrayTraceId",
}


def api_resources(api: Template) -> Template:
    """Name the API per stage, trace it, log its requests as JSON, and alarm on its 5XX rate and p99 latency."""
    properties = api["Properties"]
    properties["Name"] = sub(API_NAME)
    properties["DefinitionBody"]["info"]["title"] = sub(API_NAME)
    properties["TracingEnabled"] = True
    properties["AccessLogSetting"] = {
        "DestinationArn": {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]},
        "Format": json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
    }
    add_skips(api, API_SKIPS)
    errors = metric_stat("errors", "AWS/ApiGateway", "5XXError", "Sum", api_dimensions())
    requests = metric_stat("requests", "AWS/ApiGateway", "Count", "Sum", api_dimensions())
    return {
        "ApiAccessLogGroup": log_group(sub("/aws/apigateway/polls-${Stage}-access")),
        "Api5xxRateAlarm": alarm(
            "api-5xx-rate",
            "Share of API requests answered with a 5XX (minutes with at least 10 requests). See OPERATIONS.md.",
            Metrics=[
                {
                    "Id": "rate",
                    "Expression": "IF(requests >= 10, 100 * errors / requests, 0)",
                    "Label": "5XX responses (% of requests)",
                    "ReturnData": True,
                },
                errors,
                requests,
            ],
            EvaluationPeriods=5,
            DatapointsToAlarm=3,
            Threshold={"Ref": "Api5xxRatePercent"},
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching",
        ),
        "ApiLatencyP99Alarm": alarm(
            "api-latency-p99",
            "API p99 latency (API Gateway Latency) above ApiLatencyP99Milliseconds for 5 minutes. See OPERATIONS.md.",
            Namespace="AWS/ApiGateway",
            MetricName="Latency",
            Dimensions=api_dimensions(),
            ExtendedStatistic="p99",
            Period=60,
            EvaluationPeriods=5,
            DatapointsToAlarm=5,
            Threshold={"Ref": "ApiLatencyP99Milliseconds"},
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching",
        ),
    }


def throttled_requests_query(table_id: str) -> dict[str, str]:
    """Return a Metrics Insights query summing a table's ThrottledRequests over every operation."""
    return sub(
        'SELECT SUM(ThrottledRequests) FROM SCHEMA("AWS/DynamoDB", Operation, TableName) '
        f"WHERE TableName = '${{{table_id}}}'"
    )


def table_alarms(template: Template) -> Template:
    """Alarm on each table's throttled requests (any operation), 2 minutes out of 5."""
    added: Template = {}
    for table_id, table in template["Resources"].items():
        if table["Type"] != "AWS::DynamoDB::Table":
            continue
        slug = table["Properties"]["TableName"]["Fn::Sub"].replace("-${Stage}", "")
        added[f"{table_id}ThrottledRequestsAlarm"] = alarm(
            f"{slug}-throttled",
            f"DynamoDB throttles requests to the table ${{{table_id}}} (ThrottledRequests, any operation). "
            "See OPERATIONS.md.",
            Metrics=[
                {
                    "Id": "throttled",
                    "Expression": throttled_requests_query(table_id),
                    "Period": 60,
                    "Label": "throttled requests",
                    "ReturnData": True,
                }
            ],
            EvaluationPeriods=5,
            DatapointsToAlarm=2,
            Threshold=10,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="notBreaching",
        )
    return added


def snapshot_alarms() -> Template:
    """Alarm on the snapshot job's failures and on the age of the newest snapshot (the app's own metrics)."""
    return {
        "SnapshotFailedAlarm": alarm(
            "snapshot-failures",
            "The snapshot job failed to write some polls in 3 of the last 5 minutes (SnapshotFailed). "
            "See OPERATIONS.md.",
            Namespace=NAMESPACE,
            MetricName=SNAPSHOT_FAILED,
            Dimensions=app_dimensions(),
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=5,
            DatapointsToAlarm=3,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="notBreaching",
        ),
        "SnapshotAgeAlarm": alarm(
            "snapshot-age",
            "The newest results snapshot is older than SnapshotMaxAgeSeconds, or the job stopped reporting "
            "(SnapshotAgeSeconds). See OPERATIONS.md.",
            Namespace=NAMESPACE,
            MetricName=SNAPSHOT_AGE_SECONDS,
            Dimensions=app_dimensions(),
            Statistic="Maximum",
            Period=60,
            EvaluationPeriods=3,
            DatapointsToAlarm=3,
            Threshold={"Ref": "SnapshotMaxAgeSeconds"},
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="breaching",
        ),
    }


def search(schema: str, metric: str, filters: str, stat: str = "Sum") -> str:
    """Return a dashboard SEARCH expression over one metric."""
    return f"SEARCH('{{{schema}}} MetricName=\"{metric}\" {filters}', '{stat}', 60)"


def refused_votes() -> str:
    """Return the SEARCH expression for refused votes, one series per reason."""
    schema = f"{NAMESPACE},{REASON_DIMENSION},{SERVICE_DIMENSION}"
    return search(schema, VOTE_REFUSED, f'{SERVICE_DIMENSION}="{SERVICE}"')


def table_throttles(table_id: str) -> str:
    """Return the expression summing a table's ThrottledRequests over every operation."""
    return (
        "SUM(" + search("AWS/DynamoDB,Operation,TableName", "ThrottledRequests", f'TableName="${{{table_id}}}"') + ")"
    )


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
    return ["AWS/ApiGateway", metric, "ApiName", API_NAME, "Stage", API_STAGE, options]


def app_metric(metric: str, **options: Any) -> list[Any]:
    """Return a dashboard line for one of the app's own metrics."""
    return [NAMESPACE, metric, SERVICE_DIMENSION, SERVICE, options]


def lambda_metric(metric: str, name: str, **options: Any) -> list[Any]:
    """Return a dashboard line for one function's Lambda metric."""
    return ["AWS/Lambda", metric, "FunctionName", name, options]


def vote_widgets() -> list[Template]:
    """Return the widgets of votes per second and refusals by reason."""
    refused = refused_votes()
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


def dashboard(template: Template) -> Template:
    """Return the stage's dashboard: votes, refusals, latency, throttles, snapshots, errors, alarms."""
    resources = template["Resources"]
    names = {fid: function_name(fid, fn) for fid, fn in functions(template).items()}
    queues = [f"{fid}FailureQueue" for fid, fn in functions(template).items() if is_async(fn)]
    tables = [tid for tid, r in resources.items() if r["Type"] == "AWS::DynamoDB::Table"]
    alarms = sorted(aid for aid, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm")
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
        widget(
            "Throttles (per minute)",
            [lambda_metric("Throttles", name, stat="Sum", label=f"Lambda {name}") for name in names.values()]
            + [
                [{"expression": table_throttles(tid), "id": f"throttled{tid}", "label": f"DynamoDB ${{{tid}}}"}]
                for tid in tables
            ],
        ),
        widget(
            "Results snapshots",
            [
                app_metric(SNAPSHOT_AGE_SECONDS, stat="Maximum", label="age of the newest snapshot (s)"),
                app_metric(SNAPSHOT_FAILED, stat="Sum", label="polls failed", yAxis="right"),
            ]
            + [
                [
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    "QueueName",
                    f"${{{queue}.QueueName}}",
                    {"stat": "Maximum", "label": "failed runs waiting", "yAxis": "right"},
                ]
                for queue in queues
            ],
            right_label="count",
        ),
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
            [lambda_metric("ConcurrentExecutions", n, stat="Maximum", label=f"concurrency {n}") for n in names.values()]
            + [lambda_metric("Errors", n, stat="Sum", label=f"errors {n}", yAxis="right") for n in names.values()],
            right_label="errors",
        ),
        {
            "type": "alarm",
            "width": 12,
            "height": 6,
            "properties": {"title": "Alarms", "alarms": [f"${{{aid}.Arn}}" for aid in alarms]},
        },
    ]
    for index, item in enumerate(widgets):
        item["x"], item["y"] = (index % 2) * 12, (index // 2) * 6
    body = json.dumps({"widgets": widgets}, separators=(",", ":"))
    return {
        "OperationsDashboard": {
            "Type": "AWS::CloudWatch::Dashboard",
            "Properties": {"DashboardName": sub("polls-${Stage}"), "DashboardBody": sub(body)},
        }
    }


def apply(template: Template) -> Template:
    """Add the operations resources to a Chalice-generated, infra-merged template (in place); return it."""
    resources = template["Resources"]
    template.setdefault("Parameters", {}).update(PARAMETERS)
    added: Template = key_and_topic()
    for logical_id, function in functions(template).items():
        resolve_layers(function)
        added.update(function_resources(logical_id, function, resources))
    added.update(api_resources(resources["RestAPI"]))
    added.update(table_alarms(template))
    added.update(snapshot_alarms())
    resources.update(added)
    resources.update(dashboard(template))
    outputs = template.setdefault("Outputs", {})
    outputs["DashboardUrl"] = {
        "Value": sub(
            "https://${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=${AWS::Region}#dashboards:name=polls-${Stage}"
        ),
        "Description": "The stage's CloudWatch dashboard.",
    }
    outputs["AlarmTopicArn"] = {"Value": TOPIC, "Description": "Alarms are published here (email: AlarmEmail)."}
    for name in resources:
        if name.endswith("FailureQueue"):
            outputs[f"{name}Url"] = {"Value": {"Ref": name}, "Description": "Runs that failed after Lambda's retries."}
    return template
