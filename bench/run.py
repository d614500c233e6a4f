"""`make bench`: run every benchmark, print its tables, and (without --quick) rewrite BENCHMARKS.md.

`--data PATH` also writes each section's figures as JSON (what tests/e2e/test_bench_smoke.py reads: it runs
`python -m bench.run --quick --only NAME --data PATH` in a subprocess, so the tests never import bench/).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import harness  # noqa: F401 - sets the fake AWS environment before anything imports the app
from bench.harness import Section
from ops import capacity

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "BENCHMARKS.md"
BENCHMARKS = (
    "request_costs",
    "cold_start",
    "package_size",
    "overhead",
    "snapshot_scale",
    "hot_poll",
    "fold_lag",
    "widget",
    "stuffing",
    "stuffing_scale",
    "edge",
    "cards",
    "audience_cost",
    "exports",
)


def run_all(quick: bool, only: list[str] | None = None) -> tuple[list[Section], float]:
    """Run the benchmarks in order, printing each section as it is done; return them and the total seconds."""
    sections: list[Section] = []
    started = time.perf_counter()
    for name in only or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        began = time.perf_counter()
        produced = module.run(quick=quick)
        seconds = time.perf_counter() - began
        for section in produced:
            section.seconds = seconds
            print(section.markdown(), flush=True)
        print(f"({name}: {seconds:.1f} s)\n", flush=True)
        sections += produced
    return sections, time.perf_counter() - started


def _commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "unknown"


def _command(argv: list[str]) -> str:
    direct = " ".join([".venv/bin/python -m bench.run", *argv]).strip()
    return f"`make bench` (runs `{direct}`)" if os.environ.get("MAKELEVEL") else f"`{direct}`"


def _costs(costs: dict[str, Any]) -> list[str]:
    """Headlines of section 1a: requests per vote and read, what a vote writes, its write units."""
    lines = []
    votes = {name: figures for name, figures in costs.items() if name.startswith("warm vote (")}
    if votes:
        requests = sorted({figures["requests"] for figures in votes.values()})
        operations = sorted({op for figures in votes.values() for op in figures["operations"]})
        cold = costs.get("results read, cold", {})
        warm = costs.get("results read, within the cache window", {})
        lines.append(
            f"One DynamoDB request per warm vote: {' or '.join(map(str, requests))} in each of the {len(votes)} "
            f"blocking and challenge modes ({' or '.join(operations)}); a cold results read is "
            f"{cold.get('requests')} ({', '.join(cold.get('operations', []))}), a read within the cache window "
            f"{warm.get('requests')}."
        )
        shared = sorted({item for figures in votes.values() for item in figures["written"] if item.startswith("polls")})
        kinds = sorted({item for figures in votes.values() for item in figures["written"]})
        lines.append(
            "No shared item on the vote path: "
            + (
                f"a warm vote writes only {', '.join(kinds)} (keyed by voter or request, proof, address prefix's "
                "or block's window, address; and one of the poll's by-poll index buckets), nothing of the poll's."
                if not shared
                else f"**a warm vote wrote the poll's items: {', '.join(shared)}**."
            )
        )
    compared = costs.get("units_vs_today", {})
    if compared:
        what = {"default": "a default poll", "voter": "block=voter without a challenge or window"}
        shown = ", ".join(
            f"{compared[mode]['ledger']:g} for {name} (today's {compared[mode]['today']:g})"
            for mode, name in what.items()
            if mode in compared
        )
        lines.append(f"Write units per warm vote (WCU incl. GSI): {shown}.")
    return lines


def _hot(hot: dict[str, Any]) -> list[str]:
    """Headlines of section 6a: the ledger at 100,000 votes/s, today's design there, the quotas."""
    at = hot["ledger_at_quota_rate"]
    rates = {int(rate): designs for rate, designs in hot["rates"].items()}
    today = next(figures for name, figures in rates[100_000].items() if name.startswith("today"))
    raised = [name for name, text in hot["quotas"].items() if text.endswith(": raise")]
    return [
        f"By the model, 100,000 votes/s on one poll: {at['retries']:.4f} retries a vote (target < 0.1); the busiest "
        f"key, {at['busiest_key']}, at {at['busiest_share']:.0%} of its partition's limit (target ≤ 50%); "
        f"{at['refused']:.0%} refused. Today's 1,000 shards there: {today['retries']:.2f} retries a vote, "
        f"{today['refused']:.1%} refused.",
        "Quotas a 100,000 votes/s poll needs raised (the binding limits): "
        + "; ".join(f"{name}: {hot['quotas'][name].removesuffix(': raise')}" for name in raised)
        + ".",
    ]


def _lag(lag: dict[str, Any]) -> str:
    """Headline of section 6b, with the model's deployed figure beside it."""
    modelled = capacity.ledger(100_000)
    return (
        f"Fold lag, commit to tally: p50 {lag['p50']:.2f} s, p99 {lag['p99']:.2f} s on the local stack at "
        f"{lag['achieved_rate']:.0f} votes/s (target p99 ≤ {lag['target_p99']:g} s: "
        f"{'met' if lag['meets_target'] else 'not met'}); p99 {modelled.lag_p99:.2f} s deployed by the model "
        "(target ≤ 5 s)."
    )


def summary(sections: list[Section]) -> list[str]:
    """A few headline figures drawn from the sections' data: the ledger's targets first."""
    data: dict[str, Any] = {}
    for section in sections:
        data[section.title.split(".")[0]] = section.data
    lines = []
    if data.get("1a"):
        lines += _costs(data["1a"])
    if data.get("6a"):
        lines += _hot(data["6a"])
    if data.get("6b"):
        lines.append(_lag(data["6b"]))
    cold = data.get("2", {})
    if cold:
        lines.append(
            f"Cold start: import app + first vote = {cold['ratio']:.2f}x importing chalice, boto3 and pynamodb."
        )
    package = data.get("3", {})
    if package.get("small") and package.get("naive"):
        small, naive = package["small"]["zip_bytes"] / 1024, package["naive"]["zip_bytes"] / 2**20
        lines.append(f"Package: {small:.0f} KB against {naive:.1f} MB for a naive `chalice package`.")
    handler = data.get("4", {})
    if handler:
        shown = "; ".join(f"{name}: {figures['ratio']:.2f}x" for name, figures in handler.items())
        lines.append(f"Handler overhead (median ratio): {shown}.")
    scale = data.get("5", {})
    if scale:
        last = list(scale)[-2:]
        lines.append(
            "Snapshot run: "
            + "; ".join(
                f"{name}: {scale[name]['requests']} requests, {scale[name]['s3_puts']} S3 PUTs" for name in last
            )
            + "."
        )
    cards = data.get("10", {})
    if cards:
        english = cards["cases"]["English, 3 options"]
        lines.append(
            f"Share card: {english['median_ms']:.0f} ms a card ({english['ratio']:.1f}x an empty 1200x630 PNG), "
            f"{english['png_bytes'] / 1024:.0f} KB; the card layer {cards['layer']['zip_bytes'] / 2**20:.1f} MB zipped."
        )
    stuffing = data.get("8", {})
    if stuffing:
        one = stuffing["cases"]["default (proof of work + address limit), one address"]
        lines.append(
            f"Stuffing, default poll: one scripted address adds at most {one['per_hour_per_address']:,.0f} votes an "
            f"hour at {one['cpu_per_vote']:.2f} attacker CPU-s a vote; replayed and cross-poll proofs counted: "
            f"{stuffing['replays']['replayed'] + stuffing['replays']['cross-poll']}."
        )
    return lines


def _headline_key(line: str) -> str:
    """What identifies a headline across runs: its words before the first figure or colon."""
    return re.split(r"[\d:]", line, maxsplit=1)[0].strip()


def write_markdown(sections: list[Section], seconds: float, argv: list[str], path: Path = OUTPUT) -> None:
    """Rewrite BENCHMARKS.md with the figures, the command, the date and the machine."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`bench/`); do not edit by hand. Timings are ratios against a baseline measured in",
        "the same run (this machine is shared, so absolute times drift), with min/median/max over repeats.",
        "",
        f"- Command: {_command(argv)}",
        f"- Date: {now}; commit {_commit()}; whole run {seconds:.0f} s",
        f"- Machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}",
        "- AWS: moto 5 (in process, or its ThreadedMotoServer for fresh processes); no AWS account",
        "",
    ]
    headline = summary(sections)
    if headline:
        header += ["## Headlines", ""] + [f"- {line}" for line in headline] + ["", ""]
    path.write_text("\n".join(header) + "\n".join(section.markdown() for section in sections))


def _last_number(text: str) -> int:
    """Return the highest section number in BENCHMARKS.md."""
    return max((int(n) for n in re.findall(r"^## (\d+)[ab]?\. ", text, re.MULTILINE)), default=0)


def update_markdown(sections: list[Section], seconds: float, argv: list[str], path: Path = OUTPUT) -> None:
    """Replace these sections and their headlines in BENCHMARKS.md, keeping every other section as it is."""
    text = path.read_text()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    for section in sections:
        number = section.title.split(".")[0]
        section.notes.append(
            f"This section alone was regenerated by {_command(argv)} on {now}, commit {_commit()}, in {seconds:.0f} s; "
            "the header's date and commit are those of the last full run."
        )
        pattern = re.compile(rf"^## {re.escape(number)}\. .*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
        matches = list(pattern.finditer(text))
        if not matches and int(number.rstrip("ab") or 0) > _last_number(text):  # a new benchmark: add it at the end
            text = text.rstrip("\n") + "\n\n" + section.markdown()
            continue
        if len(matches) != 1:
            raise SystemExit(f"{path} has {len(matches)} sections numbered {number}: run the full `make bench` instead")
        start, end = matches[0].span()
        text = text[:start] + section.markdown() + ("\n" if end < len(text) else "") + text[end:]
    lines = text.split("\n")
    for headline in summary(sections):
        key = _headline_key(headline)
        spots = [i for i, line in enumerate(lines) if line.startswith("- ") and _headline_key(line[2:]) == key]
        if len(spots) != 1:
            raise SystemExit(f"{path} has {len(spots)} headlines starting {key!r}: run the full `make bench` instead")
        lines[spots[0]] = f"- {headline}"
    path.write_text("\n".join(lines))


def _jsonable(value: Any) -> Any:
    """The figures as JSON values: tuple keys joined with " | ", tuples as lists, other objects as their text."""
    if isinstance(value, dict):
        return {(" | ".join(map(str, k)) if isinstance(k, tuple) else str(k)): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def write_data(sections: list[Section], path: Path) -> None:
    """Write each section's title, figures and markdown as a JSON list."""
    found = [{"title": s.title, "data": _jsonable(s.data), "markdown": s.markdown()} for s in sections]
    path.write_text(json.dumps(found, indent=1))


def main(argv: list[str] | None = None) -> int:
    """Command line: python -m bench.run [--quick] [--only NAME ...]."""
    args_list = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, no BENCHMARKS.md (the smoke test's mode)")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run only these benchmarks")
    parser.add_argument(
        "--update", action="store_true", help="with --only: replace those sections (and headlines) in BENCHMARKS.md"
    )
    parser.add_argument("--data", type=Path, help="also write each section's figures to this file as JSON")
    parser.add_argument(
        "--output", type=Path, help="the document to write or update instead of BENCHMARKS.md (written in any mode)"
    )
    args = parser.parse_args(args_list)
    if args.update and (args.quick or not args.only):
        parser.error("--update needs --only and no --quick")
    sections, seconds = run_all(args.quick, args.only)
    if args.data:
        write_data(sections, args.data)
    output = args.output or OUTPUT
    if args.update:
        update_markdown(sections, seconds, args_list, path=output)
        print(f"updated {', '.join(s.title for s in sections)} in {output} ({seconds:.0f} s)")
    elif args.output or (not args.quick and not args.only):
        write_markdown(sections, seconds, args_list, path=output)
        print(f"wrote {output} ({seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
