"""Operable in production: the merged template's alarms, dashboard, logs, tracing, failure destinations,
WAF managed rules and Powertools layer, and checkov (and cfn-lint) clean on it for every stage."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infra import alarms, functions
from infra import build as packaging
from infra.edge import DISTRIBUTION_SKIPS
from tests.conftest import ROOT

STAGES = ("dev", "prod")
CHECKOV = ROOT / ".venv" / "checkov" / "bin" / "checkov"
TOPIC = {"Ref": "AlarmTopic"}
API = {"ApiName": "polls-${Stage}", "Stage": "api"}
APP = {"service": "polls"}

# Every alarm: the metrics it watches (namespace, metric, dimensions, statistic).
ALARMS: dict[str, list[tuple[str, str, dict[str, str], str]]] = {
    "Api5xxRateAlarm": [("AWS/ApiGateway", "5XXError", API, "Sum"), ("AWS/ApiGateway", "Count", API, "Sum")],
    "ApiLatencyP99Alarm": [("AWS/ApiGateway", "Latency", API, "p99")],
    "APIHandlerErrorsAlarm": [("AWS/Lambda", "Errors", {"FunctionName": "${APIHandler}"}, "Sum")],
    "APIHandlerThrottlesAlarm": [("AWS/Lambda", "Throttles", {"FunctionName": "${APIHandler}"}, "Sum")],
    "SnapshotResultsErrorsAlarm": [("AWS/Lambda", "Errors", {"FunctionName": "${SnapshotResults}"}, "Sum")],
    "SnapshotResultsThrottlesAlarm": [("AWS/Lambda", "Throttles", {"FunctionName": "${SnapshotResults}"}, "Sum")],
    "PublishResultsErrorsAlarm": [("AWS/Lambda", "Errors", {"FunctionName": "${PublishResults}"}, "Sum")],
    "PublishResultsThrottlesAlarm": [("AWS/Lambda", "Throttles", {"FunctionName": "${PublishResults}"}, "Sum")],
    "PublishResultsIteratorAgeAlarm": [("AWS/Lambda", "IteratorAge", {"FunctionName": "${PublishResults}"}, "Maximum")],
    "RenderCardsErrorsAlarm": [("AWS/Lambda", "Errors", {"FunctionName": "${RenderCards}"}, "Sum")],
    "RenderCardsThrottlesAlarm": [("AWS/Lambda", "Throttles", {"FunctionName": "${RenderCards}"}, "Sum")],
    "RenderCardsIteratorAgeAlarm": [("AWS/Lambda", "IteratorAge", {"FunctionName": "${RenderCards}"}, "Maximum")],
    "RenderCardsFailureQueueAlarm": [
        (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": "${RenderCardsFailureQueue.QueueName}"},
            "Maximum",
        ),
    ],
    "RefreshCardsErrorsAlarm": [("AWS/Lambda", "Errors", {"FunctionName": "${RefreshCards}"}, "Sum")],
    "RefreshCardsThrottlesAlarm": [("AWS/Lambda", "Throttles", {"FunctionName": "${RefreshCards}"}, "Sum")],
    "RefreshCardsFailureQueueAlarm": [
        (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": "${RefreshCardsFailureQueue.QueueName}"},
            "Maximum",
        ),
    ],
    "ExportBallotsErrorsAlarm": [("AWS/Lambda", "Errors", {"FunctionName": "${ExportBallots}"}, "Sum")],
    "ExportBallotsThrottlesAlarm": [("AWS/Lambda", "Throttles", {"FunctionName": "${ExportBallots}"}, "Sum")],
    "ExportBallotsFailureQueueAlarm": [
        (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": "${ExportBallotsFailureQueue.QueueName}"},
            "Maximum",
        ),
    ],
    "FoldBallotsErrorsAlarm": [("AWS/Lambda", "Errors", {"FunctionName": "${FoldBallots}"}, "Sum")],
    "FoldBallotsThrottlesAlarm": [("AWS/Lambda", "Throttles", {"FunctionName": "${FoldBallots}"}, "Sum")],
    "FoldBallotsIteratorAgeAlarm": [("AWS/Lambda", "IteratorAge", {"FunctionName": "${FoldBallots}"}, "Maximum")],
    "FoldBallotsFailureQueueAlarm": [
        (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": "${FoldBallotsFailureQueue.QueueName}"},
            "Maximum",
        ),
    ],
    "PublishResultsFailureQueueAlarm": [
        (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": "${PublishResultsFailureQueue.QueueName}"},
            "Maximum",
        ),
    ],
    "PollsTableThrottledRequestsAlarm": [
        ("AWS/DynamoDB", "ThrottledRequests", {"TableName": "${PollsTable}"}, "SUM"),
    ],
    "GuardsTableThrottledRequestsAlarm": [
        ("AWS/DynamoDB", "ThrottledRequests", {"TableName": "${GuardsTable}"}, "SUM"),
    ],
    "BallotsTableThrottledRequestsAlarm": [
        ("AWS/DynamoDB", "ThrottledRequests", {"TableName": "${BallotsTable}"}, "SUM"),
    ],
    "AuditTableThrottledRequestsAlarm": [
        ("AWS/DynamoDB", "ThrottledRequests", {"TableName": "${AuditTable}"}, "SUM"),
    ],
    "AuditWriteFailuresAlarm": [("Polls", "AuditWriteFailures", APP, "Sum")],
    "SnapshotFailedAlarm": [("Polls", "SnapshotFailed", APP, "Sum")],
    "SnapshotAgeAlarm": [("Polls", "SnapshotAgeSeconds", APP, "Maximum")],
    "SnapshotResultsFailureQueueAlarm": [
        (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": "${SnapshotResultsFailureQueue.QueueName}"},
            "Maximum",
        ),
    ],
}
ALARM_CASES = [(alarm, metric) for alarm, metrics in ALARMS.items() for metric in metrics]

# Every function: its name, and how it is invoked (an asynchronous one needs an on-failure destination).
FUNCTIONS = {
    "APIHandler": ("polls-${Stage}", "api"),
    "SnapshotResults": ("polls-${Stage}-snapshot_results", "async"),
    "PublishResults": ("polls-${Stage}-publish_results", "stream"),  # its event source has its own failure queue
    "FoldBallots": ("polls-${Stage}-fold_ballots", "stream"),
    "RenderCards": ("polls-${Stage}-render_cards", "stream"),  # the share cards: the polls table's stream
    "RefreshCards": ("polls-${Stage}-refresh_cards", "async"),  # and every CARD_EVERY
    "ExportBallots": ("polls-${Stage}-export_ballots", "async"),  # the analytics export, daily
}

# What each dashboard widget must show (substrings of its metric lines and expressions).
DASHBOARD = {
    "Votes per second": ['"Polls","VoteAccepted","service","polls"', "PERIOD("],
    "Refused votes by reason (per minute)": ["{Polls,reason,service}", 'MetricName="VoteRefused"', 'service="polls"'],
    "API latency (ms)": [
        '"AWS/ApiGateway","Latency","ApiName","polls-${Stage}","Stage","api",{"stat":"p50"',
        '{"stat":"p99"',
    ],
    "Throttles (per minute)": [
        '"AWS/Lambda","Throttles","FunctionName","polls-${Stage}"',
        '"AWS/Lambda","Throttles","FunctionName","polls-${Stage}-snapshot_results"',
        'MetricName="ThrottledRequests" TableName="${PollsTable}"',
        'MetricName="ThrottledRequests" TableName="${GuardsTable}"',
        'MetricName="ThrottledRequests" TableName="${BallotsTable}"',
    ],
    "Results snapshots": [
        '"Polls","SnapshotAgeSeconds","service","polls"',
        '"Polls","SnapshotFailed","service","polls"',
    ],
}

# The WAF's managed rule groups on the vote route, and what each does (when AnonymousIpAction is count/block).
MANAGED_GROUPS = {
    "AWSManagedRulesAmazonIpReputationList": {"count": "None", "block": "None"},
    "AWSManagedRulesAnonymousIpList": {"count": "Count", "block": "None"},
    "AWSManagedRulesKnownBadInputsRuleSet": {"count": "None", "block": "None"},
}

CARD_FUNCTIONS = ("RenderCards", "RefreshCards")  # the only ones with the card layer (Pillow and the fonts)
TOKEN_FUNCTIONS = ("APIHandler",)  # the only one with the token layer (cryptography, for Private Access Tokens)
FUNCTION_SKIPS = ("CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173")
# Every deliberate checkov exception: (resource, check).
SKIPS = {
    ("PollsTable", "CKV_AWS_119"),
    ("GuardsTable", "CKV_AWS_119"),
    ("BallotsTable", "CKV_AWS_119"),
    ("AuditTable", "CKV_AWS_119"),
    ("ResultsBucket", "CKV_AWS_18"),
    ("AppSecret", "CKV_AWS_149"),
    ("RestAPI", "CKV_AWS_120"),
    ("APIHandler", "CKV_AWS_116"),
    ("APIHandler", "CKV_AWS_117"),
    ("APIHandler", "CKV_AWS_173"),
    ("SnapshotResults", "CKV_AWS_116"),
    ("SnapshotResults", "CKV_AWS_117"),
    ("SnapshotResults", "CKV_AWS_173"),
    ("PublishResults", "CKV_AWS_116"),
    ("PublishResults", "CKV_AWS_117"),
    ("PublishResults", "CKV_AWS_173"),
    ("FoldBallots", "CKV_AWS_116"),
    ("FoldBallots", "CKV_AWS_117"),
    ("FoldBallots", "CKV_AWS_173"),
    *((function, check) for function in ("RenderCards", "RefreshCards", "ExportBallots") for check in FUNCTION_SKIPS),
    ("EdgeSecret", "CKV_AWS_149"),
    *(("SiteDistribution", check) for check in DISTRIBUTION_SKIPS),
}


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`make package` for each deployable stage, built once for the module."""
    return {stage: packaging.package(stage, tmp_path_factory.mktemp(stage)) for stage in STAGES}


@pytest.fixture(scope="module")
def templates(packages: dict[str, Path]) -> dict[str, dict[str, Any]]:
    return {stage: json.loads((path / "sam.json").read_text()) for stage, path in packages.items()}


@pytest.fixture
def resources(templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return templates["dev"]["Resources"]


def text(value: Any) -> Any:
    """Write Ref, GetAtt and Sub the way Fn::Sub would: ${Name}, ${Name.Attribute}, the string."""
    if isinstance(value, dict) and "Ref" in value:
        return "${" + value["Ref"] + "}"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    if isinstance(value, dict) and "Fn::Sub" in value:
        return value["Fn::Sub"]
    return value


INSIGHTS = re.compile(r'^SELECT (\w+)\((\w+)\) FROM SCHEMA\("([^"]+)", ([\w, ]+)\) WHERE (\w+) = \'([^\']+)\'$')


def watched(alarm: dict[str, Any]) -> list[tuple[str, str, dict[str, str], str]]:
    """Return the metrics an alarm watches: a single metric, metric math, or a Metrics Insights query."""
    properties = alarm["Properties"]
    if "MetricName" in properties:
        stat = properties.get("Statistic") or properties["ExtendedStatistic"]
        dims = {d["Name"]: text(d["Value"]) for d in properties.get("Dimensions", [])}
        return [(properties["Namespace"], properties["MetricName"], dims, stat)]
    found = []
    for query in properties["Metrics"]:
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            dims = {d["Name"]: text(d["Value"]) for d in metric.get("Dimensions", [])}
            found.append((metric["Namespace"], metric["MetricName"], dims, query["MetricStat"]["Stat"]))
        elif isinstance(query["Expression"], dict):  # a Metrics Insights query (Fn::Sub of the table name)
            match = INSIGHTS.match(text(query["Expression"]))
            assert match, query["Expression"]
            stat, metric, namespace, _, dim, value = match.groups()
            found.append((namespace, metric, {dim: value}, stat))
    return found


def dashboard_body(resources: dict[str, Any]) -> dict[str, Any]:
    return json.loads(resources["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"])


def evaluate(value: Any, conditions: dict[str, bool]) -> Any:
    """Resolve Fn::If for the given condition values."""
    if isinstance(value, dict) and "Fn::If" in value:
        name, yes, no = value["Fn::If"]
        return evaluate(yes if conditions[name] else no, conditions)
    return value


@pytest.mark.parametrize(("alarm", "metric"), ALARM_CASES, ids=[f"{a}-{m[1]}" for a, m in ALARM_CASES])
def test_each_alarm_watches_its_metric_and_notifies_the_alarm_topic(resources, alarm, metric):
    resource = resources[alarm]
    assert resource["Type"] == "AWS::CloudWatch::Alarm"
    assert metric in watched(resource)
    properties = resource["Properties"]
    assert properties["ActionsEnabled"] is True
    assert properties["AlarmActions"] == [TOPIC]
    assert properties["OKActions"] == [TOPIC]


def test_the_template_has_exactly_the_alarms_listed_here(resources):
    alarms = {name for name, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert alarms == set(ALARMS)


@pytest.mark.parametrize(
    ("alarm", "missing_data"),
    [("SnapshotAgeAlarm", "breaching"), ("SnapshotFailedAlarm", "notBreaching"), ("Api5xxRateAlarm", "notBreaching")],
)
def test_a_snapshot_job_that_stops_reporting_counts_as_stale_but_quiet_traffic_is_fine(resources, alarm, missing_data):
    assert resources[alarm]["Properties"]["TreatMissingData"] == missing_data


def test_the_5xx_alarm_is_a_rate_of_requests_that_ignores_near_idle_minutes(resources):
    expression = next(q for q in resources["Api5xxRateAlarm"]["Properties"]["Metrics"] if q.get("ReturnData"))
    assert expression["Expression"] == "IF(requests >= 10, 100 * errors / requests, 0)"
    assert resources["Api5xxRateAlarm"]["Properties"]["Threshold"] == {"Ref": "Api5xxRatePercent"}


def test_the_app_metric_names_are_defined_once_in_the_template_builder():
    assert alarms.NAMESPACE == "Polls"
    assert {name: spec["dimensions"] for name, spec in alarms.APP_METRICS.items()} == {
        "SnapshotFailed": ("service",),
        "SnapshotAgeSeconds": ("service",),
        "VoteAccepted": ("service",),
        "VoteRefused": ("service", "reason"),
    }


@pytest.mark.parametrize(
    ("email", "accepted"), [("ops@example-news.com", True), ("not-an-address", False), ("", False)]
)
def test_alarms_are_emailed_to_the_alarm_email_parameter_which_is_required(templates, email, accepted):
    template = templates["dev"]
    parameter = template["Parameters"]["AlarmEmail"]
    assert "Default" not in parameter
    assert bool(re.match(parameter["AllowedPattern"], email)) is accepted
    subscription = template["Resources"]["AlarmEmailSubscription"]["Properties"]
    assert subscription == {"TopicArn": TOPIC, "Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}


def test_the_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use(resources):
    assert resources["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "OperationsKey"}
    key = resources["OperationsKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    grants = {json.dumps(s["Principal"]): s["Action"] for s in key["KeyPolicy"]["Statement"]}
    assert set(grants['{"Service": "cloudwatch.amazonaws.com"}']) == {"kms:Decrypt", "kms:GenerateDataKey*"}


@pytest.mark.parametrize("title", list(DASHBOARD))
def test_the_dashboard_shows(resources, title):
    widgets = {w["properties"]["title"]: w for w in dashboard_body(resources)["widgets"]}
    lines = json.dumps(widgets[title]["properties"]["metrics"], separators=(",", ":")).replace('\\"', '"')
    for expected in DASHBOARD[title]:
        assert expected in lines, f"{title}: {expected} not in {lines}"


def test_the_dashboard_lists_every_alarm_by_its_name_and_names_only_things_the_template_defines(templates):
    template = templates["dev"]
    body = dashboard_body(template["Resources"])
    listed = next(w for w in body["widgets"] if w["type"] == "alarm")["properties"]["alarms"]
    arn = "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:"
    names = [template["Resources"][name]["Properties"]["AlarmName"]["Fn::Sub"] for name in ALARMS]
    assert sorted(listed) == sorted(arn + name for name in names)
    names = set(template["Resources"]) | set(template["Parameters"]) | {"AWS::Region", "AWS::Partition"}
    names.add("AWS::AccountId")
    referenced = re.findall(
        r"\$\{([^}]+)\}", template["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    )
    assert {ref.split(".")[0] for ref in referenced} <= names


def test_the_api_stage_is_traced_and_logs_each_request_as_json_without_ips_or_tokens(resources):
    api = resources["RestAPI"]["Properties"]
    assert api["TracingEnabled"] is True
    assert api["Name"] == {"Fn::Sub": "polls-${Stage}"}
    assert api["DefinitionBody"]["info"]["title"] == {"Fn::Sub": "polls-${Stage}"}  # the ApiName the alarms use
    setting = api["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    fields = json.loads(setting["Format"])
    assert {"requestId", "status", "responseLatency", "resourcePath", "xrayTraceId"} <= set(fields)
    assert "$context.identity" not in setting["Format"]  # no source IP or user agent
    assert not {"$context.querystring", "$context.requestOverride"} & set(fields.values())
    group = resources["ApiAccessLogGroup"]["Properties"]
    assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert group["KmsKeyId"] == {"Fn::GetAtt": ["OperationsKey", "Arn"]}


@pytest.mark.parametrize("function", list(FUNCTIONS))
def test_each_function_is_traced_and_its_role_may_send_traces(resources, function):
    properties = resources[function]["Properties"]
    assert properties["Tracing"] == "Active"
    role = resources[properties["Role"]["Fn::GetAtt"][0]]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert any({"xray:PutTraceSegments", "xray:PutTelemetryRecords"} <= set(s["Action"]) for s in statements)


@pytest.mark.parametrize(("function", "name"), [(f, n) for f, (n, _) in FUNCTIONS.items()])
def test_each_function_has_its_log_group_with_retention_created_before_it(resources, function, name):
    properties = resources[function]["Properties"]
    assert properties["FunctionName"] == {"Fn::Sub": name}
    group = resources[f"{function}LogGroup"]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/{name}"}
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["OperationsKey", "Arn"]}
    assert f"{function}LogGroup" in resources[function]["DependsOn"]


def test_every_function_in_the_template_is_one_of_those_checked_here(resources):
    assert {n for n, r in resources.items() if r["Type"] == "AWS::Serverless::Function"} == set(FUNCTIONS)


@pytest.mark.parametrize(("function", "kind"), [(f, k) for f, (_, k) in FUNCTIONS.items()])
def test_asynchronous_functions_send_failed_runs_to_an_encrypted_queue_they_may_write(resources, function, kind):
    properties = resources[function]["Properties"]
    if kind != "async":
        assert "EventInvokeConfig" not in properties
        return
    assert properties["EventInvokeConfig"]["MaximumRetryAttempts"] == 2
    assert properties["EventInvokeConfig"]["MaximumEventAgeInSeconds"] == 600
    destination = properties["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
    queue = f"{function}FailureQueue"
    assert destination == {"Type": "SQS", "Destination": {"Fn::GetAtt": [queue, "Arn"]}}
    assert resources[queue]["Type"] == "AWS::SQS::Queue"
    assert resources[queue]["Properties"]["KmsMasterKeyId"]
    role = resources[properties["Role"]["Fn::GetAtt"][0]]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert {
        "Sid": "LambdaSendsFailuresToTheQueue",
        "Effect": "Allow",
        "Action": ["sqs:SendMessage"],
        "Resource": {"Fn::GetAtt": [queue, "Arn"]},
    } in statements


@pytest.mark.parametrize("group", list(MANAGED_GROUPS))
@pytest.mark.parametrize("setting", ["count", "block"])
def test_the_waf_applies_each_managed_group_to_the_vote_route(templates, group, setting):
    template = templates["dev"]
    rules = template["Resources"]["VoteRateLimitAcl"]["Properties"]["Rules"]
    rule = next(r for r in rules if r["Statement"].get("ManagedRuleGroupStatement", {}).get("Name") == group)
    statement = rule["Statement"]["ManagedRuleGroupStatement"]
    assert statement["VendorName"] == "AWS"
    assert statement["ScopeDownStatement"]  # which requests each group sees: tests/deploy/test_vote_acl.py
    condition = template["Conditions"]["BlockAnonymousIps"]
    assert condition == {"Fn::Equals": [{"Ref": "AnonymousIpAction"}, "block"]}
    override = evaluate(rule["OverrideAction"], {"BlockAnonymousIps": setting == "block"})
    assert list(override) == [MANAGED_GROUPS[group][setting]]


def test_the_anonymous_ip_action_is_a_count_or_block_parameter_counting_by_default(templates):
    parameter = templates["dev"]["Parameters"]["AnonymousIpAction"]
    assert parameter["AllowedValues"] == ["count", "block"]
    assert parameter["Default"] == "count"
    priorities = [r["Priority"] for r in templates["dev"]["Resources"]["VoteRateLimitAcl"]["Properties"]["Rules"]]
    assert len(set(priorities)) == len(priorities) == 5


@pytest.mark.parametrize("stage", STAGES)
def test_functions_get_powertools_from_the_aws_layer_for_the_stacks_region_not_from_the_zip(templates, packages, stage):
    pin = re.search(r"^aws-lambda-powertools==(\S+)$", (ROOT / "requirements-dev.txt").read_text(), re.MULTILINE)
    assert pin and pin.group(1) == "3.22.0"  # layer version 25 is Powertools 3.22.0: keep both in step
    assert "powertools" not in (ROOT / "requirements.txt").read_text()
    template = templates[stage]
    assert template["Conditions"]["UsesAwsPowertoolsLayer"] == {"Fn::Equals": [{"Ref": "PowertoolsLayerArn"}, ""]}
    assert template["Parameters"]["PowertoolsLayerArn"]["Default"] == ""
    for function in FUNCTIONS:
        properties = template["Resources"][function]["Properties"]
        runtime = properties["Runtime"].replace(".", "")
        layer = f"AWSLambdaPowertoolsPythonV3-{runtime}-x86_64:25"
        aws_layer = f"arn:aws:lambda:${{AWS::Region}}:017000801446:layer:{layer}"
        assert properties["Layers"][0] == {
            "Fn::If": ["UsesAwsPowertoolsLayer", {"Fn::Sub": aws_layer}, {"Ref": "PowertoolsLayerArn"}]
        }
        others = [{"Ref": "CardLayer"}] if function in CARD_FUNCTIONS else []
        others += [{"Ref": "TokenLayer"}] if function in TOKEN_FUNCTIONS else []
        assert properties["Layers"][1:] == others
    names = zipfile.ZipFile(packages[stage] / "deployment.zip").namelist()
    assert not [n for n in names if n.startswith("aws_lambda_powertools")]


def test_a_layer_for_another_python_than_the_runtime_stops_the_build():
    with pytest.raises(SystemExit, match="built for python311 but the function runs python3.12"):
        functions.layers("python3.12")


def test_each_checkov_exception_is_a_skip_with_a_reason_on_its_resource(templates):
    found = set()
    for name, resource in templates["dev"]["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"])
            assert len(skip["comment"]) > 30 and "\n" not in skip["comment"], skip
            found.add((name, skip["id"]))
    assert found == SKIPS


@pytest.mark.deploy_tier
@pytest.mark.parametrize("stage", STAGES)
def test_checkov_passes_on_the_merged_template(packages, stage):
    assert CHECKOV.exists(), "checkov is not installed: run `make .venv/checkov/.installed` (make lint/test do)"
    command = [str(CHECKOV), "-f", str(packages[stage] / "sam.json"), "--framework", "cloudformation"]
    command += ["--compact", "--quiet", "--skip-download", "--output", "json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    summary = json.loads(result.stdout)["summary"]
    assert summary["failed"] == 0
    assert summary["skipped"] == len(SKIPS)
    assert summary["passed"] > 40
