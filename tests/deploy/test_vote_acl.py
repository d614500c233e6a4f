"""The regional WAF on the vote and form routes behind the site: which rules see which request, counted by whom.

Through CloudFront the API's connecting address is CloudFront's, so a rule counting by it would lump thousands
of readers together (and the anonymous-IP list may know CloudFront's addresses as a hosting provider's). Requests
that carry the edge key count by X-Viewer-Ip, which the site's viewer-request function sets; direct calls count by
their own address. A small evaluator of the statements the ACL uses answers for a table of requests.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import edge, protection
from infra.names import VIEWER_IP_HEADER

EDGE_KEY = "the-edge-key-from-the-secret-0123456789"
EDGE_REFERENCE = {"Fn::Sub": "{{resolve:secretsmanager:${EdgeSecret}}}"}
ACL = protection.vote_acl()["Properties"]
RULES = {rule["Name"]: rule for rule in ACL["Rules"]}
DIRECT = {
    "vote-rate-per-ip": "IP",
    "aws-ip-reputation-on-votes": "managed",
    "aws-anonymous-ip-on-votes": "managed",
    "aws-known-bad-inputs-on-votes": "managed",
}
THROUGH_THE_SITE = {"vote-rate-per-reader-through-the-site": "X-Viewer-Ip", "aws-known-bad-inputs-on-votes": "managed"}


def matches(statement: dict[str, Any], path: str, headers: dict[str, str]) -> bool:
    """Evaluate the WAF statements this ACL uses (And, Or, Not, ByteMatch on the path or one header)."""
    (kind, body), *rest = statement.items()
    assert not rest, statement
    if kind == "AndStatement":
        return all(matches(s, path, headers) for s in body["Statements"])
    if kind == "OrStatement":
        return any(matches(s, path, headers) for s in body["Statements"])
    if kind == "NotStatement":
        return not matches(body["Statement"], path, headers)
    assert kind == "ByteMatchStatement", kind
    assert body["TextTransformations"] == [{"Priority": 0, "Type": "NONE"}]
    field = body["FieldToMatch"]
    value = path if "UriPath" in field else headers.get(field["SingleHeader"]["Name"].lower())
    wanted = EDGE_KEY if body["SearchString"] == EDGE_REFERENCE else body["SearchString"]
    if value is None:
        return False
    constraint = body["PositionalConstraint"]
    return {"EXACTLY": value == wanted, "ENDS_WITH": value.endswith(wanted), "STARTS_WITH": value.startswith(wanted)}[
        constraint
    ]


def applied(path: str, headers: dict[str, str]) -> dict[str, str]:
    """Return the rules whose scope takes this request, with what each counts it by."""
    found = {}
    for name, rule in RULES.items():
        statement = rule["Statement"]
        if "RateBasedStatement" in statement:
            rate = statement["RateBasedStatement"]
            if matches(rate["ScopeDownStatement"], path, headers):
                key = rate["AggregateKeyType"]
                found[name] = rate["ForwardedIPConfig"]["HeaderName"] if key == "FORWARDED_IP" else key
        elif matches(statement["ManagedRuleGroupStatement"]["ScopeDownStatement"], path, headers):
            found[name] = "managed"
    return found


SITE = {"x-origin-verify": EDGE_KEY, "x-viewer-ip": "203.0.113.9", "cloudfront-viewer-address": "203.0.113.9:5100"}


@pytest.mark.parametrize(
    ("request_", "path", "headers", "expected"),
    [
        ("a vote straight to the API", "/api/polls/p1/votes", {}, DIRECT),
        ("a form post straight to the API", "/api/polls/p1/form", {}, DIRECT),
        ("a vote with a guessed edge key", "/api/polls/p1/votes", {**SITE, "x-origin-verify": "guess"}, DIRECT),
        ("a vote claiming an address without the key", "/api/polls/p1/votes", {"x-viewer-ip": "1.2.3.4"}, DIRECT),
        ("a vote through the site", "/api/polls/p1/votes", SITE, THROUGH_THE_SITE),
        ("a form post through the site", "/api/polls/p1/form", SITE, THROUGH_THE_SITE),
        ("a poll read through the site", "/api/polls/p1", SITE, {}),
        ("a results read straight to the API", "/api/polls/p1/results", {}, {}),
        ("an admin change", "/api/polls/p1", {"authorization": "Bearer x"}, {}),
    ],
)
def test_each_vote_is_counted_by_its_readers_address_whichever_way_it_came(request_, path, headers, expected):
    assert applied(path, headers) == expected, request_


def test_through_the_site_the_count_is_by_the_header_the_viewer_function_sets_from_the_same_secret():
    rate = RULES["vote-rate-per-reader-through-the-site"]["Statement"]["RateBasedStatement"]
    assert rate["ForwardedIPConfig"] == {"HeaderName": VIEWER_IP_HEADER, "FallbackBehavior": "NO_MATCH"}
    assert rate["Limit"] == {"Ref": "VotesPerIpPerMinute"}
    assert rate["EvaluationWindowSec"] == 60
    (api,) = [o for o in edge.distribution()["Properties"]["DistributionConfig"]["Origins"] if o["Id"] == "api"]
    assert api["OriginCustomHeaders"][0]["HeaderValue"] == EDGE_REFERENCE  # the key the WAF recognises


@pytest.mark.parametrize("name", ["vote-rate-per-ip", "vote-rate-per-reader-through-the-site"])
def test_a_rate_limited_vote_gets_429_in_the_apis_error_shape(name):
    block = RULES[name]["Action"]["Block"]["CustomResponse"]
    assert block["ResponseCode"] == 429
    body = json.loads(ACL["CustomResponseBodies"][block["CustomResponseBodyKey"]]["Content"])
    assert body["error"]["code"] == "rate_limited"


def test_rule_priorities_and_metric_names_are_distinct():
    priorities = [rule["Priority"] for rule in ACL["Rules"]]
    metrics = [json.dumps(rule["VisibilityConfig"]["MetricName"]) for rule in ACL["Rules"]]
    assert len(set(priorities)) == len(priorities) == len(set(metrics)) == 5
