"""The audit log on the in-memory store: who is named, what changed; a failed write never undoes an action."""

from __future__ import annotations

import pytest

from chalicelib.core.audit import AuditAction, change_action, changes
from chalicelib.core.errors import Forbidden, Unauthorized
from chalicelib.core.identity import SERVICE, SYSTEM, Actor, ActorKind, Group, Role, editor_from
from chalicelib.services import audit, forensics, polls, votes
from tests.unit.memory import UNPROTECTED

EDITOR = Actor(ActorKind.EDITOR, "editor@example.com", "sub-1", frozenset({Group.EDITORS}))
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool"


def test_a_void_is_recorded_before_its_first_ballot_is_marked_and_again_when_done(memory, audit_log, folded):
    poll = polls.create({"question": "Stuffed?", "options": ["Yes", "No"], **UNPROTECTED})
    for index in range(3):
        votes.cast(poll.id, {"options": ["yes"], "voter": f"reader-{index:04d}"}, "192.0.2.9")
    folded()
    source = forensics.report(poll.id)["sources"][0]["source"]
    marked_before_first_entry = []
    original = memory.void_ballot

    def void_ballot(key, void_id, at):
        marked_before_first_entry.append(len([e for e in audit_log.entries if e.action is AuditAction.VOID_STARTED]))
        return original(key, void_id, at)

    memory.void_ballot = void_ballot
    forensics.void(poll.id, {"source": source, "reason": "one address, three tokens"}, actor=EDITOR)
    actions = [e.action for e in audit_log.entries if e.poll_id == poll.id]
    assert actions[-2:] == [AuditAction.VOID_STARTED, AuditAction.VOID]
    assert set(marked_before_first_entry) == {1}
    finished = audit_log.entries[-1]
    assert (finished.actor.name, finished.details["voided"]) == (EDITOR.name, 3)


def test_a_failed_audit_write_leaves_the_action_done_and_logs_the_entry(memory, audit_log, capsys):
    audit_log.broken = True
    poll = polls.create({"question": "Still made?", "options": ["Yes", "No"]}, actor=EDITOR)
    assert memory.polls[poll.id] == poll
    assert "audit_unrecorded" in capsys.readouterr().out


def test_changes_hold_only_the_fields_that_differ():
    before = {"question": "A?", "status": "open", "max_choices": 1}
    after = {"question": "A?", "status": "closed", "max_choices": 1}
    assert changes(before, after) == {"before": {"status": "open"}, "after": {"status": "closed"}}


@pytest.mark.parametrize(
    ("body", "action"),
    [
        ({"status": "closed"}, AuditAction.CLOSE),
        ({"status": "open", "closes_at": None}, AuditAction.REOPEN),
        ({"question": "B?"}, AuditAction.CHANGE),
        ({"closes_at": None, "question": "B?"}, AuditAction.CHANGE),
    ],
)
def test_a_change_is_named_by_what_it_asked(body, action):
    assert change_action(body) is action


@pytest.mark.parametrize(
    ("groups", "editor", "admin"),
    [({Group.EDITORS}, True, False), ({Group.ADMINS}, True, True), (set(), False, False)],
)
def test_groups_grant_roles(groups, editor, admin):
    actor = Actor(ActorKind.EDITOR, "x@example.com", "sub", frozenset(groups))
    assert (actor.may(Role.EDITOR), actor.may(Role.ADMIN)) == (editor, admin)
    if not admin:
        with pytest.raises(Forbidden):
            actor.require(Role.ADMIN)


def test_the_service_token_and_the_system_hold_every_role():
    assert all(actor.may(role) for actor in (SERVICE, SYSTEM) for role in Role)


CLAIMS = {"token_use": "access", "iss": ISSUER, "client_id": "console", "exp": 2_000_000_000, "sub": "s"}


@pytest.mark.parametrize(
    "wrong",
    [
        {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"},
        {"client_id": "other"},
        {"token_use": "id"},
        {"exp": 1_000},
    ],
    ids=["another pool", "another client", "an id token", "expired"],
)
def test_only_this_pools_access_tokens_for_the_console_are_accepted(wrong):
    with pytest.raises(Unauthorized):
        editor_from({**CLAIMS, **wrong}, {}, ISSUER, ("console",), 1_800_000_000)


def test_unknown_groups_grant_nothing_and_the_email_names_the_editor():
    actor = editor_from(
        {**CLAIMS, "cognito:groups": ["superusers", "editors"]},
        {"email": "e@x.org", "sub": "s"},
        ISSUER,
        ("console",),
        1_800_000_000,
    )
    assert (actor.name, actor.id, actor.groups) == ("e@x.org", "s", frozenset({Group.EDITORS}))


def test_reading_the_audit_log_pages_through_cursors(memory, audit_log):
    for n in range(3):
        polls.create({"question": f"Q{n}?", "options": ["Yes", "No"], "id": f"poll-{n}"}, actor=EDITOR)
    first = audit.page(None, "2", None)
    assert [e["poll_id"] for e in first["entries"]] == ["poll-2", "poll-1"]
    rest = audit.page(None, "2", first["next_cursor"])
    assert [e["poll_id"] for e in rest["entries"]] == ["poll-0"] and rest["next_cursor"] is None
