"""Where an operator command runs: the region, its boto3 clients (on AWS_ENDPOINT_URL's endpoint when set, as boto3
reads it), the terminal it writes to and asks at, and how it waits for CloudFormation. Tests give their own."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ops.stack import Waiting


def region() -> str:
    """Return the region to deploy to (AWS_DEFAULT_REGION or the AWS config's)."""
    import boto3  # noqa: PLC0415

    found = boto3.session.Session().region_name
    if not found:
        raise SystemExit("set AWS_DEFAULT_REGION (or a region in your AWS config) to deploy")
    return str(found)


def client(service: str, where: str) -> Any:
    """Return a boto3 client for the region (on AWS_ENDPOINT_URL's endpoint, when set, as boto3 reads it)."""
    import boto3  # noqa: PLC0415

    return boto3.client(service, region_name=where)


@dataclass
class Session:
    """Where a command runs and talks: the region, its clients, the terminal (tests give their own)."""

    region: str = field(default_factory=region)
    out: TextIO = field(default_factory=lambda: sys.stdout)
    ask: Callable[[str], str] = input
    interactive: bool = field(default_factory=sys.stdin.isatty)
    workdir: Path | None = None  # where the package is built (build/<stage> when None)
    waiting: Waiting = field(default_factory=Waiting)
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        """Return this session's client for a service (made once)."""
        if service not in self.clients:
            self.clients[service] = client(service, self.region)
        return self.clients[service]


def emulated() -> bool:
    """Tell whether the deploy goes to an emulator (AWS_ENDPOINT_URL) rather than AWS."""
    return bool(os.environ.get("AWS_ENDPOINT_URL"))
