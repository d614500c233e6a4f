"""What the stage is watched through: a KMS key, the alarm topic emailed to `AlarmEmail`, a log group with
retention for every function and for the API's access log, and an encrypted on-failure queue for every function
whose failures Lambda keeps (the schedule's runs, the stream consumers' batches).

The alarms are in infra/alarms.py and the one dashboard in infra/dashboard.py.
"""

from __future__ import annotations

from typing import Any

from infra.names import (
    ALARM_EMAIL,
    ALARM_TOPIC,
    API_ACCESS_LOG_GROUP,
    LOG_RETENTION_DAYS,
    OPERATIONS_KEY,
    Template,
    failure_queue,
    function_name,
    functions,
    get_att,
    invocation,
    log_group,
    named,
    ref,
    sub,
)

PARAMETERS: Template = {
    ALARM_EMAIL: {
        "Type": "String",
        "AllowedPattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        "ConstraintDescription": "an email address",
        "Description": "Where alarms are sent (SNS email subscription; the address must confirm it once).",
    },
    LOG_RETENTION_DAYS: {
        "Type": "Number",
        "Default": 30,
        "AllowedValues": [7, 14, 30, 60, 90, 180, 365],
        "Description": "Retention of the function and API access log groups.",
    },
}
KEY_POLICY = [
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


def log_group_resource(name: Any) -> Template:
    """Return a KMS-encrypted log group with the stage's retention."""
    return {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {
            "LogGroupName": name,
            "RetentionInDays": ref(LOG_RETENTION_DAYS),
            "KmsKeyId": get_att(OPERATIONS_KEY, "Arn"),
        },
    }


def queue(name: str) -> Template:
    """Return an encrypted on-failure queue (`<function name>-failures`) that keeps messages 14 days."""
    return {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": named(f"{name}-failures"),
            "KmsMasterKeyId": "alias/aws/sqs",
            "MessageRetentionPeriod": 1209600,
        },
    }


def fragment() -> Template:
    """Return the stage's key, alarm topic and its email subscription, and the API's access log group."""
    resources = {
        OPERATIONS_KEY: {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": sub("polls ${Stage}: encrypts the alarm topic, the log groups and Athena's results"),
                "EnableKeyRotation": True,
                "KeyPolicy": {"Version": "2012-10-17", "Statement": KEY_POLICY},
            },
        },
        "OperationsKeyAlias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": sub("alias/polls-${Stage}-operations"), "TargetKeyId": ref(OPERATIONS_KEY)},
        },
        ALARM_TOPIC: {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": sub("polls-${Stage}-alarms"),
                "DisplayName": sub("polls ${Stage} alarms"),
                "KmsMasterKeyId": ref(OPERATIONS_KEY),
            },
        },
        "AlarmEmailSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {"TopicArn": ref(ALARM_TOPIC), "Protocol": "email", "Endpoint": ref(ALARM_EMAIL)},
        },
        API_ACCESS_LOG_GROUP: log_group_resource(sub("/aws/apigateway/polls-${Stage}-access")),
    }
    outputs = {"AlarmTopicArn": {"Value": ref(ALARM_TOPIC), "Description": "Alarms are published here (AlarmEmail)."}}
    return {"Parameters": PARAMETERS, "Resources": resources, "Outputs": outputs}


def functions_fragment(template: Template) -> Template:
    """Return each function's log group (created before it) and, if Lambda keeps its failures, its queue."""
    resources: Template = {}
    outputs: Template = {}
    for logical_id, function in functions(template).items():
        name = function_name(logical_id, function)
        group = log_group(logical_id)
        resources[group] = log_group_resource(named(f"/aws/lambda/{name}"))
        resources[logical_id] = {"DependsOn": sorted({*function.get("DependsOn", []), group})}
        if invocation(function) != "api":
            resources[failure_queue(logical_id)] = queue(name)
            outputs[f"{failure_queue(logical_id)}Url"] = {
                "Value": ref(failure_queue(logical_id)),
                "Description": "What Lambda gave up on after its retries (runs or stream batches).",
            }
    return {"Resources": resources, "Outputs": outputs}
