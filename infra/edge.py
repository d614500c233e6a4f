"""The site: one CloudFront distribution per stage in front of the results bucket and the API.

Used twice, from one definition: `make package` adds these resources to the merged template (path 2, with the
API and bucket of the same stack), and `make deploy` deploys them as their own stack `polls-<stage>-site`
(path 1, after `chalice deploy`, with the API's domain and the bucket as parameters). Also here: the counters
stream's event source in the packaged template (the real stream ARN, retries, an on-failure queue) and the
permissions Lambda's poller needs to read it.

  /api/*       the API Gateway stage (Chalice's stage is `api`, so no origin path): GETs cached as the API's
               Cache-Control says, keyed on query strings, Authorization and Origin; other methods never cached;
               Content-Type, Sec-Fetch-Site, CloudFront-Viewer-Address and the `poll_voter` cookie reach the API,
               with the origin header X-Origin-Verify (the generated edge secret) that lets the API trust the
               address, and X-Viewer-Ip (a viewer-request function) that the regional WAF counts votes by
  /console/*   the editors' console from the bucket, with a content security policy and no framing
  everything   the bucket through Origin Access Control: the bucket stays private and its policy lets only
  else         this distribution read the public prefixes (never private/)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.monitoring import add_skips, dashboard, failure_queue, sub

Template = dict[str, Any]
ROOT = Path(__file__).resolve().parent.parent
PUBLIC_PREFIXES = ("polls", "results", "p", "widget", "console")  # what the distribution may read; not private/
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS managed cache policy: origin Cache-Control, gzip/br
# In the API's cache key (so forwarded too): Authorization (CloudFront forwards it no other way; admin answers are
# no-store) and Origin (the API answers CORS per origin with `Vary: Origin`, which CloudFront's cache ignores).
API_CACHE_KEY_HEADERS = ["Authorization", "Origin"]
VIEWER_IP_HEADER = "X-Viewer-Ip"  # set by the viewer-request function on /api/*: the regional WAF's per-reader key
API_HEADERS = ["Content-Type", "Sec-Fetch-Site", "CloudFront-Viewer-Address", VIEWER_IP_HEADER]
# Overwrites whatever a client sent under that name: only CloudFront's view of the reader's address reaches the API.
VIEWER_IP_CODE = f"""function handler(event) {{
  var request = event.request;
  request.headers['{VIEWER_IP_HEADER.lower()}'] = {{ value: event.viewer.ip }};
  return request;
}}
"""
VOTER_COOKIE = "poll_voter"
EDGE_HEADER = "X-Origin-Verify"
STREAM_FUNCTION = "PublishResults"
# CloudFormation resolves the edge secret's dynamic references only when it updates the resource that holds them:
# a new value of this parameter (path 1: the secret's current version id) makes it update them after a rotation.
EDGE_KEY_ROTATION = {
    "EdgeKeyRotation": {
        "Type": "String",
        "Default": "0",
        "AllowedPattern": "^[A-Za-z0-9-]{1,64}$",
        "Description": "Change it after putting a new value in polls/<stage>/edge, so the distribution's origin "
        "header (and the vote WAF's edge rule) take the new key (OPERATIONS.md).",
    }
}
DISTRIBUTION_SKIPS = {
    "CKV_AWS_68": "The API's vote and form routes have the regional WAF, which counts votes through the site per "
    "reader (X-Viewer-Ip, set by the viewer-request function); a CloudFront web ACL would bill every reader's GET "
    "of a static document and must live in us-east-1",
    "CKV_AWS_86": "Standard logs need a log bucket with ACLs enabled; the API's access logs and the functions' "
    "logs record every vote, and CloudFront's metrics cover the reads",
    "CKV_AWS_174": "The default *.cloudfront.net certificate: a newsroom's own domain needs its ACM certificate "
    "(README, Deploy), and then TLSv1.2_2021 applies",
}


def cors_origins(stage: str) -> list[str]:
    """Return the stage's CORS_ALLOW_ORIGINS from .chalice/config.json (the widget's newsroom origins)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    env = {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}
    return [o.strip() for o in env.get("CORS_ALLOW_ORIGINS", "").split(",") if o.strip()]


def _security_headers() -> Template:
    """HSTS, nosniff and a referrer policy: the headers every site answer carries."""
    return {
        "StrictTransportSecurity": {"AccessControlMaxAgeSec": 63072000, "IncludeSubdomains": True, "Override": True},
        "ContentTypeOptions": {"Override": True},
        "ReferrerPolicy": {"ReferrerPolicy": "strict-origin-when-cross-origin", "Override": True},
    }


def site_resources(stage: str, bucket: Any, bucket_arn: Any, bucket_domain: Any, api_domain: Any) -> Template:
    """Return the site's resources for a stage, given its bucket (name, ARN, regional domain) and API domain."""
    origins = cors_origins(stage) or ["*"]
    secret_value = sub("{{resolve:secretsmanager:${EdgeSecret}}}")
    return {
        "EdgeSecret": {
            "Type": "AWS::SecretsManager::Secret",
            "Metadata": {
                "checkov": {
                    "skip": [
                        {
                            "id": "CKV_AWS_149",
                            "comment": "AWS managed key, as the stage's other secret: only CloudFront's origin "
                            "header and the API function read it",
                        }
                    ]
                }
            },
            "Properties": {
                "Name": sub("polls/${Stage}/edge"),
                "Description": "The X-Origin-Verify value CloudFront sends the API, so that the API trusts "
                "CloudFront-Viewer-Address only on requests that came through the site.",
                "GenerateSecretString": {"PasswordLength": 48, "ExcludePunctuation": True},
            },
        },
        "SiteOriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": sub("polls-${Stage}-site"),
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        "ApiCachePolicy": {
            "Type": "AWS::CloudFront::CachePolicy",
            "Properties": {
                "CachePolicyConfig": {
                    "Name": sub("polls-${Stage}-api"),
                    "Comment": "As the API's Cache-Control says (no-store answers are never cached)",
                    "MinTTL": 0,
                    "DefaultTTL": 0,
                    "MaxTTL": 86400,
                    "ParametersInCacheKeyAndForwardedToOrigin": {
                        "EnableAcceptEncodingGzip": True,
                        "EnableAcceptEncodingBrotli": True,
                        "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": API_CACHE_KEY_HEADERS},
                        "CookiesConfig": {"CookieBehavior": "none"},
                        "QueryStringsConfig": {"QueryStringBehavior": "all"},
                    },
                }
            },
        },
        "ApiOriginRequestPolicy": {
            "Type": "AWS::CloudFront::OriginRequestPolicy",
            "Properties": {
                "OriginRequestPolicyConfig": {
                    "Name": sub("polls-${Stage}-api"),
                    "Comment": "What the API reads besides the cache key (never Host: API Gateway needs its own)",
                    "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": API_HEADERS},
                    "CookiesConfig": {"CookieBehavior": "whitelist", "Cookies": [VOTER_COOKIE]},
                    "QueryStringsConfig": {"QueryStringBehavior": "all"},
                }
            },
        },
        "ViewerIpFunction": {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": sub("polls-${Stage}-viewer-ip"),
                "AutoPublish": True,
                "FunctionConfig": {
                    "Comment": "API requests: the reader's address in X-Viewer-Ip for the vote route's per-IP WAF rule",
                    "Runtime": "cloudfront-js-2.0",
                },
                "FunctionCode": VIEWER_IP_CODE,
            },
        },
        "SiteResponseHeadersPolicy": {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {
                "ResponseHeadersPolicyConfig": {
                    "Name": sub("polls-${Stage}-site"),
                    # No frame options: hosted pages are embedded by iframe and amp-iframe.
                    "Comment": "CORS for the newsrooms' pages, security headers",
                    "CorsConfig": {
                        "AccessControlAllowCredentials": False,
                        "AccessControlAllowHeaders": {"Items": ["Content-Type"]},
                        "AccessControlAllowMethods": {"Items": ["GET", "HEAD", "OPTIONS"]},
                        "AccessControlAllowOrigins": {"Items": origins},
                        "AccessControlMaxAgeSec": 600,
                        "OriginOverride": False,
                    },
                    "SecurityHeadersConfig": _security_headers(),
                }
            },
        },
        "ConsoleResponseHeadersPolicy": {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {
                "ResponseHeadersPolicyConfig": {
                    "Name": sub("polls-${Stage}-console"),
                    "Comment": "The editors' console: its own scripts only, the API and Cognito, never framed",
                    "SecurityHeadersConfig": {
                        **_security_headers(),
                        "FrameOptions": {"FrameOption": "DENY", "Override": True},
                        "ContentSecurityPolicy": {
                            "ContentSecurityPolicy": sub(
                                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self' https://cognito-idp.${AWS::Region}.amazonaws.com; "
                                "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
                            ),
                            "Override": True,
                        },
                    },
                }
            },
        },
        "SiteDistribution": {
            "Type": "AWS::CloudFront::Distribution",
            "Metadata": {
                "checkov": {"skip": [{"id": check, "comment": why} for check, why in DISTRIBUTION_SKIPS.items()]}
            },
            "Properties": {
                "DistributionConfig": {
                    "Enabled": True,
                    "Comment": sub(
                        "polls-${Stage} site: widget, documents, pages, console, API (edge key ${EdgeKeyRotation})"
                    ),
                    "HttpVersion": "http2and3",
                    "IPV6Enabled": True,
                    "PriceClass": "PriceClass_100",
                    "Origins": [
                        {
                            "Id": "bucket",
                            "DomainName": bucket_domain,
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                            "OriginAccessControlId": {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]},
                        },
                        {
                            "Id": "api",
                            "DomainName": api_domain,
                            "CustomOriginConfig": {
                                "OriginProtocolPolicy": "https-only",
                                "OriginSSLProtocols": ["TLSv1.2"],
                            },
                            "OriginCustomHeaders": [{"HeaderName": EDGE_HEADER, "HeaderValue": secret_value}],
                        },
                    ],
                    "DefaultCacheBehavior": _behaviour("bucket", "SiteResponseHeadersPolicy", read_only=True),
                    "CacheBehaviors": [
                        {"PathPattern": "/api/*", **_behaviour("api", "SiteResponseHeadersPolicy", read_only=False)},
                        {
                            "PathPattern": "/console/*",
                            **_behaviour("bucket", "ConsoleResponseHeadersPolicy", read_only=True),
                        },
                    ],
                    "ViewerCertificate": {"CloudFrontDefaultCertificate": True},
                }
            },
        },
        "ResultsBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": bucket,
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "OnlyThisDistributionReadsThePublicPrefixes",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudfront.amazonaws.com"},
                            "Action": "s3:GetObject",
                            "Resource": [
                                {"Fn::Join": ["", [bucket_arn, f"/{prefix}/*"]]} for prefix in PUBLIC_PREFIXES
                            ],
                            "Condition": {
                                "StringEquals": {
                                    "AWS:SourceArn": sub(
                                        "arn:aws:cloudfront::${AWS::AccountId}:distribution/${SiteDistribution}"
                                    )
                                }
                            },
                        },
                        {
                            "Sid": "DenyInsecureTransport",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [bucket_arn, {"Fn::Join": ["", [bucket_arn, "/*"]]}],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                    ],
                },
            },
        },
    }


def _behaviour(origin: str, headers_policy: str, *, read_only: bool) -> Template:
    """Return a cache behaviour: the bucket's (GET, HEAD; cached as the objects say) or the API's (every method)."""
    behaviour: Template = {
        "TargetOriginId": origin,
        "ViewerProtocolPolicy": "redirect-to-https",
        "Compress": True,
        "ResponseHeadersPolicyId": {"Ref": headers_policy},
    }
    if read_only:
        behaviour.update(
            AllowedMethods=["GET", "HEAD", "OPTIONS"], CachedMethods=["GET", "HEAD"], CachePolicyId=CACHING_OPTIMIZED
        )
    else:
        behaviour.update(
            ViewerProtocolPolicy="https-only",  # a redirect would turn a POST into a GET
            AllowedMethods=["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
            CachedMethods=["GET", "HEAD"],
            CachePolicyId={"Ref": "ApiCachePolicy"},
            OriginRequestPolicyId={"Ref": "ApiOriginRequestPolicy"},
            FunctionAssociations=[
                {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": ["ViewerIpFunction", "FunctionARN"]}}
            ],
        )
    return behaviour


def outputs() -> Template:
    """Return the site's outputs: its URL and the distribution's id."""
    return {
        "SiteUrl": {
            "Value": sub("https://${SiteDistribution.DomainName}"),
            "Description": "The site: the widget, poll documents, results, hosted pages (/p/<id>), the console "
            "(/console/) and the API (/api). Set the SiteUrl parameter to it (or your domain) for hosted pages' links.",
        },
        "DistributionId": {"Value": {"Ref": "SiteDistribution"}, "Description": "The site's CloudFront distribution."},
    }


def stream_source(template: Template) -> None:
    """Point the results publisher at the counters table's stream, with retries, bisection and a failure queue."""
    resources = template["Resources"]
    function = resources[STREAM_FUNCTION]
    event = next(iter(function["Properties"]["Events"].values()))["Properties"]
    queue = f"{STREAM_FUNCTION}FailureQueue"
    event.update(
        Stream={"Fn::GetAtt": ["CountersTable", "StreamArn"]},
        MaximumRetryAttempts=5,
        BisectBatchOnFunctionError=True,
        MaximumRecordAgeInSeconds=3600,  # an hour-old batch is superseded by newer votes and the minute job
        DestinationConfig={"OnFailure": {"Destination": {"Fn::GetAtt": [queue, "Arn"]}}},
    )
    resources.update(
        failure_queue(
            queue,
            "polls-${Stage}-publish_results",
            "publish-results-failed-batches",
            "polls-${Stage}-publish_results: stream batches failed after retries (their results documents wait for "
            "the next votes or the minute job). See OPERATIONS.md.",
        )
    )
    role = resources[function["Properties"]["Role"]["Fn::GetAtt"][0]]
    role["Properties"].setdefault("Policies", []).append(
        {
            "PolicyName": "PublishResultsReadsTheCountersStream",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "LambdaPollsTheStream",
                        "Effect": "Allow",
                        "Action": [
                            "dynamodb:DescribeStream",
                            "dynamodb:GetRecords",
                            "dynamodb:GetShardIterator",
                            "dynamodb:ListStreams",
                        ],
                        "Resource": {"Fn::GetAtt": ["CountersTable", "StreamArn"]},
                    },
                    {
                        "Sid": "LambdaSendsFailedBatchesToTheQueue",
                        "Effect": "Allow",
                        "Action": "sqs:SendMessage",
                        "Resource": {"Fn::GetAtt": [queue, "Arn"]},
                    },
                ],
            },
        }
    )
    add_skips(
        function,
        {"CKV_AWS_116": "Invoked by the DynamoDB event source mapping: failed batches go to its on-failure queue"},
    )
    skips = function["Metadata"]["checkov"]["skip"]
    function["Metadata"]["checkov"]["skip"] = [s for s in skips if "API Gateway" not in s["comment"]]


def apply(template: Template, stage: str) -> None:
    """Add the site and the stream's event source to a packaged template (path 2)."""
    resources = template["Resources"]
    template.setdefault("Parameters", {}).update(EDGE_KEY_ROTATION)
    template["Parameters"]["SiteUrl"] = {
        "Type": "String",
        "Default": "",
        "Description": "The site's public URL (the SiteUrl output, or your domain) for the hosted pages' og:url, "
        "canonical and hreflang links; empty until known (the pages then leave them out).",
    }
    resources.update(
        site_resources(
            stage,
            bucket={"Ref": "ResultsBucket"},
            bucket_arn={"Fn::GetAtt": ["ResultsBucket", "Arn"]},
            bucket_domain={"Fn::GetAtt": ["ResultsBucket", "RegionalDomainName"]},
            api_domain=sub("${RestAPI}.execute-api.${AWS::Region}.amazonaws.com"),
        )
    )
    for resource in resources.values():  # every function may write hosted pages (the API, the snapshot job)
        if resource["Type"] == "AWS::Serverless::Function":
            variables = resource["Properties"].setdefault("Environment", {}).setdefault("Variables", {})
            variables["SITE_URL"] = {"Ref": "SiteUrl"}
    env = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    env["EDGE_SECRET_ID"] = {"Ref": "EdgeSecret"}
    stream_source(template)
    resources.update(dashboard(template))  # again: it lists every alarm, the stream's failure queue's too
    template.setdefault("Outputs", {}).update(outputs())


def site_stack(stage: str) -> Template:
    """Return the standalone site stack of path 1 (`make deploy`): the same resources, the rest as parameters."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "polls: the site (CloudFront) of a stage deployed with `make deploy`",
        "Parameters": {
            "Stage": {"Type": "String", "AllowedValues": ["dev", "prod"], "Default": stage},
            "ApiDomain": {"Type": "String", "Description": "<rest api id>.execute-api.<region>.amazonaws.com"},
            **EDGE_KEY_ROTATION,
        },
        "Resources": site_resources(
            stage,
            bucket=sub("poll-results-${Stage}"),
            bucket_arn=sub("arn:aws:s3:::poll-results-${Stage}"),
            bucket_domain=sub("poll-results-${Stage}.s3.${AWS::Region}.amazonaws.com"),
            api_domain={"Ref": "ApiDomain"},
        ),
        "Outputs": outputs(),
    }
