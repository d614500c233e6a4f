"""The site in the stage's template: one CloudFront distribution in front of a private bucket (Origin Access Control,
public prefixes only) and the API; the counters stream's publisher."""

from __future__ import annotations

import json
import shutil
import subprocess
from fnmatch import fnmatchcase
from typing import Any

import pytest

from infra import build as packaging
from infra.edge import PUBLIC_PREFIXES

STAGES = ("dev", "prod")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out = {}
    for stage in STAGES:
        path = packaging.package(stage, tmp_path_factory.mktemp(stage))
        out[stage] = json.loads((path / "sam.json").read_text())
    return out


@pytest.fixture
def resources(templates):
    return templates["dev"]["Resources"]


def distribution(resources: dict[str, Any]) -> dict[str, Any]:
    return resources["SiteDistribution"]["Properties"]["DistributionConfig"]


def behaviour(resources: dict[str, Any], pattern: str | None) -> dict[str, Any]:
    config = distribution(resources)
    if pattern is None:
        return config["DefaultCacheBehavior"]
    return next(b for b in config["CacheBehaviors"] if b["PathPattern"] == pattern)


def origin(resources: dict[str, Any], origin_id: str) -> dict[str, Any]:
    return next(o for o in distribution(resources)["Origins"] if o["Id"] == origin_id)


def test_readers_paths_go_to_the_private_bucket_through_origin_access_control(resources):
    bucket = origin(resources, "bucket")
    assert bucket["DomainName"] == {"Fn::GetAtt": ["ResultsBucket", "RegionalDomainName"]}
    assert bucket["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    assert bucket["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # OAC, not the legacy identity
    control = resources["SiteOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (control["SigningBehavior"], control["SigningProtocol"]) == ("always", "sigv4")
    block = resources["ResultsBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block.values())  # the bucket stays private


@pytest.mark.parametrize(
    ("pattern", "target", "methods", "cached"),
    [
        (None, "bucket", ["GET", "HEAD", "OPTIONS"], ["GET", "HEAD"]),
        ("/console/*", "bucket", ["GET", "HEAD", "OPTIONS"], ["GET", "HEAD"]),
        ("/api/*", "api", ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"], ["GET", "HEAD"]),
    ],
)
def test_each_behaviour_sends_its_paths_to_its_origin_and_never_caches_writes(
    resources, pattern, target, methods, cached
):
    found = behaviour(resources, pattern)
    assert found["TargetOriginId"] == target
    assert sorted(found["AllowedMethods"]) == sorted(methods)
    assert found["CachedMethods"] == cached  # a POST, PATCH or DELETE is never answered from the cache
    assert found["ViewerProtocolPolicy"] in ("redirect-to-https", "https-only")
    assert "ResponseHeadersPolicyId" in found


def test_the_api_origin_is_the_stage_over_https_with_the_edge_key(resources):
    api = origin(resources, "api")
    assert api["DomainName"] == {"Fn::Sub": "${RestAPI}.execute-api.${AWS::Region}.amazonaws.com"}
    assert "OriginPath" not in api  # Chalice's stage is `api`: /api/polls/x reaches route /polls/x
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert api["OriginCustomHeaders"] == [
        {"HeaderName": "X-Origin-Verify", "HeaderValue": {"Fn::Sub": "{{resolve:secretsmanager:${EdgeSecret}}}"}}
    ]
    assert resources["EdgeSecret"]["Properties"]["GenerateSecretString"]["PasswordLength"] >= 24
    env = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["EDGE_SECRET_ID"] == {"Ref": "EdgeSecret"}


def test_api_gets_are_cached_only_as_the_api_says_and_it_receives_what_it_reads(resources):
    cache = resources["ApiCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert (cache["MinTTL"], cache["DefaultTTL"]) == (0, 0)  # no Cache-Control: not cached; no-store: never
    keyed = cache["ParametersInCacheKeyAndForwardedToOrigin"]
    assert keyed["QueryStringsConfig"]["QueryStringBehavior"] == "all"
    forwarded = resources["ApiOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    assert {"Content-Type", "CloudFront-Viewer-Address", "Sec-Fetch-Site", "X-Viewer-Ip"} <= set(
        forwarded["HeadersConfig"]["Headers"]
    )
    assert "Host" not in forwarded["HeadersConfig"]["Headers"]
    assert forwarded["CookiesConfig"] == {"CookieBehavior": "whitelist", "Cookies": ["poll_voter"]}
    assert behaviour(resources, "/api/*")["CachePolicyId"] == {"Ref": "ApiCachePolicy"}
    assert behaviour(resources, "/api/*")["OriginRequestPolicyId"] == {"Ref": "ApiOriginRequestPolicy"}


@pytest.mark.parametrize(
    ("header", "why"),
    [
        (
            "Authorization",
            "CloudFront forwards it only through the cache key; one caller's answer never serves another",
        ),
        ("Origin", "the API's CORS answer names the caller's origin (Vary: Origin, which CloudFront's cache ignores)"),
    ],
)
def test_what_an_api_answer_depends_on_is_in_its_cache_key(resources, header, why):
    keyed = resources["ApiCachePolicy"]["Properties"]["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"]
    assert header in keyed["HeadersConfig"]["Headers"], why
    forwarded = resources["ApiOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    assert header not in forwarded["HeadersConfig"]["Headers"]  # forwarded as part of the key, never twice


def run_viewer_function(code: str, event: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = f"{code}\nprocess.stdout.write(JSON.stringify(handler({json.dumps(event)})));"
    done = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True, timeout=30)
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    ("sent", "viewer"),
    [
        ({}, "203.0.113.9"),
        ({"x-viewer-ip": {"value": "198.51.100.1"}}, "203.0.113.9"),  # a reader's own claim is overwritten
        ({"x-viewer-ip": {"value": "not an address"}}, "2001:db8::7"),
    ],
)
def test_api_requests_carry_the_readers_address_as_cloudfront_saw_it(resources, sent, viewer):
    function = resources["ViewerIpFunction"]["Properties"]
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0" and function["AutoPublish"] is True
    event = {"viewer": {"ip": viewer}, "request": {"method": "POST", "uri": "/api/polls/x/votes", "headers": sent}}
    request = run_viewer_function(function["FunctionCode"], event)
    assert request["headers"]["x-viewer-ip"] == {"value": viewer}
    assert request["uri"] == "/api/polls/x/votes"
    (association,) = behaviour(resources, "/api/*")["FunctionAssociations"]
    assert association == {
        "EventType": "viewer-request",
        "FunctionARN": {"Fn::GetAtt": ["ViewerIpFunction", "FunctionARN"]},
    }
    for pattern in (None, "/console/*"):  # readers' static GETs pay for no function
        assert "FunctionAssociations" not in behaviour(resources, pattern)


def statements(resources: dict[str, Any]) -> list[dict[str, Any]]:
    return resources["ResultsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]


def test_the_bucket_policy_lets_only_this_distribution_read_only_the_public_prefixes(resources):
    allows = [s for s in statements(resources) if s["Effect"] == "Allow"]
    assert len(allows) == 1
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"} and allow["Action"] == "s3:GetObject"
    assert allow["Condition"] == {
        "StringEquals": {
            "AWS:SourceArn": {"Fn::Sub": "arn:aws:cloudfront::${AWS::AccountId}:distribution/${SiteDistribution}"}
        }
    }
    prefixes = [r["Fn::Join"][1][1] for r in allow["Resource"]]
    assert prefixes == [f"/{prefix}/*" for prefix in PUBLIC_PREFIXES]


@pytest.mark.parametrize(
    ("key", "readable"),
    [
        ("polls/abc.json", True),
        ("results/abc/latest.json", True),
        ("p/abc", True),
        ("r/abc", True),
        ("r/abc/cy", True),
        ("widget/poll-widget.0123456789ab.js", True),
        ("console/index.html", True),
        ("private/results/abc/latest.json", False),
        ("private/results/index.json", False),
        ("results", False),
        ("other/file.json", False),
    ],
)
def test_private_keys_are_unreachable_through_the_site(resources, key, readable):
    (allow,) = [s for s in statements(resources) if s["Effect"] == "Allow"]
    patterns = [r["Fn::Join"][1][1].lstrip("/") for r in allow["Resource"]]
    assert any(fnmatchcase(key, pattern) for pattern in patterns) is readable


def test_the_hosted_pages_may_be_framed_but_the_console_may_not(resources):
    site = resources["SiteResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    console = resources["ConsoleResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    assert "FrameOptions" not in site["SecurityHeadersConfig"]  # iframe and amp-iframe embeds of /p/<id> and /r/<id>
    assert console["SecurityHeadersConfig"]["FrameOptions"]["FrameOption"] == "DENY"
    assert (
        "frame-ancestors 'none'"
        in console["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    )
    assert site["SecurityHeadersConfig"]["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert behaviour(resources, "/console/*")["ResponseHeadersPolicyId"] == {"Ref": "ConsoleResponseHeadersPolicy"}


@pytest.mark.parametrize("stage", STAGES)
def test_cors_at_the_edge_allows_the_stages_newsroom_origins(templates, stage):
    config = json.loads((packaging.ROOT / ".chalice" / "config.json").read_text())
    expected = config["stages"][stage]["environment_variables"]["CORS_ALLOW_ORIGINS"].split(",")
    policy = templates[stage]["Resources"]["SiteResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    assert policy["CorsConfig"]["AccessControlAllowOrigins"]["Items"] == expected
    assert policy["CorsConfig"]["OriginOverride"] is False  # the API's own CORS answers stand


def test_every_function_that_writes_hosted_pages_knows_the_site_url(resources):
    functions = [r for r in resources.values() if r["Type"] == "AWS::Serverless::Function"]
    assert all(f["Properties"]["Environment"]["Variables"]["SITE_URL"] == {"Ref": "SiteUrl"} for f in functions)


def test_the_outputs_give_the_site_url(templates):
    outputs = templates["dev"]["Outputs"]
    assert outputs["SiteUrl"]["Value"] == {"Fn::Sub": "https://${SiteDistribution.DomainName}"}
    assert outputs["DistributionId"]["Value"] == {"Ref": "SiteDistribution"}


STREAM_READERS = [
    # (function, table whose stream it reads, batching window, retries, record age, tumbling window)
    ("PublishResults", "PollsTable", 2, 5, 3600, None),
    ("FoldBallots", "BallotsTable", 1, -1, -1, 1),  # the ledger: never given up, the window names the shard
]


@pytest.mark.parametrize(("function_id", "table_id", "window", "retries", "age", "tumbling"), STREAM_READERS)
def test_each_stream_consumer_reads_its_tables_stream_and_keeps_failed_batches(
    resources, function_id, table_id, window, retries, age, tumbling
):
    table = resources[table_id]["Properties"]
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    function = resources[function_id]["Properties"]
    (event,) = function["Events"].values()
    assert event["Type"] == "DynamoDB"
    source = event["Properties"]
    assert source["Stream"] == {"Fn::GetAtt": [table_id, "StreamArn"]}  # not the placeholder
    assert (source["BatchSize"], source["MaximumBatchingWindowInSeconds"]) == (1000, window)
    assert (source["MaximumRetryAttempts"], source["BisectBatchOnFunctionError"]) == (retries, True)
    assert (source["MaximumRecordAgeInSeconds"], source.get("TumblingWindowInSeconds")) == (age, tumbling)
    assert source["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": [f"{function_id}FailureQueue", "Arn"]
    }
    role = resources[function["Role"]["Fn::GetAtt"][0]]["Properties"]
    granted = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    stream = next(s for s in granted if s.get("Sid") == "LambdaPollsTheStream")
    assert {"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream"} <= set(stream["Action"])
    assert stream["Resource"] == {"Fn::GetAtt": [table_id, "StreamArn"]}


@pytest.mark.parametrize(
    "holder",
    [
        lambda t: t["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]["Comment"],
        lambda t: t["Resources"]["VoteRateLimitAcl"]["Properties"]["Description"],  # its edge rule
    ],
    ids=["distribution", "vote-acl"],
)
def test_a_new_edge_key_rotation_value_updates_every_resource_that_holds_the_key(templates, holder):
    template = templates["dev"]
    assert template["Parameters"]["EdgeKeyRotation"]["Default"] == "0"
    assert "${EdgeKeyRotation}" in holder(template)["Fn::Sub"]
