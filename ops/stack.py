"""Driving CloudFormation for a deploy and a teardown: a change set shown before it runs, a confirmation, the stack's
events as they come, and on a rollback each failed resource with its reason.

A change set with no changes is a no-op: it is deleted and the deploy says so. The confirmation is asked only when
standard input is a terminal and YES=1 is not set.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
CAPABILITIES = ["CAPABILITY_IAM"]


class StackFailed(Exception):
    """A stack operation ended in a failed or rolled-back state; the message names each failed resource."""


@dataclass(frozen=True)
class Waiting:
    """How to wait for CloudFormation: seconds between looks, and at most how long in all."""

    every: float = 5.0
    at_most: float = 3600.0


def status(cfn: Any, stack: str) -> str | None:
    """Return a stack's status, or None when there is no such stack."""
    try:
        return str(cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"])
    except cfn.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def parameters(cfn: Any, stack: str) -> dict[str, str]:
    """Return a stack's parameter values by key (empty when there is no such stack)."""
    if status(cfn, stack) is None:
        return {}
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in described.get("Parameters", [])}


def events(cfn: Any, stack: str) -> list[dict[str, Any]]:
    """Return a stack's events, oldest first (the first page: CloudFormation's newest 100)."""
    return list(reversed(cfn.describe_stack_events(StackName=stack).get("StackEvents", [])))


def create_change_set(cfn: Any, stack: str, url: str, values: dict[str, str], waiting: Waiting) -> dict[str, Any]:
    """Create a change set of the template at `url` (CREATE for a new stack) and return it once described."""
    kind = "CREATE" if status(cfn, stack) in (None, "REVIEW_IN_PROGRESS") else "UPDATE"
    created = cfn.create_change_set(
        StackName=stack,
        ChangeSetName=f"{stack}-{int(time.time())}",
        ChangeSetType=kind,
        TemplateURL=url,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(values.items())],
        Capabilities=CAPABILITIES,
    )
    deadline = time.monotonic() + waiting.at_most
    while True:
        described: dict[str, Any] = cfn.describe_change_set(ChangeSetName=created["Id"], StackName=stack)
        if described["Status"] in ("CREATE_COMPLETE", "FAILED") or time.monotonic() > deadline:
            return described
        time.sleep(waiting.every)


def is_empty(change_set: dict[str, Any]) -> bool:
    """Tell whether a change set changes nothing (CloudFormation fails such a change set, saying so)."""
    reason = change_set.get("StatusReason") or ""
    return not change_set.get("Changes") and (change_set["Status"] != "FAILED" or any(s in reason for s in NO_CHANGES))


def describe(change_set: dict[str, Any]) -> str:
    """Return the change set as a table: action, logical id, type, replacement."""
    rows = [("action", "logical id", "type", "replacement")]
    for change in change_set.get("Changes", []):
        resource = change["ResourceChange"]
        rows.append(
            (
                resource["Action"],
                resource["LogicalResourceId"],
                resource["ResourceType"],
                resource.get("Replacement", "-") if resource["Action"] == "Modify" else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def confirmed(interactive: bool, yes: bool, ask: Callable[[str], str], stack: str) -> bool:
    """Ask whether to run the change set, only when standard input is a terminal and YES=1 is not set."""
    if yes or not interactive:
        return True
    return ask(f"Run these changes on {stack}? [y/N] ").strip().lower() in ("y", "yes")


def watch(cfn: Any, stack: str, seen: set[str], out: TextIO, waiting: Waiting) -> str:
    """Print the stack's new events as they come until it settles; return its final status."""
    deadline = time.monotonic() + waiting.at_most
    while True:
        for event in events(cfn, stack):
            if event["EventId"] not in seen:
                seen.add(event["EventId"])
                reason = f"  {event['ResourceStatusReason']}" if event.get("ResourceStatusReason") else ""
                line = f"{event['ResourceStatus']:<28} {event['LogicalResourceId']} ({event['ResourceType']}){reason}"
                print(line, file=out, flush=True)
        current = status(cfn, stack) or "DELETE_COMPLETE"
        if not current.endswith("IN_PROGRESS"):
            return current
        if time.monotonic() > deadline:
            raise StackFailed(f"{stack} is still {current} after {waiting.at_most:.0f} s; it goes on without us")
        time.sleep(waiting.every)


def failures(cfn: Any, stack: str, since: set[str]) -> list[str]:
    """Return each resource that failed since the events in `since`, with CloudFormation's reason."""
    found: list[str] = []
    for event in events(cfn, stack):
        if event["EventId"] in since or not event["ResourceStatus"].endswith("_FAILED"):
            continue
        if event.get("PhysicalResourceId") == event.get("StackId") and found:
            continue  # the stack's own line repeats what its resources said
        found.append(f"{event['LogicalResourceId']} ({event['ResourceType']}): {event.get('ResourceStatusReason', '')}")
    return found


def execute(cfn: Any, stack: str, change_set: dict[str, Any], out: TextIO, waiting: Waiting) -> str:
    """Run a change set and follow it; return the final status, or raise StackFailed naming what failed."""
    stack_id = change_set["StackId"]  # the stack the change set is of, whatever else has its name
    before = {event["EventId"] for event in events(cfn, stack_id)}
    cfn.execute_change_set(ChangeSetName=change_set["ChangeSetId"], StackName=stack_id)
    final = watch(cfn, stack_id, set(before), out, waiting)
    if final not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        failed = failures(cfn, stack_id, before) or [f"{stack}: {final}"]
        raise StackFailed(f"{stack} ended {final}; it rolled back. What failed:\n  " + "\n  ".join(failed))
    return final


def delete(cfn: Any, stack: str, out: TextIO, waiting: Waiting) -> bool:
    """Delete a stack and follow it; return False when there was none."""
    if status(cfn, stack) is None:
        return False
    stack_id = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackId"]
    before = {event["EventId"] for event in events(cfn, stack)}
    cfn.delete_stack(StackName=stack)
    final = watch(cfn, stack_id, set(before), out, waiting)
    if final != "DELETE_COMPLETE":
        failed = failures(cfn, stack_id, before) or [f"{stack}: {final}"]
        raise StackFailed(f"{stack} could not be deleted ({final}):\n  " + "\n  ".join(failed))
    return True
