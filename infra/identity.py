"""The editors' sign-in in the packaged template: the API function learns the stage's user pool and console client.

The pool, its `editors` and `admins` groups and the console's app client are in `infra/template.json`;
Chalice's own template cannot refer to them, so the API function's environment gets them here, and an alarm
watches for audit entries that could not be stored (the app logs them whole as `audit_unrecorded`).
"""

from __future__ import annotations

from typing import Any

from chalicelib.runtime.observability import AUDIT_WRITE_FAILURES, NAMESPACE, SERVICE, SERVICE_DIMENSION

Template = dict[str, Any]
API_FUNCTION = "APIHandler"


def apply(template: Template) -> None:
    """Point the API function at the editors' pool and client, and add the audit alarm."""
    resources = template["Resources"]
    env = resources[API_FUNCTION]["Properties"].setdefault("Environment", {}).setdefault("Variables", {})
    env["USER_POOL_ID"] = {"Ref": "EditorsUserPool"}
    env["USER_POOL_CLIENT_IDS"] = {"Ref": "ConsoleClient"}
    resources["AuditWriteFailuresAlarm"] = {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": {"Fn::Sub": "polls-${Stage}-audit-write-failures"},
            "AlarmDescription": {
                "Fn::Sub": "An admin action happened but its audit entry could not be stored (AuditWriteFailures); "
                "the entry is in the API log as audit_unrecorded. See OPERATIONS.md."
            },
            "ActionsEnabled": True,
            "AlarmActions": [{"Ref": "AlarmTopic"}],
            "OKActions": [{"Ref": "AlarmTopic"}],
            "Namespace": NAMESPACE,
            "MetricName": AUDIT_WRITE_FAILURES,
            "Dimensions": [{"Name": SERVICE_DIMENSION, "Value": SERVICE}],
            "Statistic": "Sum",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
        },
    }
