"""`make run`: the whole stack on one machine: an embedded AWS endpoint (moto), tables, a demo poll, `chalice local`,
the widget's demo page and the results snapshot job on a timer."""

from __future__ import annotations

import html
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from devtools.console_site import console_file, local_config

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
WEB_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css"}
DATA_API = re.compile(rb'data-api="[^"]*"')
DEFAULT_ADMIN_TOKEN = "local-admin-token"
DEMO_POLL: dict[str, Any] = {
    "id": "junior-doctors-mediation",
    "question": (
        "Should the UK Government take up the Scottish Government's offer to mediate "
        "in the pay dispute with junior doctors in England?"
    ),
    "options": ["Yes", "No", "Don't know"],
    # The secure defaults: readers' browsers solve a proof of work; 60 votes per address per 10 minutes.
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


def embed_page(api_url: str, poll_ids: list[str], theme: str | None, lang: str | None = None) -> bytes:
    """Return a bare page embedding the given polls (in a page of language `lang`, English by default)."""
    themed = f' data-theme="{html.escape(theme)}"' if theme else ""
    polls = "\n".join(
        f'<div data-poll-id="{html.escape(poll_id)}" data-api="{api_url}"{themed}></div>' for poll_id in poll_ids
    )
    return (
        f'<!doctype html>\n<html lang="{html.escape(lang or "en")}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Poll preview</title></head>\n'
        f"<body><main><h1>Poll preview</h1>\n{polls}\n</main>\n"
        '<script src="/poll-widget.js" defer></script></body></html>\n'
    ).encode()


def web_handler(api_url: str, console: Callable[[], dict[str, Any]] | None = None) -> type[BaseHTTPRequestHandler]:
    """Return a request handler serving web/ with pages' data-api set to `api_url`, `/embed` previews, and
    the editors' console under `/console/` (its config.json from `console`)."""

    class WebHandler(BaseHTTPRequestHandler):
        """Serves web/ and web/locales/ by name; `/` and `/demo` are the demo page, `/embed?poll=ID` a preview."""

        def do_GET(self) -> None:  # the name http.server calls
            url = urlsplit(self.path)
            answer = console_file(url.path, console) if console is not None else None
            if answer is not None:
                self._send(answer[0], answer[1], answer[2], answer[3])
                return
            name = url.path.lstrip("/") or "demo"
            if name == "embed":
                query = parse_qs(url.query)
                theme, lang = ((query.get(key) or [None])[0] for key in ("theme", "lang"))
                self._send(200, embed_page(api_url, query.get("poll", []), theme, lang), WEB_TYPES[".html"])
                return
            if name == "demo":
                name = "demo.html"
            path = WEB / name
            if not re.fullmatch(r"(locales/)?[A-Za-z0-9_-]+\.(html|js|css)", name) or not path.is_file():
                self._send(404, b"not found\n", "text/plain; charset=utf-8")
                return
            body = path.read_bytes()
            if path.suffix == ".html":  # point the page's polls at this stack's API
                body = DATA_API.sub(f'data-api="{api_url}"'.encode(), body)
            self._send(200, body, WEB_TYPES[path.suffix])

        def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # http.server's signature
            """Keep quiet: one line per request would drown the API's own log."""

    return WebHandler


class LocalStack:
    """The AWS endpoint, `chalice local`, the web/ pages and the snapshot timer, started and stopped together."""

    def __init__(
        self,
        port: int,
        aws_port: int,
        admin_token: str,
        endpoint: str | None = None,
        *,
        web_port: int = 0,
        snapshot_every: float = 0,
        verbose: bool = False,
        api_log: Path | None = None,
    ) -> None:
        self.port = port
        self.aws_port = aws_port
        self.admin_token = admin_token
        self.endpoint = endpoint
        self.web_port = web_port  # 0: any free port, known once started
        self.snapshot_every = snapshot_every  # seconds; 0: no snapshot timer
        self.verbose = verbose
        self.api_log = api_log  # where the API's output (its JSON log lines) goes; None: this terminal
        self.snapshot_reports: list[dict[str, Any]] = []
        self.user_pool: Any = None  # the editors' pool on the endpoint (devtools.cognito.UserPool), once created
        self._moto: Any = None
        self._chalice: subprocess.Popen[bytes] | None = None
        self._streams: subprocess.Popen[bytes] | None = None  # the counters stream's reader (devtools/local_streams.py)
        self._web: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    @property
    def api_url(self) -> str:
        """The API's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def web_url(self) -> str:
        """The base URL of the web/ pages (the demo page is `/demo`)."""
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def results_bucket(self) -> str:
        """The local stage's results bucket."""
        return stage_environment("local")["RESULTS_BUCKET"]

    def read_snapshot(self, key: str) -> Any:
        """Read a JSON object from the local stage's bucket on the embedded endpoint (None if absent)."""
        import boto3  # noqa: PLC0415 - only tests and tools read the bucket directly

        env = self.environment()
        s3 = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=env["AWS_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
        try:
            return json.loads(s3.get_object(Bucket=self.results_bucket, Key=key)["Body"].read())
        except s3.exceptions.NoSuchKey:
            return None

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
        env.update(self.user_pool.environment() if self.user_pool is not None else {})
        return env

    @property
    def console_url(self) -> str:
        """The editors' console."""
        return f"{self.web_url}/console/"

    def console_config(self) -> dict[str, Any]:
        """The console's config.json: this stack's API, and the Cognito endpoint (moto) with the pool's client."""
        pool = self.user_pool
        if pool is None:
            raise RuntimeError("the editors' user pool is not created yet")
        return local_config(self.api_url, str(self.endpoint), pool.region, pool.pool_id, pool.client_id)

    def start(self) -> None:
        """Start everything; if any part fails, stop the parts already started and raise."""
        try:
            self._stopping.clear()
            # Bind the web port first, so that a busy port fails before anything else has started.
            handler = web_handler(self.api_url, self.console_config)
            self._web = ThreadingHTTPServer(("127.0.0.1", self.web_port), handler)
            self._web.daemon_threads = True
            self.web_port = int(self._web.server_address[1])
            self._start_api()
            self._spawn(self._web.serve_forever, "web")
            if self.snapshot_every > 0:
                self._spawn(self._snapshot_loop, "snapshots")
        except BaseException:
            self.stop()
            raise

    def _start_api(self) -> None:
        """Start the endpoint (unless one is given), create resources, seed, start the API."""
        if self.endpoint is None:
            from devtools.embedded_aws import serialised_moto_server  # noqa: PLC0415 - moto is a dev dependency

            logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request log lines
            self._moto = serialised_moto_server("127.0.0.1", self.aws_port)
            self._moto.start()
            self.endpoint = f"http://127.0.0.1:{self.aws_port}"
            wait_for(f"{self.endpoint}/moto-api/")
        self._provision_and_seed()
        # `chalice local` with each request's source IP taken from its TCP peer (devtools/local_api.py),
        # so clients bound to 127.0.0.2, 127.0.0.3, ... are distinct addresses to the address limits.
        quiet = subprocess.DEVNULL if os.environ.get("QUIET_CHALICE") else None
        output: Any = self.api_log.open("ab") if self.api_log is not None else quiet
        self._chalice = subprocess.Popen(
            [sys.executable, "-m", "devtools.local_api", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=self.environment(),
            stdout=output,
            stderr=quiet,
        )
        if self.api_log is not None:
            output.close()  # the child holds its own handle
        wait_for(f"{self.api_url}/health", process=self._chalice)
        # Lambda's event source mapping, locally: the counters table's stream to the app's publish_results handler.
        self._streams = subprocess.Popen(
            [sys.executable, "-m", "devtools.local_streams"],
            cwd=ROOT,
            env=self.environment(),
            stdout=quiet,
            stderr=None,
        )

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        """Run `target` in a daemon thread that `stop` joins."""
        thread = threading.Thread(target=target, name=f"local-stack-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def run_snapshots(self) -> dict[str, Any]:
        """Run the snapshot job once through the admin route (`chalice local` runs no schedules)."""
        request = urllib.request.Request(
            f"{self.api_url}/snapshots", method="POST", headers={"Authorization": f"Bearer {self.admin_token}"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            report: dict[str, Any] = json.loads(response.read())
        return report

    def _snapshot_loop(self) -> None:
        """Run the snapshot job now and then every `snapshot_every` seconds until the stack stops."""
        while not self._stopping.is_set():
            try:
                report = self.run_snapshots()
                self.snapshot_reports = [*self.snapshot_reports[-9:], report]
                if self.verbose and (report["written"] or report["failed"]):
                    written = ", ".join(report["written_polls"]) or "nothing"
                    failed = f"; {report['failed']} failed: {report['failures']}" if report["failed"] else ""
                    print(f"snapshot {report['snapshot_at']}: wrote {written}{failed}", flush=True)
            except (OSError, ValueError) as exc:
                if not self._stopping.is_set():
                    print(f"snapshot run failed: {exc}", file=sys.stderr, flush=True)
            self._stopping.wait(self.snapshot_every)

    def _provision_and_seed(self) -> None:
        """Create missing tables and bucket and the demo poll, with the stack's environment."""
        from chalicelib.core.errors import PollExists  # noqa: PLC0415 - after the env is set
        from chalicelib.runtime.settings import get_settings  # noqa: PLC0415
        from chalicelib.services import polls  # noqa: PLC0415
        from devtools.cognito import ensure_user_pool, local_users  # noqa: PLC0415
        from devtools.fixtures import applied_environment  # noqa: PLC0415
        from devtools.provision import ensure_resources  # noqa: PLC0415

        with applied_environment(self.environment()):
            ensure_resources(get_settings())
            self.user_pool = ensure_user_pool("local", get_settings().region, local_users())
            try:
                polls.create(DEMO_POLL)
            except PollExists:
                pass

    def stop(self) -> None:
        """Stop the snapshot timer, the web server, the API and the embedded endpoint."""
        self._stopping.set()
        if self._web is not None:
            if self._threads:  # shutdown() waits for serve_forever, which runs in the first thread
                self._web.shutdown()
            self._web.server_close()
            self._web = None
        for thread in self._threads:
            thread.join(timeout=70)
        self._threads = []
        for process in (self._streams, self._chalice):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def banner(stack: LocalStack) -> str:
    """Return what `make run` prints once the stack is up: where everything is."""
    from devtools.cognito import ADMIN_EMAIL, EDITOR_EMAIL, local_users  # noqa: PLC0415 - after the env is set

    poll_id = DEMO_POLL["id"]
    latest = f"{stack.endpoint}/{stack.results_bucket}/results/{poll_id}/latest.json"
    sign = f"--aws-sigv4 aws:amz:{stack.environment()['AWS_REGION']}:s3 --user local:local"
    every = f"every {stack.snapshot_every:g} s" if stack.snapshot_every > 0 else "off (SNAPSHOT_EVERY=0)"
    return (
        f"\nDemo page     {stack.web_url}/demo   <- open this and vote\n"
        f"Preview       {stack.web_url}/embed?poll=<poll id>   (any poll, e.g. one made with the admin API)\n"
        f"Widget        {stack.web_url}/poll-widget.js\n"
        f"Poll API      {stack.api_url}\n"
        f"AWS endpoint  {stack.endpoint} (tables and bucket of the local stage)\n"
        f"Demo poll     {poll_id}  ->  {stack.api_url}/polls/{poll_id}\n"
        f"Admin token   {stack.admin_token}   (the service token: automation and scripts)\n"
        f"Console       {stack.console_url}   <- editors sign in here\n"
        f"              {EDITOR_EMAIL} / {local_users()[EDITOR_EMAIL][0]} (editors; EDITOR_PASSWORD)\n"
        f"              {ADMIN_EMAIL} / {local_users()[ADMIN_EMAIL][0]} (admins; ADMIN_PASSWORD)\n"
        f"Snapshots     {every}, into bucket {stack.results_bucket} on the AWS endpoint:\n"
        "              results/<poll id>/latest.json, latest.csv, history/<minute>.json and results/index.json\n"
        "              (under private/results/ for polls whose results are not public)\n"
        f"Try:          curl {stack.api_url}/polls/{poll_id}/results\n"
        f"              curl {sign} {latest}\n"
        "Ctrl-C stops everything.\n"
    )


def main() -> int:
    """Run the stack until Ctrl-C."""
    stack = LocalStack(
        port=int(os.environ.get("PORT", "8000")),
        aws_port=int(os.environ.get("AWS_PORT", "4566")),
        admin_token=os.environ.get("POLL_ADMIN_TOKEN") or DEFAULT_ADMIN_TOKEN,
        endpoint=os.environ.get("AWS_ENDPOINT_URL") or None,
        web_port=int(os.environ.get("WEB_PORT", "8001")),
        snapshot_every=float(os.environ.get("SNAPSHOT_EVERY", "60")),
        verbose=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        stack.start()
        print(banner(stack), flush=True)
        while stack._chalice is not None and stack._chalice.poll() is None:
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
