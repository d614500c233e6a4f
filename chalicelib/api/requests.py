"""Reading requests: the JSON body within its size limit, query parameters and the caller's address."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from chalice.app import Request

from chalicelib.core.audience import UNKNOWN, Dimensions, country_code, registrable_site, surface_of
from chalicelib.core.errors import InvalidJson, PayloadTooLarge
from chalicelib.runtime.secrets import edge_key, tokens_match
from chalicelib.runtime.settings import get_settings

MAX_BODY_BYTES = 8 * 1024
MAX_POLL_BODY_BYTES = 64 * 1024  # a poll definition with its translations


def parse_json_body(raw: bytes | str | None, limit: int = MAX_BODY_BYTES) -> Any:
    """Decode a request body of at most `limit` bytes (8 KiB unless given) as JSON, or raise the matching API error."""
    if raw is None or len(raw) == 0:
        raise InvalidJson("the body must be a JSON object")
    if len(raw) > limit:
        raise PayloadTooLarge(f"the body must be at most {limit} bytes")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidJson("the body is not valid JSON") from exc


def optional_json_body(request: Request) -> Any:
    """Decode the body if there is one, else None."""
    return parse_json_body(request.raw_body) if request.raw_body else None


def query(request: Request, name: str) -> str | None:
    """Return a single query-string parameter, or None."""
    params = request.query_params
    value = params.get(name) if params is not None else None
    return None if value is None else str(value)


def header(request: Request, name: str) -> str | None:
    """Return a request header (case-insensitive), or None."""
    value = request.headers.get(name) if request.headers is not None else None
    return None if value is None else str(value)


EDGE_HEADER = "x-origin-verify"  # CloudFront adds it (the stage's edge key) to every request it sends the API
VIEWER_HEADER = "cloudfront-viewer-address"  # the reader's address and port, as CloudFront saw them
COUNTRY_HEADER = "cloudfront-viewer-country"  # the reader's country, as CloudFront placed their address
ASN_HEADER = "cloudfront-viewer-asn"  # the reader's network (autonomous system number), as CloudFront placed it
UNKNOWN_NETWORK = "unknown"
MAX_ASN = 2**32 - 1  # AS numbers are 32 bits


def from_edge(request: Request) -> bool:
    """Tell whether the request came through our edge (it carries the stage's edge key)."""
    verify, key = header(request, EDGE_HEADER), None
    if verify:
        key = edge_key()
    return key is not None and verify is not None and tokens_match(verify, key)


def dimensions(request: Request, *, form: bool = False) -> Dimensions:
    """Return what the edge knows of where a vote came from: the country (only from our edge), the embedding
    site (the page's Origin, or the Referer of a no-JS form's post) and the surface."""
    origin = header(request, "origin")
    page = header(request, "referer") if form else origin
    country = country_code(header(request, COUNTRY_HEADER)) if from_edge(request) else UNKNOWN
    surface = surface_of(form=form, origin=origin, site_url=get_settings().site_url)
    return Dimensions(country=country, site=registrable_site(page), surface=surface)


def source_ip(request: Request) -> str | None:
    """Return the caller's IP: the reader's address CloudFront reports when the request came through our edge,
    else API Gateway's source IP (never a client header alone)."""
    identity = (request.context or {}).get("identity") or {}
    ip = identity.get("sourceIp")
    viewer = header(request, VIEWER_HEADER)
    if viewer and from_edge(request):
        address = viewer.rpartition(":")[0].strip("[]")
        try:
            return str(ipaddress.ip_address(address))
        except ValueError:
            pass  # not an address: the API Gateway source IP stands
    return str(ip) if ip else None


def viewer_network(request: Request) -> str:
    """Return the reader's network (its AS number, as digits) that CloudFront reports, only on a request through our
    edge; "unknown" without the edge key, or when the header is absent or not an AS number."""
    value = (header(request, ASN_HEADER) or "").strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 10 and 0 < int(value) <= MAX_ASN):
        return UNKNOWN_NETWORK
    return str(int(value)) if from_edge(request) else UNKNOWN_NETWORK
