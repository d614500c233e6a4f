"""Abuse defences in front of the API: the regional WAF on the vote and form routes, and gateway responses that
answer the API's own refusals (throttling included) with CORS headers and the API's error shape.

Through the site (CloudFront) the API's connecting address is CloudFront's, so requests carrying the edge key are
counted by X-Viewer-Ip, which the site's viewer-request function sets (infra/edge.py); direct calls are counted by
their own address and meet AWS's IP reputation and anonymous-IP lists. Known bad inputs are refused either way.
"""

from __future__ import annotations

import json
from typing import Any

from infra.names import (
    API_STAGE,
    API_STAGE_NAME,
    DEPLOYS_REST_API,
    EDGE_HEADER,
    EDGE_KEY_ROTATION,
    EDGE_SECRET,
    REST_API,
    VIEWER_IP_HEADER,
    Template,
    get_att,
    ref,
    sub,
)

VOTE_ACL = "VoteRateLimitAcl"
VOTE_PATHS = ("/votes", "/form")
RATE_LIMITED = {"error": {"code": "rate_limited", "message": "too many votes from this address; slow down"}}
# Each rule: its name, AWS's group, whether it also sees requests through the site, its override action.
MANAGED_GROUPS: tuple[tuple[str, str, bool, Template], ...] = (
    ("aws-ip-reputation-on-votes", "AWSManagedRulesAmazonIpReputationList", False, {"None": {}}),
    (
        "aws-anonymous-ip-on-votes",
        "AWSManagedRulesAnonymousIpList",
        False,
        {"Fn::If": ["BlockAnonymousIps", {"None": {}}, {"Count": {}}]},
    ),
    ("aws-known-bad-inputs-on-votes", "AWSManagedRulesKnownBadInputsRuleSet", True, {"None": {}}),
)
PARAMETERS: Template = {
    "VotesPerIpPerMinute": {
        "Type": "Number",
        "Default": 300,
        "MinValue": 10,
        "Description": "Edge limit on vote requests per IP per minute (AWS WAF rate-based rule).",
    },
    "AnonymousIpAction": {
        "Type": "String",
        "AllowedValues": ["count", "block"],
        "Default": "count",
        "Description": "What the AWS anonymous-IP rule group (VPNs, Tor, hosting providers) does to vote requests: "
        "count them (visible in WAF metrics and sampled requests) or block them (403).",
    },
}


def _match(field: Template, text: Any, constraint: str) -> Template:
    """Return a byte match on a request field, untransformed."""
    return {
        "ByteMatchStatement": {
            "FieldToMatch": field,
            "PositionalConstraint": constraint,
            "SearchString": text,
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }


def _vote_route() -> Template:
    """Return the statement matching the vote and form routes."""
    return {"OrStatement": {"Statements": [_match({"UriPath": {}}, path, "ENDS_WITH") for path in VOTE_PATHS]}}


def _through_the_site() -> Template:
    """Return the statement matching a request that carries the edge key (it came through the distribution)."""
    key = sub("{{resolve:secretsmanager:${" + EDGE_SECRET + "}}}")
    return _match({"SingleHeader": {"Name": EDGE_HEADER.lower()}}, key, "EXACTLY")


def _scope(site: bool | None) -> Template:
    """Return the vote route, only through the site (True), only direct calls (False), or both (None)."""
    if site is None:
        return _vote_route()
    edge = _through_the_site() if site else {"NotStatement": {"Statement": _through_the_site()}}
    return {"AndStatement": {"Statements": [_vote_route(), edge]}}


def _visibility(metric: str) -> Template:
    """Return a rule's (or the ACL's) metrics and sampled requests, named polls-<stage>-<metric>."""
    return {
        "SampledRequestsEnabled": True,
        "CloudWatchMetricsEnabled": True,
        "MetricName": sub(f"polls-${{Stage}}-{metric}"),
    }


def _rate_rule(name: str, priority: int, site: bool, metric: str) -> Template:
    """Return a per-address rate limit on votes: by X-Viewer-Ip through the site, else by the connecting address."""
    statement: Template = {
        "Limit": ref("VotesPerIpPerMinute"),
        "EvaluationWindowSec": 60,
        "AggregateKeyType": "FORWARDED_IP" if site else "IP",
        "ScopeDownStatement": _scope(site),
    }
    if site:
        statement["ForwardedIPConfig"] = {"HeaderName": VIEWER_IP_HEADER, "FallbackBehavior": "NO_MATCH"}
    return {
        "Name": name,
        "Priority": priority,
        "Action": {"Block": {"CustomResponse": {"ResponseCode": 429, "CustomResponseBodyKey": "RateLimited"}}},
        "Statement": {"RateBasedStatement": statement},
        "VisibilityConfig": _visibility(metric),
    }


def _managed_rule(priority: int, name: str, group: str, both_ways: bool, override: Template) -> Template:
    """Return one of AWS's managed rule groups on the vote route."""
    metric = name.removeprefix("aws-").removesuffix("-on-votes")
    return {
        "Name": name,
        "Priority": priority,
        "OverrideAction": override,
        "Statement": {
            "ManagedRuleGroupStatement": {
                "VendorName": "AWS",
                "Name": group,
                "ScopeDownStatement": _scope(None if both_ways else False),
            }
        },
        "VisibilityConfig": _visibility(metric),
    }


def vote_acl() -> Template:
    """Return the web ACL of the vote and form routes."""
    rules = [
        _rate_rule("vote-rate-per-ip", 0, site=False, metric="vote-rate"),
        _rate_rule("vote-rate-per-reader-through-the-site", 1, site=True, metric="vote-rate-site"),
    ]
    rules += [_managed_rule(2 + index, *group) for index, group in enumerate(MANAGED_GROUPS)]
    return {
        "Type": "AWS::WAFv2::WebACL",
        "Properties": {
            "Name": sub("polls-${Stage}-votes"),
            "Scope": "REGIONAL",
            "DefaultAction": {"Allow": {}},
            "Description": sub(
                "Vote and form routes: a per-IP rate limit, by reader address through the site. AWS IP reputation "
                "and anonymous IPs on direct calls, known bad inputs on all. Edge key ${" + EDGE_KEY_ROTATION + "}"
            ),
            "VisibilityConfig": _visibility("acl"),
            "CustomResponseBodies": {
                "RateLimited": {"ContentType": "APPLICATION_JSON", "Content": json.dumps(RATE_LIMITED)}
            },
            "Rules": rules,
        },
    }


def association() -> Template:
    """Return the ACL's association with the API's stage (absent where the API is not deployed)."""
    stage = f"arn:aws:apigateway:${{AWS::Region}}::/restapis/${{{REST_API}}}/stages/{API_STAGE_NAME}"
    return {
        "Type": "AWS::WAFv2::WebACLAssociation",
        "Condition": DEPLOYS_REST_API,
        "DependsOn": API_STAGE,
        "Properties": {"ResourceArn": sub(stage), "WebACLArn": get_att(VOTE_ACL, "Arn")},
    }


def gateway_response(kind: str, code: str, message: str, status: str | None = None) -> Template:
    """Return a gateway response with CORS headers and the API's error body."""
    headers = {
        "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
        "gatewayresponse.header.Access-Control-Allow-Headers": "'Authorization,Content-Type'",
        "gatewayresponse.header.Cache-Control": "'no-store'",
    }
    if status == "429":
        headers["gatewayresponse.header.Retry-After"] = "'1'"
    headers["gatewayresponse.header.Access-Control-Expose-Headers"] = "'Retry-After'"
    properties: Template = {
        "RestApiId": ref(REST_API),
        "ResponseType": kind,
        "ResponseParameters": headers,
        "ResponseTemplates": {"application/json": json.dumps({"error": {"code": code, "message": message}})},
    }
    if status:
        properties["StatusCode"] = status
    return {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": properties}


def fragment() -> Template:
    """Return the defences' part of the stage's template."""
    return {
        "Parameters": PARAMETERS,
        "Conditions": {"BlockAnonymousIps": {"Fn::Equals": [ref("AnonymousIpAction"), "block"]}},
        "Resources": {
            "GatewayResponseDefault4XX": gateway_response(
                "DEFAULT_4XX", "gateway_error", "the request was refused by the API gateway"
            ),
            "GatewayResponseDefault5XX": gateway_response(
                "DEFAULT_5XX", "gateway_error", "the API gateway could not reach the service"
            ),
            "GatewayResponseThrottled": gateway_response(
                "THROTTLED", "rate_limited", "too many requests, try again shortly", status="429"
            ),
            VOTE_ACL: vote_acl(),
            "VoteRateLimitAssociation": association(),
        },
    }
