"""What a deploy uploads before CloudFormation runs: the artifacts bucket, the deployment package and the template
under keys derived from their content (an unchanged app is an unchanged template), and, on an emulator, a
stand-in for AWS's Powertools layer.

The artifacts bucket (`polls-artifacts-<account>-<region>`) is created if missing: encrypted, public access blocked.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

POWERTOOLS = "aws-lambda-powertools"
STAND_IN_LAYER = "polls-powertools-stand-in"
# What AWS's Powertools layer puts on the path (/opt/python): Powertools, the X-Ray SDK and what they import.
LAYER_PACKAGES = ("aws_lambda_powertools", "aws_xray_sdk", "wrapt", "typing_extensions")
ROOT = Path(__file__).resolve().parent.parent


def bucket_name(sts: Any, region: str) -> str:
    """Return the account's artifacts bucket for a region."""
    return f"polls-artifacts-{sts.get_caller_identity()['Account']}-{region}"


def ensure_bucket(s3: Any, bucket: str, region: str) -> bool:
    """Create the artifacts bucket if missing (encrypted, public access blocked); return whether it was created."""
    try:
        s3.head_bucket(Bucket=bucket)
        return False
    except s3.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchBucket", "NotFound"):
            raise
    arguments: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        arguments["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**arguments)
    blocked = {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=blocked)
    encryption = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=encryption)
    return True


def zip_digest(path: Path) -> str:
    """Return a digest of a zip's entries (names and bytes, not their times): the same app gives the same digest."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            digest.update(name.encode() + b"\0" + hashlib.sha256(archive.read(name)).digest())
    return digest.hexdigest()


def upload_once(s3: Any, bucket: str, key: str, body: bytes) -> bool:
    """Put an object unless its content-derived key is already there; return whether it was uploaded."""
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return False
    except s3.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchKey", "NotFound"):
            raise
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return True


def upload_package(s3: Any, bucket: str, package: Path, stage: str, kind: str = "deployment") -> str:
    """Upload the deployment package (or the card layer) under a key derived from its content; return the key."""
    key = f"polls-{stage}/{kind}-{zip_digest(package)[:32]}.zip"
    upload_once(s3, bucket, key, package.read_bytes())
    return key


def upload_template(s3: Any, bucket: str, body: str, stage: str, region: str) -> str:
    """Upload a template under a key derived from its content; return the URL CloudFormation reads it from."""
    key = f"polls-{stage}/template-{hashlib.sha256(body.encode()).hexdigest()[:32]}.json"
    upload_once(s3, bucket, key, body.encode())
    return f"https://{bucket}.s3.{region}.amazonaws.com/{key}"


def layer_files() -> Iterator[tuple[str, Path]]:
    """Yield where each file of the layer goes (under python/, as AWS's layer puts it) and where it is installed."""
    for name in LAYER_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise SystemExit(f"{name} is not installed: it belongs in the Powertools layer")
        origin = Path(spec.origin)
        if origin.name != "__init__.py":  # a module
            yield f"python/{origin.name}", origin
            continue
        for path in sorted(origin.parent.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                yield f"python/{path.relative_to(origin.parent.parent).as_posix()}", path


def stand_in_layer_zip() -> tuple[bytes, str]:
    """Return a layer of the installed, pinned Powertools and its description, which names its content's digest."""
    pins = (ROOT / "requirements-dev.txt").read_text().splitlines()
    pinned = next(line.partition("==")[2].strip() for line in pins if line.startswith(f"{POWERTOOLS}=="))
    installed = importlib.metadata.version(POWERTOOLS)
    if installed != pinned:
        raise SystemExit(f"{POWERTOOLS} {installed} is installed but {pinned} is pinned")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, path in layer_files():
            entry = zipfile.ZipInfo(name)  # a fixed time: the same files make the same bytes
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes())
    body = buffer.getvalue()
    return body, f"{POWERTOOLS} {pinned} sha256:{hashlib.sha256(body).hexdigest()[:32]}"


def powertools_layer(lambda_client: Any, emulated: bool) -> str:
    """Return the PowertoolsLayerArn parameter: POWERTOOLS_LAYER_ARN, else on an emulator a stand-in, else ""."""
    if os.environ.get("POWERTOOLS_LAYER_ARN"):
        return os.environ["POWERTOOLS_LAYER_ARN"]
    if not emulated:
        return ""  # the template takes AWS's layer for the stack's region
    body, description = stand_in_layer_zip()
    for version in lambda_client.list_layer_versions(LayerName=STAND_IN_LAYER).get("LayerVersions", []):
        if version.get("Description") == description:
            return str(version["LayerVersionArn"])  # the same content: reuse it, so a redeploy stays a no-op
    published = lambda_client.publish_layer_version(
        LayerName=STAND_IN_LAYER,
        Description=description,
        Content={"ZipFile": body},
        CompatibleRuntimes=["python3.11"],
    )
    return str(published["LayerVersionArn"])
