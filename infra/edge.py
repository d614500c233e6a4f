"""The site: one CloudFront distribution per stage in front of the results bucket and the API, with the edge secret
that proves to the API (and its WAF) that a request came through it.

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

from infra import edge_policies as policies
from infra.names import (
    DISTRIBUTION,
    EDGE_HEADER,
    EDGE_KEY_ROTATION,
    EDGE_SECRET,
    EDGE_SECRET_NAME,
    REST_API,
    RESULTS_BUCKET,
    SECRET_TYPE,
    SITE_URL,
    Template,
    get_att,
    named,
    ref,
    skips,
    sub,
)

# What the distribution may read; not private/.
PUBLIC_PREFIXES = ("polls", "results", "p", "r", "widget", "console", "cards")
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS managed cache policy: origin Cache-Control, gzip/br
# CloudFormation resolves the edge secret's dynamic references only when it updates the resource that holds them:
# a new value of this parameter (`make deploy` passes the secret's version once it was rotated) makes it update them.
PARAMETERS: Template = {
    EDGE_KEY_ROTATION: {
        "Type": "String",
        "Default": "0",
        "AllowedPattern": "^[A-Za-z0-9-]{1,64}$",
        "Description": "Change it after putting a new value in polls/<stage>/edge, so the distribution's origin "
        "header (and the vote WAF's edge rule) take the new key (docs/operations.md).",
    },
    SITE_URL: {
        "Type": "String",
        "Default": "",
        "Description": "The site's public URL (the SiteUrl output, or your domain) for the hosted pages' og:url, "
        "canonical and hreflang links; empty until known (the pages then leave them out).",
    },
}
DISTRIBUTION_SKIPS = {
    "CKV_AWS_68": "The API's vote and form routes have the regional WAF, which counts votes through the site per "
    "reader (X-Viewer-Ip, set by the viewer-request function); a CloudFront web ACL would bill every reader's GET "
    "of a static document and must live in us-east-1",
    "CKV_AWS_86": "Standard logs need a log bucket with ACLs enabled; the API's access logs and the functions' "
    "logs record every vote, and CloudFront's metrics cover the reads",
    "CKV_AWS_174": "The default *.cloudfront.net certificate: a newsroom's own domain needs its ACM certificate "
    "(docs/deployment.md), and then TLSv1.2_2021 applies",
}


def edge_secret() -> Template:
    """Return the edge secret: the X-Origin-Verify value CloudFront sends the API (generated, never printed)."""
    return {
        "Type": SECRET_TYPE,
        "Metadata": skips(
            {
                "CKV_AWS_149": "AWS managed key, as the stage's other secret: only CloudFront's origin header and "
                "the API function read it"
            }
        ),
        "Properties": {
            "Name": named(EDGE_SECRET_NAME),
            "Description": "The X-Origin-Verify value CloudFront sends the API, so that the API trusts "
            "CloudFront-Viewer-Address only on requests that came through the site.",
            "GenerateSecretString": {"PasswordLength": 48, "ExcludePunctuation": True},
        },
    }


def distribution() -> Template:
    """Return the distribution: the private bucket through Origin Access Control, the API with the edge key."""
    edge_key = sub("{{resolve:secretsmanager:${" + EDGE_SECRET + "}}}")
    api_domain = sub("${" + REST_API + "}.execute-api.${AWS::Region}.amazonaws.com")
    return {
        "Type": "AWS::CloudFront::Distribution",
        "Metadata": skips(DISTRIBUTION_SKIPS),
        "Properties": {
            "DistributionConfig": {
                "Enabled": True,
                "Comment": sub(
                    "polls-${Stage} site: widget, documents, pages, console, API (edge key ${"
                    + EDGE_KEY_ROTATION
                    + "})"
                ),
                "HttpVersion": "http2and3",
                "IPV6Enabled": True,
                "PriceClass": "PriceClass_100",
                "Origins": [
                    {
                        "Id": "bucket",
                        "DomainName": get_att(RESULTS_BUCKET, "RegionalDomainName"),
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                        "OriginAccessControlId": get_att("SiteOriginAccessControl", "Id"),
                    },
                    {
                        "Id": "api",
                        "DomainName": api_domain,
                        "CustomOriginConfig": {"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]},
                        "OriginCustomHeaders": [{"HeaderName": EDGE_HEADER, "HeaderValue": edge_key}],
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
    }


def bucket_policy() -> Template:
    """Return the bucket's policy: only this distribution reads, and only the public prefixes; TLS only."""
    arn = get_att(RESULTS_BUCKET, "Arn")
    source = sub("arn:aws:cloudfront::${AWS::AccountId}:distribution/${" + DISTRIBUTION + "}")
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": ref(RESULTS_BUCKET),
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "OnlyThisDistributionReadsThePublicPrefixes",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudfront.amazonaws.com"},
                        "Action": "s3:GetObject",
                        "Resource": [{"Fn::Join": ["", [arn, f"/{prefix}/*"]]} for prefix in PUBLIC_PREFIXES],
                        "Condition": {"StringEquals": {"AWS:SourceArn": source}},
                    },
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [arn, {"Fn::Join": ["", [arn, "/*"]]}],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ],
            },
        },
    }


def _behaviour(origin: str, headers_policy: str, *, read_only: bool) -> Template:
    """Return a cache behaviour: the bucket's (GET, HEAD; cached as the objects say) or the API's (every method)."""
    behaviour: Template = {
        "TargetOriginId": origin,
        "ViewerProtocolPolicy": "redirect-to-https",
        "Compress": True,
        "ResponseHeadersPolicyId": ref(headers_policy),
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
            CachePolicyId=ref("ApiCachePolicy"),
            OriginRequestPolicyId=ref("ApiOriginRequestPolicy"),
            FunctionAssociations=[
                {"EventType": "viewer-request", "FunctionARN": get_att("ViewerIpFunction", "FunctionARN")}
            ],
        )
    return behaviour


def fragment(stage: str) -> Template:
    """Return the site's part of the stage's template: its resources, parameters and outputs."""
    resources: Template = {
        EDGE_SECRET: edge_secret(),
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
        **policies.api_policies(),
        **policies.headers_policies(stage),
        DISTRIBUTION: distribution(),
        "ResultsBucketPolicy": bucket_policy(),
    }
    outputs = {
        "SiteUrl": {
            "Value": sub("https://${" + DISTRIBUTION + ".DomainName}"),
            "Description": "The site: the widget, poll documents, results, hosted pages (/p/<id>), the console "
            "(/console/) and the API (/api). Set the SiteUrl parameter to it (or your domain) for hosted pages' links.",
        },
        "DistributionId": {"Value": ref(DISTRIBUTION), "Description": "The site's CloudFront distribution."},
    }
    return {"Parameters": PARAMETERS, "Resources": resources, "Outputs": outputs}
