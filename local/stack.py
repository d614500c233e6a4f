"""The local stack: an embedded AWS endpoint (moto), tables, a demo poll, `chalice local`, the site origin
(CloudFront's stand-in: local/site.py), the demo article's origin and the snapshot timer, started and stopped together.
`make run` runs it (local/run.py); the tests and benchmarks start it on free ports."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from infra import site_files as site_assets
from local.console import local_config
from local.environment import ROOT, applied_environment, free_port, launch, stage_environment, terminate, wait_for
from local.site import Site, demo_handler, local_countries, local_networks, site_handler
from local.streams import ROLES

# The stack, and the helpers its users import with it.
__all__ = ["DEMO_POLL", "ROOT", "LocalStack", "applied_environment", "free_port", "stage_environment", "wait_for"]

# The key the site origin sends the API as X-Origin-Verify (deployed: a generated secret); not a secret locally.
LOCAL_EDGE_KEY = "local-edge-key-not-a-secret-0123456789"
DEMO_POLL: dict[str, Any] = {
    "id": "junior-doctors-mediation",
    "question": (
        "Should the UK Government take up the Scottish Government's offer to mediate "
        "in the pay dispute with junior doctors in England?"
    ),
    "options": ["Yes", "No", "Don't know"],
    # The secure defaults: readers' browsers solve a proof of work; 60 votes per address per 10 minutes.
}


class LocalStack:
    """The AWS endpoint, `chalice local`, the site and demo origins and the snapshot timer, started and stopped
    together."""

    def __init__(
        self,
        port: int,
        aws_port: int,
        admin_token: str,
        endpoint: str | None = None,
        *,
        web_port: int = 0,
        demo_port: int = 0,
        snapshot_every: float = 0,
        verbose: bool = False,
        quiet: bool = False,
        api_log: Path | None = None,
        env: dict[str, str | None] | None = None,
    ) -> None:
        self.port = port
        self.aws_port = aws_port
        self.admin_token = admin_token
        self.endpoint = endpoint
        self.web_port = web_port  # the site origin's; 0: any free port, known once started
        self.demo_port = demo_port  # the demo article's origin's; 0: any free port
        self.snapshot_every = snapshot_every  # seconds; 0: no snapshot timer
        self.verbose = verbose
        self.quiet = quiet  # the API's and the stream reader's output discarded (tests, benchmarks)
        self.api_log = api_log  # where the API's output (its JSON log lines) goes; None: this terminal
        self.env = dict(env or {})  # settings over the local stage's (None: unset), e.g. a test's CARD_EVERY
        self.snapshot_reports: list[dict[str, Any]] = []
        self.user_pool: Any = None  # the editors' pool on the endpoint (local.cognito.UserPool), once created
        self._moto: Any = None
        self._chalice: subprocess.Popen[bytes] | None = None
        self._streams: list[subprocess.Popen[bytes]] = []  # the streams' readers (local/streams.py): counts, cards
        self._servers: list[ThreadingHTTPServer] = []
        self.site: Site | None = None  # the site origin's settings and its log of requests passed to the API
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    @property
    def api_url(self) -> str:
        """The API's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def web_url(self) -> str:
        """The site's base URL (CloudFront's stand-in): the API under `/api`, the bucket's public objects."""
        return f"http://127.0.0.1:{self.web_port}"

    site_url = web_url

    @property
    def demo_url(self) -> str:
        """The demo article, on its own origin (a newsroom's page embedding the widget from the site)."""
        return f"http://127.0.0.1:{self.demo_port}/"

    def api_requests(self, text: str = "") -> list[tuple[str, str, str]]:
        """Return the requests the site passed to the API (method, path, browser address) whose path has `text`."""
        return self.site.log.matching(text) if self.site is not None else []

    def s3(self) -> Any:
        """Return a boto3 S3 client on the embedded endpoint, with the stack's credentials."""
        return self.client("s3")

    def client(self, service: str) -> Any:
        """Return a boto3 client on the embedded endpoint, with the stack's credentials."""
        import boto3  # noqa: PLC0415 - only tools and tests reach AWS directly

        env = self.environment()
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=env["AWS_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )

    @property
    def results_bucket(self) -> str:
        """The local stage's results bucket."""
        return stage_environment("local")["RESULTS_BUCKET"]

    def read_snapshot(self, key: str) -> Any:
        """Read a JSON object from the local stage's bucket on the embedded endpoint (None if absent)."""
        s3 = self.s3()
        try:
            return json.loads(s3.get_object(Bucket=self.results_bucket, Key=key)["Body"].read())
        except s3.exceptions.NoSuchKey:
            return None

    def environment(self) -> dict[str, str]:
        """The environment the app runs with: the local stage's, the endpoint and fake credentials."""
        env = dict(os.environ)
        env.update(stage_environment("local"))
        for name, value in self.env.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        env.setdefault("AWS_ACCESS_KEY_ID", "local")
        env.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        env["AWS_REGION"] = env["AWS_DEFAULT_REGION"]
        env["AWS_ENDPOINT_URL"] = str(self.endpoint)
        env["POLL_ADMIN_TOKEN"] = self.admin_token
        env["EDGE_KEY"] = self.edge_key
        if self.web_port:
            env["SITE_URL"] = self.web_url
        env.update(self.user_pool.environment() if self.user_pool is not None else {})
        return env

    @property
    def edge_key(self) -> str:
        """The key the site sends the API as X-Origin-Verify: the stack's EDGE_KEY setting, or the local one."""
        return self.env.get("EDGE_KEY") or LOCAL_EDGE_KEY

    @property
    def console_url(self) -> str:
        """The editors' console."""
        return f"{self.web_url}/console/"

    def console_config(self) -> dict[str, Any]:
        """The console's config.json: this stack's API, and the Cognito endpoint (moto) with the pool's client."""
        pool = self.user_pool
        if pool is None:
            raise RuntimeError("the editors' user pool is not created yet")
        return local_config(f"{self.web_url}/api", str(self.endpoint), pool.region, pool.pool_id, pool.client_id)

    def start(self) -> None:
        """Start everything; if any part fails, stop the parts already started and raise."""
        try:
            self._stopping.clear()
            # Bind the web ports first, so that a busy port fails before anything else has started.
            site = self._bind(self.web_port, None)
            demo = self._bind(self.demo_port, demo_handler(lambda: self.web_url, str(DEMO_POLL["id"])))
            self.web_port, self.demo_port = int(site.server_address[1]), int(demo.server_address[1])
            self._start_api()
            self.site = Site(
                s3=self.s3(),
                bucket=self.results_bucket,
                api_host="127.0.0.1",
                api_port=self.port,
                edge_key=self.edge_key,
                url=lambda: self.web_url,
                connect=lambda: str(self.endpoint),
                countries=local_countries(self.environment().get("LOCAL_COUNTRIES", "")),
                networks=local_networks(self.environment().get("LOCAL_ASNS", "")),
            )
            site.RequestHandlerClass = site_handler(self.site)
            self.upload_site_assets()
            for server in self._servers:
                self._spawn(server.serve_forever, "web")
            if self.snapshot_every > 0:
                self._spawn(self._snapshot_loop, "snapshots")
        except BaseException:
            self.stop()
            raise

    def _bind(self, port: int, handler: Any) -> ThreadingHTTPServer:
        """Bind a web server on loopback (its handler may be set later, before it serves).

        With port 0 the system picks one, and it may pick the API's or the endpoint's port, which `free_port`
        found free but nothing holds until those processes start: such a pick is released and another taken.
        """
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        while port == 0 and server.server_address[1] in (self.port, self.aws_port):
            replacement = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            server.server_close()
            server = replacement
        server.daemon_threads = True
        self._servers.append(server)
        return server

    def upload_site_assets(self) -> None:
        """Put the widget and the console into the bucket, as `make deploy` does, for the site to serve."""
        assets = site_assets.widget_assets() + site_assets.console_assets(self.console_config())
        site_assets.upload(self.s3(), self.results_bucket, assets)

    def _start_api(self) -> None:
        """Start the endpoint (unless one is given), create resources, seed, start the API."""
        if self.endpoint is None:
            from local.endpoint import serialised_moto_server  # noqa: PLC0415 - moto is a dev dependency

            logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request log lines
            self._moto = serialised_moto_server("127.0.0.1", self.aws_port)
            self._moto.start()
            self.endpoint = f"http://127.0.0.1:{self.aws_port}"
            wait_for(f"{self.endpoint}/moto-api/")
        self._provision_and_seed()
        # `chalice local` with each request's source IP taken from its TCP peer (local/api.py),
        # so clients bound to 127.0.0.2, 127.0.0.3, ... are distinct addresses to the address limits.
        quiet = subprocess.DEVNULL if self.quiet else None
        output: Any = self.api_log.open("ab") if self.api_log is not None else quiet
        address = ("--host", "127.0.0.1", "--port", str(self.port))
        self._chalice = launch("local.api", *address, env=self.environment(), stdout=output, stderr=quiet)
        if self.api_log is not None:
            output.close()  # the child holds its own handle
        wait_for(f"{self.api_url}/health", process=self._chalice)
        # Lambda's event source mappings, locally: the fold and the publisher in one process, the cards in another.
        self._streams = [launch("local.streams", role, env=self.environment(), stdout=quiet) for role in ROLES]

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
        from local.cognito import ensure_user_pool, local_users  # noqa: PLC0415
        from local.resources import ensure_resources  # noqa: PLC0415

        with applied_environment(self.environment()):
            ensure_resources(get_settings())
            self.user_pool = ensure_user_pool("local", get_settings().region, local_users())
            try:
                polls.create(DEMO_POLL)
            except PollExists:
                pass

    def stop(self) -> None:
        """Stop the snapshot timer, the web servers, the API and the embedded endpoint."""
        self._stopping.set()
        for index, server in enumerate(self._servers):
            if index < len(self._threads):  # shutdown() waits for serve_forever, which runs in a thread
                server.shutdown()
            server.server_close()
        self._servers = []
        for thread in self._threads:
            thread.join(timeout=70)
        self._threads = []
        for process in (*self._streams, self._chalice):
            terminate(process)
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def api_running(self) -> bool:
        """Whether the API (`chalice local`) has started and not exited."""
        return self._chalice is not None and self._chalice.poll() is None

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
