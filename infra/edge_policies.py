"""What the site's distribution does with requests and answers: the API behaviour's cache and origin request
policies, the viewer-request function that names the reader's address, and the response headers (CORS for the
newsrooms' pages, security headers, the console's content security policy and no framing).
"""

from __future__ import annotations

from infra.functions import stage_environment
from infra.names import VIEWER_IP_HEADER, Template, sub

# In the API's cache key (so forwarded too): Authorization (CloudFront forwards it no other way; admin answers are
# no-store) and Origin (the API answers CORS per origin with `Vary: Origin`, which CloudFront's cache ignores).
API_CACHE_KEY_HEADERS = ["Authorization", "Origin"]
# The viewer's country (the audience), network (surges) and the Referer (the embedding site of a no-JS form's vote)
# come too.
API_HEADERS = [
    "Content-Type",
    "Sec-Fetch-Site",
    "Referer",
    "CloudFront-Viewer-Address",
    "CloudFront-Viewer-Country",
    "CloudFront-Viewer-ASN",
    VIEWER_IP_HEADER,
]
# Overwrites whatever a client sent under that name: only CloudFront's view of the reader's address reaches the API.
VIEWER_IP_CODE = f"""function handler(event) {{
  var request = event.request;
  request.headers['{VIEWER_IP_HEADER.lower()}'] = {{ value: event.viewer.ip }};
  return request;
}}
"""
VOTER_COOKIE = "poll_voter"


def cors_origins(stage: str) -> list[str]:
    """Return the stage's CORS_ALLOW_ORIGINS (.chalice/config.json): the newsrooms' origins the widget runs on."""
    return [o.strip() for o in stage_environment(stage).get("CORS_ALLOW_ORIGINS", "").split(",") if o.strip()]


def _security_headers() -> Template:
    """HSTS, nosniff and a referrer policy: the headers every site answer carries."""
    return {
        "StrictTransportSecurity": {"AccessControlMaxAgeSec": 63072000, "IncludeSubdomains": True, "Override": True},
        "ContentTypeOptions": {"Override": True},
        "ReferrerPolicy": {"ReferrerPolicy": "strict-origin-when-cross-origin", "Override": True},
    }


def api_policies() -> Template:
    """Return the API behaviour's cache policy (as the API's Cache-Control says) and what else reaches the API."""
    return {
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
    }


def headers_policies(stage: str) -> Template:
    """Return the response headers: CORS for the newsrooms' pages and security headers; the console never framed."""
    return {
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
                        "AccessControlAllowOrigins": {"Items": cors_origins(stage) or ["*"]},
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
                                "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self' "
                                "https://cognito-idp.${AWS::Region}.amazonaws.com; "
                                "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
                            ),
                            "Override": True,
                        },
                    },
                }
            },
        },
    }
