"""`make run`: the whole stack on one machine: an embedded AWS endpoint (moto), tables, a demo poll, `chalice local`."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ADMIN_TOKEN = "local-admin-token"
DEMO_POLL: dict[str, Any] = {
    "id": "junior-doctors-mediation",
    "question": (
        "Should the UK Government take up the Scottish Government's offer to mediate "
        "in the pay dispute with junior doctors in England?"
    ),
    "options": ["Yes", "No", "Don't know"],
}


def stage_environment(stage: str = "local") -> dict[str, str]:
    """Return the environment variables .chalice/config.json gives a stage."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env


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


class LocalStack:
    """The embedded AWS endpoint plus `chalice local`, started and stopped together."""

    def __init__(self, port: int, aws_port: int, admin_token: str, endpoint: str | None = None) -> None:
        self.port = port
        self.aws_port = aws_port
        self.admin_token = admin_token
        self.endpoint = endpoint
        self._moto: Any = None
        self._chalice: subprocess.Popen[bytes] | None = None

    @property
    def api_url(self) -> str:
        """The API's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """The environment the app runs with: the local stage's, the endpoint and fake credentials."""
        env = dict(os.environ)
        env.update(stage_environment("local"))
        env.setdefault("AWS_ACCESS_KEY_ID", "local")
        env.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        env["AWS_REGION"] = env["AWS_DEFAULT_REGION"]
        env["AWS_ENDPOINT_URL"] = str(self.endpoint)
        env["POLL_ADMIN_TOKEN"] = self.admin_token
        return env

    def start(self) -> None:
        """Start the endpoint (unless one is given), create resources, seed, start the API."""
        if self.endpoint is None:
            from devtools.embedded_aws import serialised_moto_server  # noqa: PLC0415 - moto is a dev dependency

            logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request log lines
            self._moto = serialised_moto_server("127.0.0.1", self.aws_port)
            self._moto.start()
            self.endpoint = f"http://127.0.0.1:{self.aws_port}"
            wait_for(f"{self.endpoint}/moto-api/")
        self._provision_and_seed()
        chalice = Path(sys.executable).with_name("chalice")
        self._chalice = subprocess.Popen(
            [
                str(chalice),
                "local",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--stage",
                "local",
                "--no-autoreload",
            ],
            cwd=ROOT,
            env=self.environment(),
            stdout=subprocess.DEVNULL if os.environ.get("QUIET_CHALICE") else None,
            stderr=subprocess.DEVNULL if os.environ.get("QUIET_CHALICE") else None,
        )
        wait_for(f"{self.api_url}/health", process=self._chalice)

    def _provision_and_seed(self) -> None:
        """Create missing tables and bucket and the demo poll, with the stack's environment."""
        from chalicelib import aws, polls, settings, storage  # noqa: PLC0415 - after the env is set
        from chalicelib.errors import PollExists  # noqa: PLC0415
        from devtools.provision import ensure_resources  # noqa: PLC0415

        saved = dict(os.environ)
        os.environ.update(self.environment())
        try:
            for module in (settings, aws, storage):
                module.reset()
            ensure_resources(settings.get_settings())
            try:
                polls.create(DEMO_POLL)
            except PollExists:
                pass
        finally:
            os.environ.clear()
            os.environ.update(saved)
            for module in (settings, aws, storage):
                module.reset()
            polls.reset_cache()

    def stop(self) -> None:
        """Stop the API and the embedded endpoint."""
        if self._chalice is not None and self._chalice.poll() is None:
            self._chalice.terminate()
            try:
                self._chalice.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._chalice.kill()
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> int:
    """Run the stack until Ctrl-C."""
    stack = LocalStack(
        port=int(os.environ.get("PORT", "8000")),
        aws_port=int(os.environ.get("AWS_PORT", "4566")),
        admin_token=os.environ.get("POLL_ADMIN_TOKEN") or DEFAULT_ADMIN_TOKEN,
        endpoint=os.environ.get("AWS_ENDPOINT_URL") or None,
    )
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        stack.start()
        poll_id = DEMO_POLL["id"]
        print(
            f"\nPoll API      {stack.api_url}\n"
            f"AWS endpoint  {stack.endpoint} (tables and bucket of the local stage)\n"
            f"Demo poll     {poll_id}  ->  {stack.api_url}/polls/{poll_id}\n"
            f"Admin token   {stack.admin_token}\n"
            f"Try:          curl {stack.api_url}/polls/{poll_id}/results\n"
            "Ctrl-C stops everything.\n",
            flush=True,
        )
        while stack._chalice is not None and stack._chalice.poll() is None:
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
