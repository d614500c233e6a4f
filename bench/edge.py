"""Benchmark 9: the edge. How long a vote takes to reach the results document readers get from the site, under a
steady stream of votes on the local stack (moto's DynamoDB streams read as Lambda's event sources would), and what a
reader costs when the site serves the documents (requests per page view, list prices as stated assumptions)."""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

from bench.harness import Section, local_stack, steady_votes
from chalicelib.runtime.settings import get_settings
from local.stack import LocalStack
from ops.client import PollClient

ADMIN_TOKEN = "edge-bench-token"
TARGET_RATE = 100  # votes a second, offered
THREADS = 8
SAMPLE_SECONDS = 0.2  # how often the results document is read
# List prices (us-east-1, on-demand, late 2025), an assumption: check them against your own bill.
PRICES = {
    "cloudfront_request": 1.00 / 1_000_000,  # HTTPS requests, per request (first price tier, North America)
    "cloudfront_gb": 0.085,  # data transfer out to the internet, per GB (first 10 TB)
    "apigw_request": 3.50 / 1_000_000,  # REST API, per request (first 333 million)
    "lambda_request": 0.20 / 1_000_000,  # per invocation
    "lambda_gb_second": 0.0000166667,  # per GB-second (x86)
    "s3_get": 0.0004 / 1000,  # GET, per request (a CDN miss)
}


def _sample(stack: LocalStack, key: str, stop: threading.Event, seen: list[tuple[float, int]]) -> None:
    """Read the results document every SAMPLE_SECONDS, noting when each total was first shown."""
    while not stop.is_set():
        document = stack.read_snapshot(key)
        if document is not None:
            seen.append((time.monotonic(), int(document["total_voters"])))
        stop.wait(SAMPLE_SECONDS)


def _lags(accepted: list[float], seen: list[tuple[float, int]]) -> list[float]:
    """Seconds from each accepted vote until the document first showed at least that many voters."""
    lags = []
    for count, at in enumerate(accepted, start=1):
        shown = next((when for when, total in seen if total >= count and when >= at), None)
        if shown is not None:
            lags.append(shown - at)
    return lags


def latency(quick: bool) -> dict[str, Any]:
    """Run a steady vote stream against a fresh local stack and measure vote-to-edge times."""
    seconds = 3.0 if quick else 20.0
    with local_stack(ADMIN_TOKEN) as stack:
        api = PollClient.over_http(stack.api_url, ADMIN_TOKEN, timeout=30)
        poll_id = api.create_poll(question="Edge?", options=["Yes", "No"], challenge="none", address_limit=None)["id"]
        key = f"results/{poll_id}/latest.json"
        seen: list[tuple[float, int]] = []
        stop = threading.Event()
        sampler = threading.Thread(target=_sample, args=(stack, key, stop, seen))
        sampler.start()
        began = time.monotonic()
        accepted, refused = steady_votes(
            stack.api_url, poll_id, seconds=seconds, rate=TARGET_RATE, threads=THREADS, prefix="edge-bench"
        )
        driven = time.monotonic() - began
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not seen or seen[-1][1] < len(accepted)):
            time.sleep(SAMPLE_SECONDS)
        stop.set()
        sampler.join()
    lags = _lags(accepted, seen)
    ordered = sorted(lags)
    return {
        "offered_rate": TARGET_RATE,
        "achieved_rate": len(accepted) / driven,
        "accepted": len(accepted),
        "refused": refused,
        "shown": len(lags),
        "p50": statistics.median(ordered) if ordered else float("nan"),
        "p95": ordered[int(0.95 * (len(ordered) - 1))] if ordered else float("nan"),
        "max": ordered[-1] if ordered else float("nan"),
        "batch_seconds": get_settings().stream_batch_seconds,
        "fold_seconds": get_settings().fold_batch_seconds,
    }


def costs(views: int = 1_000_000, voter_share: float = 0.01, document_kb: float = 2.0) -> dict[str, Any]:
    """Cost per million page views: readers through the site (edge) against every reader through the API."""
    voters = views * voter_share
    # Through the site: a page view reads the poll document and, where public, the results (2 CDN requests);
    # a vote is one API request (+1 challenge on proof-of-work polls, counted) and one Lambda invocation each.
    edge_requests = views * 2
    api_requests = voters * 2
    edge = (
        edge_requests * PRICES["cloudfront_request"]
        + edge_requests * document_kb / 1_048_576 * PRICES["cloudfront_gb"]
        + api_requests
        * (PRICES["apigw_request"] + PRICES["lambda_request"] + 0.512 * 0.05 * PRICES["lambda_gb_second"])
    )
    # Without the edge: every page view is two API requests (the poll, its results), each a Lambda invocation.
    direct_requests = views * 2 + voters * 2
    direct = direct_requests * (
        PRICES["apigw_request"] + PRICES["lambda_request"] + 0.512 * 0.05 * PRICES["lambda_gb_second"]
    )
    return {
        "edge": edge,
        "direct": direct,
        "edge_api_per_1000": api_requests / views * 1000,
        "direct_api_per_1000": direct_requests / views * 1000,
    }


def run(quick: bool = False) -> list[Section]:
    """Measure the vote-to-edge time and state the cost per million page views."""
    section = Section("9. Edge: a vote's way to the CDN's results document, and a reader's cost")
    figures = latency(quick)
    section.table(
        ["offered votes/s", "achieved votes/s", "accepted", "refused", "p50 vote to edge (s)", "p95 (s)", "max (s)"],
        [
            [
                figures["offered_rate"],
                f"{figures['achieved_rate']:.0f}",
                figures["accepted"],
                figures["refused"],
                f"{figures['p50']:.1f}",
                f"{figures['p95']:.1f}",
                f"{figures['max']:.1f}",
            ]
        ],
    )
    money = costs()
    section.table(
        ["per 1,000,000 page views, 1% voting", "API + Lambda requests per 1,000 views", "cost (USD)"],
        [
            [
                "readers from the site (CloudFront documents)",
                f"{money['edge_api_per_1000']:.0f}",
                f"{money['edge']:.2f}",
            ],
            [
                "readers from the API (API Gateway + Lambda)",
                f"{money['direct_api_per_1000']:.0f}",
                f"{money['direct']:.2f}",
            ],
        ],
    )
    section.notes += [
        f"Local stack, {THREADS} clients on distinct loopback addresses offering {TARGET_RATE} votes/s for "
        f"{'3' if quick else '20'} s. A vote reaches the document through two stream consumers, each gathering "
        f"records before a batch as the deployed event source mappings do: the fold ({figures['fold_seconds']} s, "
        "FOLD_BATCH_SECONDS: ballots into the poll's tallies, section 6b) and the publisher "
        f"({figures['batch_seconds']} s, STREAM_BATCH_SECONDS: the tallies' sum into the document); the document "
        f"is read every {SAMPLE_SECONDS} s. Target: a vote on the edge within 10 s. Deployed, CloudFront may keep the "
        "document up to its max-age (SNAPSHOT_MAX_AGE) longer.",
        "Requests per view are those measured in Chromium in section 7: none for a reader who does not vote, "
        "two for a vote on a proof-of-work poll (the challenge and the vote).",
        "Costs are list prices (an assumption; us-east-1, on-demand): CloudFront $1.00 per million HTTPS requests "
        "and $0.085/GB, API Gateway REST $3.50 per million, Lambda $0.20 per million and $0.0000166667 per "
        "GB-second (512 MB, 50 ms assumed). A page view reads two documents of about 2 KB; a vote is the vote and "
        "its challenge. CDN misses (one S3 GET per object per edge per max-age) and the stream consumer's "
        "invocations (one per batch, not per reader) are left out of both columns: they do not grow with readers.",
    ]
    section.data = {**figures, **money}
    return [section]
