"""Networks and surges: the reader's network (CloudFront-Viewer-ASN, only from our edge) and its block's keyed hash
on each ballot, folded per minute; a surge raises the proof's cost for that network or block alone, lapses after a
quiet cool-down, and editors may lift it, each step in the audit log."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from chalicelib.runtime.settings import get_settings
from tests.api.conftest import EDGE_KEY
from tests.conftest import JSON
from tests.helpers import create_poll, new_voter


def through_edge(address: str, asn: str | None = None, key: str | None = EDGE_KEY) -> dict[str, str]:
    headers = {"CloudFront-Viewer-Address": f"{address}:4000"}
    if key is not None:
        headers["X-Origin-Verify"] = key
    if asn is not None:
        headers["CloudFront-Viewer-ASN"] = asn
    return headers


def cast(client, poll_id: str, headers: dict[str, str], **extra: Any) -> Any:
    body = json.dumps({"options": ["yes"], "voter": new_voter(), **extra})
    return client.http.post(f"/polls/{poll_id}/votes", headers={**JSON, **headers}, body=body)


def ballots(poll_id: str) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=get_settings().ballots_table)["Items"]
    return [item for item in items if item["poll"]["S"] == poll_id]


@pytest.mark.parametrize(
    ("headers", "network"),
    [
        (through_edge("198.51.100.7", "64500"), "64500"),
        (through_edge("198.51.100.7", "064500"), "64500"),
        (through_edge("198.51.100.7", "64500", key=None), "unknown"),
        (through_edge("198.51.100.7", "64500", key="wrong-key-wrong-key-wrong-key"), "unknown"),
        (through_edge("198.51.100.7", "AS64500"), "unknown"),
        (through_edge("198.51.100.7", "0"), "unknown"),
        (through_edge("198.51.100.7", "4294967296"), "unknown"),
        (through_edge("198.51.100.7"), "unknown"),
    ],
    ids=["edge", "leading zero", "no key", "wrong key", "not digits", "zero", "over 32 bits", "absent"],
)
def test_the_ballot_records_the_asn_header_only_through_the_edge(client, edge_key, headers, network):
    poll_id = create_poll(client, options=["Yes", "No"])["id"]
    assert cast(client, poll_id, headers).status_code == 201
    (ballot,) = ballots(poll_id)
    assert ballot["net"]["S"] == network


def test_the_ballot_records_its_blocks_keyed_hash_shared_by_its_24_or_48_and_never_the_address(client, edge_key):
    poll_id = create_poll(client, options=["Yes", "No"])["id"]
    readers = ["198.51.100.7", "198.51.100.200", "198.51.101.7", "2001:db8:1:2::1", "2001:db8:1:ff::1", "2001:db8:2::1"]
    for address in readers:
        assert cast(client, poll_id, through_edge(address, "64500")).status_code == 201
    found = {item["blk"]["S"] for item in ballots(poll_id)}
    assert len(found) == 4  # 198.51.100.0/24, 198.51.101.0/24, 2001:db8:1::/48, 2001:db8:2::/48
    stored = json.dumps(ballots(poll_id))
    assert not any(part in stored for part in ("198.51", "2001:db8", "db8"))
