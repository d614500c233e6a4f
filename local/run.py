"""`make run`: the whole stack on this machine until Ctrl-C, and the banner that says where everything is."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Mapping

from chalicelib.runtime.secrets import MIN_ADMIN_TOKEN
from infra import site_files as site_assets
from local.stack import DEMO_POLL, LocalStack

DEFAULT_ADMIN_TOKEN = "local-admin-token"


def banner(stack: LocalStack) -> str:
    """Return what `make run` prints once the stack is up: where everything is."""
    from local.cognito import ADMIN_EMAIL, EDITOR_EMAIL, local_users  # noqa: PLC0415 - after the env is set

    poll_id = DEMO_POLL["id"]
    latest = f"{stack.endpoint}/{stack.results_bucket}/results/{poll_id}/latest.json"
    sign = f"--aws-sigv4 aws:amz:{stack.environment()['AWS_REGION']}:s3 --user local:local"
    every = f"every {stack.snapshot_every:g} s" if stack.snapshot_every > 0 else "off (SNAPSHOT_EVERY=0)"
    site = stack.web_url
    snippet = site_assets.embed_snippet(site, site_assets.manifest(), poll_id).replace("\n", "\n              ")
    return (
        f"\nSite          {site}   (the CDN's stand-in: the API under /api, the bucket's public objects)\n"
        f"Demo page     {stack.demo_url}   <- open this and vote (a newsroom's page on its own origin)\n"
        f"Hosted page   {site}/p/{poll_id}   (works without JavaScript too)\n"
        f"Results page  {site}/r/{poll_id}   (no JavaScript: for amp-iframe and follow-up stories)\n"
        f"Share card    {site}/cards/{poll_id}/en/latest.png   (the hosted page's og:image names the newest)\n"
        f"Preview       {site}/embed?poll=<poll id>   (any poll, e.g. one made with the admin API)\n"
        f"Embed         {snippet}\n"
        f"Poll API      {stack.api_url}   (chalice local; through the site: {site}/api)\n"
        f"AWS endpoint  {stack.endpoint} (tables and bucket of the local stage)\n"
        f"Demo poll     {poll_id}  ->  {site}/polls/{poll_id}.json\n"
        f"Admin token   {stack.admin_token}   (the service token: automation and scripts)\n"
        f"Edge key      {stack.edge_key}   (EDGE_KEY: as X-Origin-Verify, with CloudFront-Viewer-Address,\n"
        "              a request to the Poll API presents any reader's address, as CloudFront does)\n"
        f"Console       {stack.console_url}   <- editors sign in here\n"
        f"              {EDITOR_EMAIL} / {local_users()[EDITOR_EMAIL][0]} (editors; EDITOR_PASSWORD)\n"
        f"              {ADMIN_EMAIL} / {local_users()[ADMIN_EMAIL][0]} (admins; ADMIN_PASSWORD)\n"
        f"Snapshots     {every}, into bucket {stack.results_bucket} on the AWS endpoint:\n"
        "              results/<poll id>/latest.json, latest.csv, history/<minute>.json and results/index.json\n"
        "              (under private/results/ for polls whose results are not public; latest.json also within\n"
        "              seconds of a vote: the fold counts it from the ballots' stream, the publisher writes it)\n"
        f"Try:          curl {site}/results/{poll_id}/latest.json\n"
        f"              curl {sign} {latest}\n"
        "Ctrl-C stops everything.\n"
    )


def configured(environ: Mapping[str, str]) -> LocalStack:
    """Return the stack `make run` starts, as the environment sets it; SystemExit for an edge key the API would not
    believe (shorter than a deployed stage's)."""
    edge_key = environ.get("EDGE_KEY") or None
    if edge_key is not None and len(edge_key) < MIN_ADMIN_TOKEN:
        raise SystemExit(f"EDGE_KEY must be at least {MIN_ADMIN_TOKEN} characters (the API ignores a shorter one)")
    return LocalStack(
        port=int(environ.get("PORT", "8000")),
        aws_port=int(environ.get("AWS_PORT", "4566")),
        admin_token=environ.get("POLL_ADMIN_TOKEN") or DEFAULT_ADMIN_TOKEN,
        endpoint=environ.get("AWS_ENDPOINT_URL") or None,
        web_port=int(environ.get("WEB_PORT", "8001")),
        demo_port=int(environ.get("DEMO_PORT", "8002")),
        snapshot_every=float(environ.get("SNAPSHOT_EVERY", "60")),
        verbose=True,
        env={"EDGE_KEY": edge_key},
    )


def main() -> int:
    """Run the stack until Ctrl-C."""
    stack = configured(os.environ)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        stack.start()
        print(banner(stack), flush=True)
        while stack.api_running():
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
