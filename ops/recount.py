"""Command-line recount: `python -m ops.recount <poll_id> [--fix] [--stage local]`.

Uses the stage's environment (infra/functions.py: the local stage's from .chalice/config.json, a deployed stage's
resources by the names the template gives them; plus AWS_ENDPOINT_URL for the local stack,
or your AWS credentials for a deployed stage) and prints the same report as POST /polls/{id}/recount.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from infra.functions import stage_environment


def main(argv: list[str] | None = None) -> int:
    """Recount one poll and print the report; exit 1 when drift remains."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("poll_id")
    parser.add_argument(
        "--fix", action="store_true", help="repair drifting tallies (the poll must have been closed ten minutes)"
    )
    parser.add_argument("--stage", default=os.environ.get("STAGE", "local"), choices=["local", "dev", "prod"])
    args = parser.parse_args(argv)
    for name, value in stage_environment(args.stage).items():
        os.environ.setdefault(name, value)
    from chalicelib.core.errors import DomainError  # noqa: PLC0415 - after the stage's environment is set
    from chalicelib.services import recount  # noqa: PLC0415

    try:
        report = recount.recount(args.poll_id, fix=args.fix)
    except DomainError as error:
        print(json.dumps({"error": {"code": error.code, "message": error.message}}), file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2))
    remaining = report["drift"]["total_voters"] != 0 or any(report["drift"]["options"].values())
    return 1 if remaining and not report["fixed"] else 0


if __name__ == "__main__":
    sys.exit(main())
