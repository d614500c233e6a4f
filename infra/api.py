"""The REST API Chalice generates, made operable: named per stage, traced, one JSON access log line per request.

The API's deployment and stage (which SAM writes from Chalice's definition, infra/transform.py) depend on the
`DeploysRestApi` condition: true on AWS; false only on an emulator whose CloudFormation cannot deploy a REST API
from its definition (moto), where the rest of the stage still deploys.
"""

from __future__ import annotations

import json

from infra.names import (
    API_ACCESS_LOG_GROUP,
    API_NAME,
    DEPLOYS_REST_API,
    REST_API,
    REST_API_DEPLOYMENT,
    Template,
    get_att,
    named,
    ref,
    skips,
)

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
PARAMETERS: Template = {
    REST_API_DEPLOYMENT: {
        "Type": "String",
        "AllowedValues": ["enabled", "disabled"],
        "Default": "enabled",
        "Description": "disabled only on an AWS emulator (moto) that cannot deploy a REST API from its definition: "
        "the API then has no deployment, stage or WAF association (`make deploy` sets it from AWS_ENDPOINT_URL).",
    }
}
CACHE_SKIP = {
    "CKV_AWS_120": "Answers vary per voter and per admin and public ones carry Cache-Control for the CDN; "
    "a stage cache would serve stale results and is billed per hour",
}


def fragment() -> Template:
    """Return the API's settings, merged over Chalice's REST API, and the condition its deployment depends on."""
    api = {
        "Metadata": skips(CACHE_SKIP),
        "Properties": {
            "Name": named(API_NAME),
            "DefinitionBody": {"info": {"title": named(API_NAME)}},
            "TracingEnabled": True,
            "AccessLogSetting": {
                "DestinationArn": get_att(API_ACCESS_LOG_GROUP, "Arn"),
                "Format": json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
            },
        },
    }
    return {
        "Parameters": PARAMETERS,
        "Conditions": {DEPLOYS_REST_API: {"Fn::Equals": [ref(REST_API_DEPLOYMENT), "enabled"]}},
        "Resources": {REST_API: api},
    }
