"""The S3 adapter for results snapshots: the only module that talks to the bucket."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.runtime.clients import client
from chalicelib.runtime.settings import get_settings
from chalicelib.store.port import ArchiveError, UnreadableObject

JSON_TYPE = "application/json; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"


class S3Archive:
    """The Archive port over the stage's results bucket."""

    def put(self, key: str, body: bytes, content_type: str, cache_control: str, tags: str | None = None) -> None:
        """Write one object (tags in URL query form, e.g. "kind=history")."""
        extra = {"Tagging": tags} if tags else {}
        try:
            client("s3").put_object(
                Bucket=get_settings().results_bucket,
                Key=key,
                Body=body,
                ContentType=content_type,
                CacheControl=cache_control,
                **extra,
            )
        except (BotoCoreError, ClientError) as exc:
            raise ArchiveError(f"could not write {key}") from exc

    def get_json(self, key: str) -> Any:
        """Read a JSON object, or None when it does not exist."""
        try:
            response = client("s3").get_object(Bucket=get_settings().results_bucket, Key=key)
            return json.loads(response["Body"].read())
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise ArchiveError(f"could not read {key}") from exc
        except BotoCoreError as exc:
            raise ArchiveError(f"could not read {key}") from exc
        except ValueError as exc:  # read, but not JSON (or not UTF-8)
            raise UnreadableObject(f"{key} is not JSON") from exc

    def delete(self, keys: list[str]) -> None:
        """Delete objects in one DeleteObjects call per 1,000 keys (absent ones are no error)."""
        try:
            for start in range(0, len(keys), 1000):
                chunk = [{"Key": key} for key in keys[start : start + 1000]]
                answer = client("s3").delete_objects(
                    Bucket=get_settings().results_bucket, Delete={"Objects": chunk, "Quiet": True}
                )
                if answer.get("Errors"):
                    raise ArchiveError(f"could not delete {answer['Errors'][0].get('Key')}")
        except (BotoCoreError, ClientError) as exc:
            raise ArchiveError(f"could not delete {keys[:1]}") from exc

    def list_keys(self, prefix: str) -> list[str]:
        """Return every key under a prefix, in key order (one ListObjectsV2 per 1,000 keys)."""
        keys: list[str] = []
        try:
            pages = (
                client("s3")
                .get_paginator("list_objects_v2")
                .paginate(Bucket=get_settings().results_bucket, Prefix=prefix)
            )
            for page in pages:
                keys += [str(item["Key"]) for item in page.get("Contents", [])]
        except (BotoCoreError, ClientError) as exc:
            raise ArchiveError(f"could not list {prefix}") from exc
        return keys
