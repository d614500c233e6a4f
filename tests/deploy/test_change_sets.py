"""The deploy's conversation with CloudFormation: when it asks, what counts as no change, and how a failed update is
reported. moto's CloudFormation neither fails nor rolls back a stack, so botocore's Stubber answers for it there."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from ops import deploy, stack
from ops.session import Session

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS")
NOW = datetime.datetime(2026, 12, 6, tzinfo=datetime.UTC)
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/polls-dev/1"
CHANGE_SET_ID = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/polls-dev-1/1"


@pytest.mark.parametrize(
    ("interactive", "yes", "answer", "runs", "asked"),
    [
        (True, False, "y", True, True),
        (True, False, "yes", True, True),
        (True, False, "n", False, True),
        (True, False, "", False, True),  # Enter keeps the default: no
        (True, True, "n", True, False),  # YES=1
        (False, False, "n", True, False),  # not a terminal (CI, a pipe)
    ],
)
def test_the_deploy_asks_only_at_a_terminal_without_yes(interactive, yes, answer, runs, asked):
    questions: list[str] = []

    def ask(question: str) -> str:
        questions.append(question)
        return answer

    assert stack.confirmed(interactive, yes, ask, "polls-dev") is runs
    assert bool(questions) is asked


@pytest.mark.parametrize(
    ("status", "reason", "changes", "empty"),
    [
        ("FAILED", "The submitted information didn't contain changes. Submit different information.", [], True),
        ("FAILED", "No updates are to be performed.", [], True),
        ("CREATE_COMPLETE", None, [], True),
        ("CREATE_COMPLETE", None, [{"ResourceChange": {}}], False),
        ("FAILED", "Template format error: unresolved resource dependencies", [], False),
    ],
)
def test_only_a_change_set_that_changes_nothing_is_a_no_op(status, reason, changes, empty):
    change_set = {"Status": status, "StatusReason": reason, "Changes": changes}
    assert stack.is_empty(change_set) is empty


def stack_description(status: str) -> dict[str, Any]:
    parameters = [{"ParameterKey": "AlarmEmail", "ParameterValue": "oncall@example-news.com"}]
    return {
        "Stacks": [
            {
                "StackId": STACK_ID,
                "StackName": "polls-dev",
                "StackStatus": status,
                "CreationTime": NOW,
                "Parameters": parameters,
            }
        ]
    }


def event(event_id: str, logical_id: str, kind: str, status: str, reason: str = "") -> dict[str, Any]:
    found = {
        "StackId": STACK_ID,
        "EventId": event_id,
        "StackName": "polls-dev",
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": STACK_ID if kind == "AWS::CloudFormation::Stack" else logical_id.lower(),
        "ResourceType": kind,
        "Timestamp": NOW,
        "ResourceStatus": status,
    }
    return {**found, "ResourceStatusReason": reason} if reason else found


REASON = "Resource handler returned message: 'Invalid request provided: The parameter Limit must be at least 10'"
EVENTS_BEFORE = [event("e0", "polls-dev", "AWS::CloudFormation::Stack", "UPDATE_COMPLETE")]
EVENTS_AFTER = [  # newest first, as CloudFormation gives them
    event("e4", "polls-dev", "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_COMPLETE"),
    event("e3", "polls-dev", "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_IN_PROGRESS", "The following failed"),
    event("e2", "VoteRateLimitAcl", "AWS::WAFv2::WebACL", "UPDATE_FAILED", REASON),
    event("e1", "VoteRateLimitAcl", "AWS::WAFv2::WebACL", "UPDATE_IN_PROGRESS"),
    *EVENTS_BEFORE,
]


def failing_cloudformation() -> Any:
    """A CloudFormation client whose change set to polls-dev fails on the WAF and rolls back."""
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    stub = Stubber(cfn)
    for _ in range(4):  # is it there (status, parameters, the change set's type), and its parameters
        stub.add_response("describe_stacks", stack_description("UPDATE_COMPLETE"), {"StackName": "polls-dev"})
    stub.add_response("create_change_set", {"Id": CHANGE_SET_ID, "StackId": STACK_ID}, None)
    change = {"Action": "Modify", "LogicalResourceId": "VoteRateLimitAcl", "ResourceType": "AWS::WAFv2::WebACL"}
    described = {
        "ChangeSetId": CHANGE_SET_ID,
        "StackId": STACK_ID,
        "Status": "CREATE_COMPLETE",
        "Changes": [{"Type": "Resource", "ResourceChange": {**change, "Replacement": "False"}}],
    }
    stub.add_response("describe_change_set", described, {"ChangeSetName": CHANGE_SET_ID, "StackName": "polls-dev"})
    stub.add_response("describe_stack_events", {"StackEvents": EVENTS_BEFORE}, {"StackName": STACK_ID})
    stub.add_response("execute_change_set", {}, {"ChangeSetName": CHANGE_SET_ID, "StackName": STACK_ID})
    stub.add_response("describe_stack_events", {"StackEvents": EVENTS_AFTER}, {"StackName": STACK_ID})
    stub.add_response("describe_stacks", stack_description("UPDATE_ROLLBACK_COMPLETE"), {"StackName": STACK_ID})
    stub.add_response("describe_stack_events", {"StackEvents": EVENTS_AFTER}, {"StackName": STACK_ID})
    stub.activate()
    return cfn, stub


def test_a_failed_update_names_the_failing_resource_and_its_reason_and_exits_non_zero(endpoint, tmp_path: Path, capsys):
    cfn, stub = failing_cloudformation()
    out = io.StringIO()
    session = Session(
        region="us-east-1",
        out=out,
        interactive=False,
        workdir=tmp_path,
        waiting=stack.Waiting(every=0, at_most=10),
        clients={"cloudformation": cfn},  # the other services are moto's
    )
    status = deploy.main(["deploy", "--stage", "dev"], session=session)
    stub.assert_no_pending_responses()
    assert status == 1
    printed = out.getvalue()
    assert "Modify  VoteRateLimitAcl  AWS::WAFv2::WebACL  False" in printed
    assert "UPDATE_FAILED" in printed and REASON in printed  # the events, as they came
    error = capsys.readouterr().err
    assert "polls-dev ended UPDATE_ROLLBACK_COMPLETE; it rolled back" in error
    assert f"VoteRateLimitAcl (AWS::WAFv2::WebACL): {REASON}" in error
    assert "Published" not in printed  # nothing published after a failed deploy
