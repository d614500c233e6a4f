"""Create a stage's tables and bucket where they are missing (the local stack, tests, deploys)."""

from __future__ import annotations

from typing import Any

from chalicelib import models
from chalicelib.aws import client
from chalicelib.settings import Settings


def ensure_tables(settings: Settings) -> list[str]:
    """Create the stage's DynamoDB tables from the PynamoDB models; return the names created."""
    models.bind(settings)
    created = []
    for model in (models.PollModel, models.ShardModel, models.BallotModel):
        if not model.exists():
            # create_table also turns on TTL for models with a TTLAttribute.
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
            created.append(model.Meta.table_name)
    return created


def ensure_bucket(settings: Settings) -> bool:
    """Create the stage's results bucket if it is missing; return whether it was created."""
    s3 = client("s3")
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if settings.results_bucket in existing:
        return False
    kwargs: dict[str, Any] = {"Bucket": settings.results_bucket}
    if settings.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": settings.region}
    s3.create_bucket(**kwargs)
    return True


def ensure_resources(settings: Settings) -> list[str]:
    """Create whatever of the stage's tables and bucket is missing; return what was created."""
    created = ensure_tables(settings)
    if ensure_bucket(settings):
        created.append(settings.results_bucket)
    return created
