"""Editors sign in through the stage's user pool: every admin route refuses no token (401) and a wrong group (403),
records who acted, and the service token keeps working; tokens of another pool, client or a signed-out editor fail."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from chalicelib.core.identity import Group
from local.cognito import create_user, ensure_user_pool, sign_in
from tests.api.conftest import ADMIN, EDITOR, PASSWORD, audit_entries
from tests.conftest import ADMIN as SERVICE
from tests.helpers import create_poll, error_code, folded, patch, vote

# Every admin operation: (method, path, body); {id} is a fresh poll.
OPERATIONS = [
    ("POST", "/polls", {"question": "Tea or coffee?", "options": ["Tea", "Coffee"]}),
    ("GET", "/polls", None),
    ("GET", "/polls/{id}/admin", None),
    ("PATCH", "/polls/{id}", {"question": "Coffee or tea?"}),
    ("DELETE", "/polls/{id}", None),
    ("POST", "/polls/{id}/recount", None),
    ("POST", "/snapshots", None),
    ("GET", "/polls/{id}/history", None),
    ("GET", "/polls/{id}/results.csv", None),
    ("GET", "/polls/{id}/audience", None),
    ("GET", "/polls/{id}/audience.csv", None),
    ("GET", "/audit", None),
    ("GET", "/polls/{id}/forensics", None),
    ("POST", "/polls/{id}/void", {"source": "s" * 16, "reason": "stuffed"}),
    ("GET", "/polls/{id}/voids", None),
    ("POST", "/exports", {"day": "2026-12-01"}),
]
# What each writing operation records, and who may do it.
WRITES = {
    ("POST", "/polls"): "create",
    ("PATCH", "/polls/{id}"): "change",
    ("DELETE", "/polls/{id}"): "delete",
    ("POST", "/polls/{id}/recount"): "recount",
}


def call(client: Any, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.http.request(method, path, headers=headers, body=None if body is None else json.dumps(body))


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_each_admin_route_refuses_no_token_401_and_a_user_in_no_group_403(client, stranger, method, path, body):
    poll_id = create_poll(client)["id"]
    url = path.replace("{id}", poll_id)
    assert call(client, method, url, body, {"Content-Type": "application/json"}).status_code == 401
    refused = call(client, method, url, body, stranger)
    assert refused.status_code == 403
    assert error_code(refused) == "forbidden"
    assert [e for e in audit_entries(client, SERVICE, poll_id) if e["actor"] != "service-token"] == []


@pytest.mark.parametrize(("method", "path"), list(WRITES), ids=[f"{m} {p}" for m, p in WRITES])
def test_each_change_records_an_audit_entry_naming_the_signed_in_actor(client, editor, admin, method, path):
    poll_id = create_poll(client, id=f"audited-{len(path)}-{method.lower()}")["id"]
    body = OPERATIONS_BODY[(method, path)]
    who, email = (admin, ADMIN) if method == "DELETE" else (editor, EDITOR)
    response = call(client, method, path.replace("{id}", poll_id), body, who)
    assert response.status_code in (200, 201, 204), response.body
    target = response.json_body["id"] if method == "POST" and path == "/polls" else poll_id
    newest = audit_entries(client, editor, target)[0]
    assert newest["actor"] == email
    assert newest["action"] == WRITES[(method, path)]
    assert newest["actor_id"]
    assert newest["poll_id"] == target


OPERATIONS_BODY = {(m, p): b for m, p, b in OPERATIONS if (m, p) in WRITES}


def test_an_editor_may_not_delete_a_poll(client, editor):
    poll_id = create_poll(client)["id"]
    refused = client.http.delete(f"/polls/{poll_id}", headers=editor)
    assert refused.status_code == 403
    assert error_code(refused) == "forbidden"
    assert client.http.get(f"/polls/{poll_id}").status_code == 200
    assert [e["action"] for e in audit_entries(client, editor, poll_id)] == ["create"]


def test_close_reopen_and_change_are_named_with_what_changed(client, editor):
    poll_id = create_poll(client)["id"]
    assert patch_as(client, editor, poll_id, status="closed").status_code == 200
    assert patch_as(client, editor, poll_id, status="open").status_code == 200
    assert patch_as(client, editor, poll_id, max_choices=2).status_code == 400  # not a field a change may set
    assert patch_as(client, editor, poll_id, randomize_options=True).status_code == 200
    change, reopen, close, create = audit_entries(client, editor, poll_id)
    assert (close["action"], close["details"]) == (
        "close",
        {"before": {"status": "open"}, "after": {"status": "closed"}},
    )
    assert (reopen["action"], reopen["details"]["after"]) == ("reopen", {"status": "open"})
    assert (change["action"], change["details"]) == (
        "change",
        {"before": {"randomize_options": False}, "after": {"randomize_options": True}},
    )
    assert create["actor"] == "service-token" and create["details"]["after"]["id"] == poll_id


def patch_as(client: Any, headers: dict[str, str], poll_id: str, **fields: Any) -> Any:
    return client.http.request("PATCH", f"/polls/{poll_id}", headers=headers, body=json.dumps(fields))


def test_the_service_token_keeps_admin_rights_and_is_named_as_such(client):
    poll_id = create_poll(client)["id"]
    assert patch(client, poll_id, status="closed").status_code == 200
    assert client.http.post(f"/polls/{poll_id}/recount", headers=SERVICE, body='{"fix": true}').status_code == 409
    assert client.http.post(f"/polls/{poll_id}/recount", headers=SERVICE, body='{"fix": false}').status_code == 200
    assert client.http.delete(f"/polls/{poll_id}", headers=SERVICE).status_code == 204
    entries = audit_entries(client, SERVICE, poll_id)
    assert [e["action"] for e in entries] == ["delete", "recount", "close", "create"]
    assert {e["actor"] for e in entries} == {"service-token"}
    assert {e["actor_id"] for e in entries} == {None}


def test_bad_input_is_refused_and_records_nothing(client, editor):
    poll_id = create_poll(client)["id"]
    bad_create = client.http.post("/polls", headers=editor, body=json.dumps({"question": "", "options": ["A", "B"]}))
    assert (bad_create.status_code, bad_create.json_body["error"]["field"]) == (400, "question")
    bad_change = patch_as(client, editor, poll_id, closes_at="2001-01-01T00:00:00Z")
    assert (bad_change.status_code, bad_change.json_body["error"]["field"]) == (400, "closes_at")
    assert patch_as(client, editor, poll_id, shards=2).status_code == 400
    assert [e["action"] for e in audit_entries(client, editor)] == ["create"]


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
def test_audit_entries_cannot_be_changed_through_the_api(client, editor, method):
    create_poll(client)
    before = audit_entries(client, editor)
    response = client.http.request(method, "/audit", headers=editor, body="{}")
    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"
    assert audit_entries(client, editor) == before


def test_the_audit_store_never_overwrites_an_entry(client, editor):
    from chalicelib.core.errors import ServiceUnavailable
    from chalicelib.runtime.settings import get_settings
    from chalicelib.store.dynamo.audit import DynamoAuditLog, _from_model
    from chalicelib.store.dynamo.tables import Tables

    poll_id = create_poll(client)["id"]
    tables = Tables.build(get_settings())
    stored = next(iter(tables.audit.query(f"poll#{poll_id}")))
    forged = _from_model(stored)
    forged = type(forged)(forged.at_ms, forged.entry_id, forged.actor, forged.action, poll_id, {"after": "forged"})
    with pytest.raises(ServiceUnavailable):
        DynamoAuditLog(tables).append(forged)
    assert audit_entries(client, editor, poll_id)[0]["details"]["after"]["id"] == poll_id


def test_the_audit_log_pages_newest_first_and_filters_by_poll(client, editor):
    first = create_poll(client)["id"]
    second = create_poll(client)["id"]
    patch(client, first, status="closed")
    page = client.http.get("/audit?limit=2", headers=editor).json_body
    assert [(e["action"], e["poll_id"]) for e in page["entries"]] == [("close", first), ("create", second)]
    rest = client.http.get(f"/audit?limit=2&cursor={page['next_cursor']}", headers=editor).json_body
    assert [(e["action"], e["poll_id"]) for e in rest["entries"]] == [("create", first)]
    assert rest["next_cursor"] is None
    assert [e["action"] for e in audit_entries(client, editor, first)] == ["close", "create"]


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "cursor=!!", "cursor=e30", "poll_id=No"])
def test_bad_audit_parameters_are_refused(client, editor, query):
    response = client.http.get(f"/audit?{query}", headers=editor)
    assert (response.status_code, error_code(response)) == (400, "invalid_parameter")


def test_the_audit_log_reads_through_keys_and_the_feed_index_never_a_scan(client, editor, calls):
    poll_id = create_poll(client)["id"]
    calls.clear()
    audit_entries(client, editor, poll_id)
    audit_entries(client, editor)
    queries = [c.params for c in calls.calls if c.operation in ("Query", "Scan") and "audit" in c.params["TableName"]]
    assert [q.get("IndexName") for q in queries] == [None, "feed"]


def test_a_token_of_another_user_pool_grants_nothing_even_in_a_group_named_admins(client, user_pool):
    other = ensure_user_pool("elsewhere", "us-east-1", {"intruder@example.com": (PASSWORD, Group.ADMINS)})
    token = sign_in(other, "intruder@example.com", PASSWORD)
    refused = client.http.get("/polls", headers={"Authorization": f"Bearer {token}"})
    assert (refused.status_code, error_code(refused)) == (401, "unauthorized")


def test_a_token_for_another_app_client_of_the_pool_grants_nothing(client, user_pool):
    cognito = boto3.client("cognito-idp", region_name="us-east-1")
    other = cognito.create_user_pool_client(
        UserPoolId=user_pool.pool_id, ClientName="another-app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    answer = cognito.initiate_auth(
        ClientId=other, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": ADMIN, "PASSWORD": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {answer['AuthenticationResult']['AccessToken']}"}
    assert client.http.get("/polls", headers=headers).status_code == 401


def test_a_signed_out_editor_is_refused_at_once(client, user_pool):
    token = sign_in(user_pool, EDITOR, PASSWORD)
    boto3.client("cognito-idp", region_name="us-east-1").global_sign_out(AccessToken=token)
    refused = client.http.get("/polls", headers={"Authorization": f"Bearer {token}"})
    assert (refused.status_code, error_code(refused)) == (401, "unauthorized")


def test_a_disabled_editor_is_refused_once_the_short_trust_lapses(client, user_pool, monkeypatch):
    from chalicelib.runtime import state

    monkeypatch.setenv("IDENTITY_CACHE_SECONDS", "0")
    state.reset_all()
    create_user(user_pool.pool_id, "leaver@example.com", PASSWORD, [Group.EDITORS])
    headers = {"Authorization": f"Bearer {sign_in(user_pool, 'leaver@example.com', PASSWORD)}"}
    assert client.http.get("/polls", headers=headers).status_code == 200
    boto3.client("cognito-idp", region_name="us-east-1").admin_disable_user(
        UserPoolId=user_pool.pool_id, Username="leaver@example.com"
    )
    assert client.http.get("/polls", headers=headers).status_code == 401


@pytest.mark.parametrize("token", ["a.b.c", "not-a-jwt", "eyJhbGciOiJub25lIn0.eyJ0b2tlbl91c2UiOiJhY2Nlc3MifQ.x"])
def test_malformed_or_forged_tokens_are_unauthorized(client, user_pool, token):
    response = client.http.get("/polls", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, error_code(response)) == (401, "unauthorized")


def test_editors_see_results_that_readers_may_not(client, editor, stranger):
    poll_id = create_poll(client, results_visibility="never")["id"]
    assert client.http.get(f"/polls/{poll_id}/results").status_code == 403
    assert client.http.get(f"/polls/{poll_id}/results", headers=stranger).status_code == 403
    assert client.http.get(f"/polls/{poll_id}/results", headers=editor).status_code == 200


def test_history_gives_per_minute_points_from_the_snapshots(client, editor):
    poll_id = create_poll(client, options=["Tea", "Coffee"])["id"]
    vote(client, poll_id, ["tea"], "voter-history-0001")
    folded()
    assert client.http.post("/snapshots", headers=editor).status_code == 200
    body = client.http.get(f"/polls/{poll_id}/history", headers=editor).json_body
    assert body["minutes"] == 1
    assert [(p["total_voters"], p["options"]) for p in body["points"]] == [(1, {"tea": 1, "coffee": 0})]
    assert [o["id"] for o in body["options"]] == ["tea", "coffee"]
    run = audit_entries(client, editor)[0]
    assert (run["action"], run["actor"], run["poll_id"]) == ("snapshot_run", EDITOR, None)
    assert client.http.get(f"/polls/{poll_id}/history?points=1", headers=editor).status_code == 400


def test_results_download_as_csv(client, editor):
    poll_id = create_poll(client, options=["=SUM(A1)", "Plain"])["id"]
    vote(client, poll_id, ["plain"], "voter-csv-000001")
    folded()
    response = client.http.get(f"/polls/{poll_id}/results.csv", headers=editor)
    assert response.status_code == 200
    headers = {name.lower(): value for name, value in response.headers.items()}
    assert headers["content-type"].startswith("text/csv")
    assert "attachment" in headers["content-disposition"]
    lines = response.body.decode("utf-8-sig").splitlines()
    assert lines == [
        '"# Readers\' poll: a self-selected sample, not a scientific survey."',
        "option_id,label,votes,percent",
        "sum-a1,'=SUM(A1),0,0.0",
        "plain,Plain,1,100.0",
        "total_voters,,1,",
    ]


def test_polls_can_be_searched_by_words_of_the_question(client, editor):
    create_poll(client, question="Should the library open on Sundays?")
    create_poll(client, question="Should the pool open on Sundays?")
    found = client.http.get("/polls?q=LIBRARY%20sundays", headers=editor).json_body["polls"]
    assert [p["question"] for p in found] == ["Should the library open on Sundays?"]
    assert client.http.get(f"/polls?q={'x' * 101}", headers=editor).status_code == 400


def test_voiding_needs_admins_and_is_recorded_with_the_source_reason_and_counts(client, editor, admin):
    from tests.api.test_stuffing import from_address

    poll_id = create_poll(client)["id"]
    with from_address(client, "198.51.100.7"):
        vote(client, poll_id, ["no"], "voter-void-000001")
    source = client.http.get(f"/polls/{poll_id}/forensics", headers=editor).json_body["sources"][0]["source"]
    body = json.dumps({"source": source, "reason": "one address, many tokens"})
    refused = client.http.post(f"/polls/{poll_id}/void", headers=editor, body=body)
    assert (refused.status_code, error_code(refused)) == (403, "forbidden")
    assert client.http.post(f"/polls/{poll_id}/void", headers=admin, body=body).json_body["voided"] == 1
    entry = audit_entries(client, editor, poll_id)[0]
    assert (entry["action"], entry["actor"]) == ("void", ADMIN)
    assert entry["details"]["source"] == source and entry["details"]["reason"] == "one address, many tokens"
    assert entry["details"]["voided"] == 1 and entry["details"]["votes_removed"]["no"] == 1
    assert client.http.get(f"/polls/{poll_id}/voids", headers=editor).status_code == 200
