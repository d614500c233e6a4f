"""What the local stack's processes run with, and how: a stage's environment variables, free ports, child processes
started from this project's modules, waiting until a URL answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from chalicelib.runtime import state
from infra.functions import stage_environment

__all__ = ["ROOT", "applied_environment", "free_port", "launch", "stage_environment", "terminate", "wait_for"]

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def applied_environment(env: dict[str, str]) -> Iterator[None]:
    """Run with these environment variables and a fresh process state; restore both afterwards."""
    saved = dict(os.environ)
    os.environ.update(env)
    state.reset_all()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        state.reset_all()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until a URL answers (any HTTP status), or raise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} seconds")


def launch(
    module: str, *args: str, env: dict[str, str], stdout: Any = None, stderr: Any = None
) -> subprocess.Popen[bytes]:
    """Start `python -m module args` from the project's root with this environment."""
    return subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, env=env, stdout=stdout, stderr=stderr)


def terminate(process: subprocess.Popen[bytes] | None) -> None:
    """Stop a child process if it still runs: SIGTERM, then SIGKILL after 10 seconds."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
