"""Networks and surges: the reader's network (CloudFront-Viewer-ASN, only from our edge) and its block's keyed hash
on each ballot, folded per minute; a surge raises the proof's cost for that network or block alone, lapses after a
quiet cool-down, and editors may lift it, each step in the audit log."""

from __future__ import annotations

import json
import threading
from types import SimpleNamespace
from typing import Any

import boto3
import jsonschema
import pytest
import yaml

from chalicelib.runtime import clock, state
from chalicelib.runtime.settings import get_settings
from chalicelib.services import challenges, surges
from tests.api.conftest import EDGE_KEY
from tests.api.test_openapi import SPEC_PATH
from tests.conftest import ADMIN, JSON
from tests.helpers import aws_error, create_poll, error_code, folded, new_voter
from tests.proofs import CHEAP_POW, solve
from tests.support.turnstile import Siteverify

# A small rule for the tests: 6 votes in 5 minutes surge (level 1) a key with no trailing votes; 12, level 2.
RULE = {"SURGE_FLOOR": "6", "SURGE_FLOOR_2": "12", "SURGE_FACTOR": "2", "SURGE_FACTOR_2": "4"}


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
    assert not any(part in stored for part in ("198.51.", "2001:db8:"))  # a hash is hex: no dots, no colons


@pytest.fixture
def surge_rule(monkeypatch, edge_key):
    """Cheap proofs, the small rule, the rule applied at every fold, and a clock the test moves."""
    for name, value in {**CHEAP_POW, **RULE}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(surges, "EVALUATE_EVERY", 0.0)
    now = {"at": float(int(clock.now()) // 60 * 60 + 5)}
    monkeypatch.setattr(clock, "now", lambda: now["at"])
    state.reset_all()
    yield now
    state.reset_all()


def challenge(client, poll_id: str, headers: dict[str, str]) -> dict[str, Any]:
    answer = client.http.get(f"/polls/{poll_id}/challenge", headers=headers)
    assert answer.status_code == 200, answer.body
    return answer.json_body


def cost_and_level(client, poll_id: str, headers: dict[str, str]) -> tuple[int, int]:
    """The challenge's work in steps (the spread its secret counter was drawn from; CHEAP_POW's is 4) and level."""
    drawn: list[int] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(challenges, "secrets", SimpleNamespace(randbelow=lambda n: drawn.append(n) or 0))
        parameters = challenge(client, poll_id, headers)["parameters"]
    assert parameters["cost"] == 1  # a step's cost stays CHEAP_POW's: only the steps change
    return drawn[0] // 4, parameters["data"]["surge"]


def flood(client, poll_id: str, asn: str, votes: int, block: bool = False) -> None:
    """Votes from one network: each from its own /24 (only the network surges), or all from one /24 (both do)."""
    for n in range(votes):
        address = f"198.51.100.{n + 1}" if block else f"10.{n // 200}.{n % 200}.7"
        headers = through_edge(address, asn)
        proof = solve(challenge(client, poll_id, headers))
        assert cast(client, poll_id, headers, proof=proof).status_code == 201
    folded()


def audit_actions(client, poll_id: str) -> list[tuple[str, str]]:
    entries = client.http.get(f"/audit?poll_id={poll_id}", headers=ADMIN).json_body["entries"]
    return [(entry["action"], entry["actor"]) for entry in reversed(entries) if entry["action"].startswith("surge")]


def schema(name: str) -> dict[str, Any]:
    spec = yaml.safe_load(SPEC_PATH.read_text())
    return {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}


def protected(client) -> str:
    return str(create_poll(client, options=["Yes", "No"], challenge="proof_of_work", proof_algorithm="pbkdf2")["id"])


def test_a_surge_raises_the_proof_cost_for_its_network_only(client, surge_rule):
    poll_id = protected(client)
    flood(client, poll_id, "64500", 6)
    assert cost_and_level(client, poll_id, through_edge("10.9.9.9", "64500")) == (8, 1)  # a new /24 of the network
    assert cost_and_level(client, poll_id, through_edge("10.9.9.9", "64501")) == (1, 0)  # another network
    assert cost_and_level(client, poll_id, through_edge("203.0.113.5", "64501")) == (1, 0)
    assert cost_and_level(client, poll_id, through_edge("10.9.9.9")) == (1, 0)  # no network said: no surge
    (found,) = client.http.get(f"/polls/{poll_id}/surges", headers=ADMIN).json_body["surges"]
    assert (found["kind"], found["key"], found["level"], found["cost_factor"]) == ("network", "64500", 1, 8)
    forensics = client.http.get(f"/polls/{poll_id}/forensics", headers=ADMIN).json_body
    assert [s["key"] for s in forensics["surges"]] == ["64500"]
    jsonschema.validate(forensics, schema("Forensics"))
    assert audit_actions(client, poll_id) == [("surge", "surge rule")]


def test_a_block_surges_for_its_own_readers_and_past_the_second_floor_reaches_level_2(client, surge_rule):
    poll_id = protected(client)
    flood(client, poll_id, "64500", 12, block=True)
    assert cost_and_level(client, poll_id, through_edge("198.51.100.200", "64999")) == (64, 2)  # the block's
    assert cost_and_level(client, poll_id, through_edge("198.51.101.1", "64999")) == (1, 0)  # the next /24
    found = client.http.get(f"/polls/{poll_id}/surges", headers=ADMIN).json_body["surges"]
    kinds = {s["kind"]: s["level"] for s in found}
    assert kinds == {"network": 2, "block": 2}


def test_a_proof_issued_below_the_level_now_needed_is_refused_and_a_new_one_passes(client, surge_rule):
    poll_id = protected(client)
    headers = through_edge("10.9.9.9", "64500")
    early = solve(challenge(client, poll_id, headers))  # issued before the surge, at level 0
    flood(client, poll_id, "64500", 6)
    refused = cast(client, poll_id, headers, proof=early)
    assert refused.status_code == 400
    assert error_code(refused) == "challenge_failed"
    assert "fetch a new challenge" in refused.json_body["error"]["message"]
    assert cast(client, poll_id, headers, proof=solve(challenge(client, poll_id, headers))).status_code == 201


def test_a_surge_lapses_after_a_quiet_cool_down_and_the_rule_audits_it(client, surge_rule):
    poll_id = protected(client)
    flood(client, poll_id, "64500", 6)
    assert cost_and_level(client, poll_id, through_edge("10.9.9.9", "64500")) == (8, 1)
    surge_rule["at"] += get_settings().surge_rule.cooldown * 60
    assert cost_and_level(client, poll_id, through_edge("10.9.9.9", "64500")) == (1, 0)  # lapsed by itself
    flood(client, poll_id, "64501", 1)  # the fold's next visit to the poll deletes it, audited
    assert client.http.get(f"/polls/{poll_id}/surges", headers=ADMIN).json_body["surges"] == []
    assert audit_actions(client, poll_id) == [("surge", "surge rule"), ("surge_lapsed", "surge rule")]


def test_the_snapshot_job_sweeps_a_lapsed_surge_of_a_poll_nobody_votes_in_any_more(client, surge_rule):
    poll_id = protected(client)
    flood(client, poll_id, "64500", 6)
    surge_rule["at"] += 60
    assert client.http.post("/snapshots", headers=ADMIN).status_code == 200  # in force: kept
    assert len(client.http.get(f"/polls/{poll_id}/surges", headers=ADMIN).json_body["surges"]) == 1
    surge_rule["at"] += get_settings().surge_rule.cooldown * 60
    assert client.http.post("/snapshots", headers=ADMIN).status_code == 200
    assert client.http.get(f"/polls/{poll_id}/surges", headers=ADMIN).json_body["surges"] == []
    assert audit_actions(client, poll_id) == [("surge", "surge rule"), ("surge_lapsed", "surge rule")]


def test_an_editor_lifts_a_surge_and_the_rule_leaves_that_network_be(client, surge_rule, editor):
    poll_id = protected(client)
    flood(client, poll_id, "64500", 6)
    surge_rule["at"] += 1
    body = json.dumps({"kind": "network", "key": "64500", "reason": "a newsroom's own network"})
    answer = client.http.post(f"/polls/{poll_id}/surges/lift", headers=editor, body=body)
    assert answer.status_code == 200, answer.body
    assert (answer.json_body["before"]["level"], answer.json_body["surge"]["level"]) == (1, 0)
    jsonschema.validate(answer.json_body["surge"], schema("Surge"))
    assert cost_and_level(client, poll_id, through_edge("10.9.9.9", "64500")) == (1, 0)
    flood(client, poll_id, "64500", 6)  # still surging: the lift holds
    assert cost_and_level(client, poll_id, through_edge("10.9.9.9", "64500")) == (1, 0)
    assert audit_actions(client, poll_id) == [("surge", "surge rule"), ("surge_lifted", "editor@example.com")]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "country", "key": "64500"}, "invalid_parameter"),
        ({"kind": ["network"], "key": "64500"}, "invalid_parameter"),  # not a string: no kind, and no 500
        ({"kind": {"network": 1}, "key": "64500"}, "invalid_parameter"),
        ({"kind": "network", "key": "AS64500"}, "invalid_parameter"),
        ({"kind": "block", "key": "198.51.100.0/24"}, "invalid_parameter"),
        ({"kind": "network", "key": "64500", "reason": 7}, "invalid_parameter"),
        ({"kind": "network", "key": "64500", "until": 1}, "invalid_json"),
        (["network", "64500"], "invalid_json"),
    ],
)
def test_a_bad_lift_is_refused_and_writes_nothing(client, surge_rule, body, code):
    poll_id = protected(client)
    answer = client.http.post(f"/polls/{poll_id}/surges/lift", headers=ADMIN, body=json.dumps(body))
    assert (answer.status_code, error_code(answer)) == (400, code)
    assert client.http.get(f"/polls/{poll_id}/surges", headers=ADMIN).json_body["surges"] == []
    assert audit_actions(client, poll_id) == []


def test_an_asn_header_without_the_edge_key_never_raises_its_networks_surge(client, surge_rule):
    poll_id = protected(client)
    for n in range(8):
        headers = through_edge(f"10.{n}.0.7", "64500", key=None)
        assert cast(client, poll_id, headers, proof=solve(challenge(client, poll_id, headers))).status_code == 201
    folded()
    found = client.http.get(f"/polls/{poll_id}/surges", headers=ADMIN).json_body["surges"]
    assert [s["kind"] for s in found] == ["block"]  # the caller's own address (API Gateway's view) surges, alone
    assert cost_and_level(client, poll_id, through_edge("10.9.9.9", "64500")) == (1, 0)


def void(client, poll_id: str, **body: Any) -> Any:
    payload = {"reason": "a surge from one network", **body}
    return client.http.post(f"/polls/{poll_id}/void", headers=ADMIN, body=json.dumps(payload))


@pytest.mark.parametrize("by", ["network", "block"])
def test_an_editor_voids_a_networks_or_a_blocks_ballots_and_no_others(client, surge_rule, by):
    poll_id = protected(client)
    flood(client, poll_id, "64500", 6, block=True)  # 198.51.100.0/24, network 64500
    flood(client, poll_id, "64501", 2)  # other networks' readers, in other blocks
    report = client.http.get(f"/polls/{poll_id}/forensics", headers=ADMIN).json_body
    jsonschema.validate(report, schema("Forensics"))
    key = {"network": "64500", "block": next(s["block"] for s in report["sources"] if "64500" in s["networks"])}[by]
    assert {s["key"] for s in report["surges"] if s["kind"] == by} == {key}
    assert void(client, poll_id, **{by: key}, dry_run=True).json_body["voided"] == 6
    answer = void(client, poll_id, **{by: key})
    assert (answer.status_code, answer.json_body["voided"], answer.json_body["complete"]) == (200, 6, True)
    folded()
    results = client.http.get(f"/polls/{poll_id}/results", headers=ADMIN).json_body
    assert results["total_voters"] == 2
    (record,) = client.http.get(f"/polls/{poll_id}/voids", headers=ADMIN).json_body["voids"]
    assert (record.get(by), "source" in record) == (key, False)


@pytest.mark.parametrize(
    "body",
    [
        {"network": "AS64500"},
        {"network": "unknown"},
        {"block": "198.51.100.0/24"},
        {"network": "64500", "source": "0" * 32},
        {},
    ],
)
def test_a_void_naming_no_single_valid_network_block_or_source_is_refused(client, surge_rule, body):
    poll_id = protected(client)
    answer = void(client, poll_id, **body)
    assert (answer.status_code, error_code(answer)) == (400, "invalid_json")
    assert client.http.get(f"/polls/{poll_id}/voids", headers=ADMIN).json_body["voids"] == []


def test_with_surges_on_a_cached_poll_issues_challenges_and_takes_votes_with_no_extra_request(
    client, surge_rule, calls, monkeypatch
):
    monkeypatch.setenv("POLL_CACHE_SECONDS", "60")  # the catalog's lifetime (1 s by default), long for a slow machine
    monkeypatch.setenv("RESULTS_CACHE_SECONDS", "60")
    state.reset_all()
    poll_id = protected(client)
    flood(client, poll_id, "64500", 6)
    headers = through_edge("10.9.9.9", "64500")
    proof = solve(challenge(client, poll_id, headers))  # the catalog's one Query brings the definition and surges
    calls.clear()
    for _ in range(20):
        assert cost_and_level(client, poll_id, headers) == (8, 1)
    assert calls.operations("dynamodb") == []
    assert cast(client, poll_id, headers, proof=proof).status_code == 201
    assert calls.operations("dynamodb") == ["TransactWriteItems"]  # still one request a vote


def test_a_fold_batch_counts_per_minute_and_bucket_then_applies_the_rule_in_one_query(client, surge_rule, calls):
    poll_id = protected(client)
    flood(client, poll_id, "64500", 1)  # the poll's first batch on the shard: its tally made
    for n in range(5):
        headers = through_edge(f"10.{n}.1.7", str(64600 + n))
        assert cast(client, poll_id, headers, proof=solve(challenge(client, poll_id, headers))).status_code == 201
    calls.clear()
    folded(publish=False)
    counters = f"{poll_id}#v"
    rates = [c.params for c in calls.calls if c.params.get("Key", {}).get("id", {}).get("S", "").startswith(counters)]
    buckets = {c["Key"]["part"]["S"] for c in rates}
    queries = [c.params for c in calls.calls if c.operation == "Query" and counters in str(c.params)]
    # 5 networks and 5 blocks in one minute on one stream shard: one UpdateItem per bucket they fall in (at most 4),
    # in one of the poll's counter partitions; the rule reads each of the 4 with one Query
    assert len(rates) == len(buckets) <= 4
    assert len({c["Key"]["id"]["S"] for c in rates}) == 1
    assert len(queries) == 4


def test_a_failing_surge_counter_never_holds_the_counts_back(client, surge_rule, faults):
    poll_id = protected(client)

    def on_counters(params):
        """Refuse every write of the surge counters, as DynamoDB does an item grown past 400 KB."""
        if "#v" in params["Key"]["id"]["S"]:
            return aws_error("ValidationException", 400)(params)
        return None

    faults.add("UpdateItem", on_counters, times=100)
    flood(client, poll_id, "64500", 6)
    faults.clear()
    assert client.http.get(f"/polls/{poll_id}/results", headers=ADMIN).json_body["total_voters"] == 6
    assert client.http.get(f"/polls/{poll_id}/surges", headers=ADMIN).json_body["surges"] == []


@pytest.mark.parametrize(
    ("proof", "status", "asked_siteverify"),
    [
        ("good-token", 201, 1),
        ("bad-token", 400, 1),
        ("early proof", 400, 0),  # issued before the surge, at level 0
        ("costliest proof", 201, 0),  # asked with ?turnstile=0, by a page without Turnstile
    ],
    ids=["Turnstile passes", "Turnstile refuses", "a proof below the level", "the costliest proof"],
)
def test_past_the_second_level_a_stage_with_turnstile_asks_that_network_for_it_instead(
    client, surge_rule, monkeypatch, proof, status, asked_siteverify
):
    poll_id = protected(client)
    headers = through_edge("10.9.9.9", "64500")
    early = solve(challenge(client, poll_id, headers))
    flood(client, poll_id, "64500", 12)  # level 2
    stand_in = Siteverify()
    threading.Thread(target=stand_in.server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("TURNSTILE_VERIFY_URL", stand_in.url)
        monkeypatch.setenv("TURNSTILE_SECRET", "turnstile-test-secret")
        state.reset_all()
        asked = client.http.get(f"/polls/{poll_id}/challenge", headers=headers)
        assert (asked.status_code, error_code(asked)) == (428, "turnstile_required")
        assert cost_and_level(client, poll_id, through_edge("10.9.9.9", "64501")) == (1, 0)  # another network
        costliest = client.http.get(f"/polls/{poll_id}/challenge?turnstile=0", headers=headers)
        assert (costliest.status_code, costliest.json_body["parameters"]["data"]["surge"]) == (200, 2)
        sent = {"early proof": early, "costliest proof": solve(costliest.json_body)}.get(proof, proof)
        answer = cast(client, poll_id, headers, proof=sent)
        assert answer.status_code == status
        if status != 201:
            assert error_code(answer) == "challenge_failed"
        assert len(stand_in.requests) == asked_siteverify
    finally:
        stand_in.server.shutdown()
        stand_in.server.server_close()


def test_past_the_second_level_a_stage_without_turnstile_asks_the_costliest_proof(client, surge_rule):
    poll_id = protected(client)
    flood(client, poll_id, "64500", 12)
    headers = through_edge("10.9.9.9", "64500")
    assert cost_and_level(client, poll_id, headers) == (64, 2)
    assert cast(client, poll_id, headers, proof=solve(challenge(client, poll_id, headers))).status_code == 201
