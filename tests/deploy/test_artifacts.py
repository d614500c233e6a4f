"""What a deploy uploads: the package under a key derived from its content, and which Powertools layer it names."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from ops import artifacts

MINE = "arn:aws:lambda:us-east-1:123456789012:layer:mine:3"


def archive(path: Path, files: dict[str, bytes], when: tuple[int, int, int, int, int, int]) -> Path:
    with zipfile.ZipFile(path, "w") as out:
        for name, body in files.items():
            out.writestr(zipfile.ZipInfo(name, date_time=when), body)
    return path


@pytest.mark.parametrize(
    ("files", "same"),
    [
        ({"app.py": b"print(1)", "chalicelib/x.py": b""}, True),  # the same files, other times
        ({"app.py": b"print(2)", "chalicelib/x.py": b""}, False),  # one file changed
        ({"app.py": b"print(1)", "chalicelib/y.py": b""}, False),  # one file renamed
    ],
)
def test_the_package_key_follows_its_content_not_its_files_times(tmp_path, files, same):
    first = archive(tmp_path / "a.zip", {"app.py": b"print(1)", "chalicelib/x.py": b""}, (2026, 1, 1, 0, 0, 0))
    second = archive(tmp_path / "b.zip", files, (2026, 12, 6, 12, 30, 0))
    assert (artifacts.zip_digest(first) == artifacts.zip_digest(second)) is same


def test_the_stand_in_layer_is_the_same_bytes_each_time_and_holds_powertools_under_python():
    body, description = artifacts.stand_in_layer_zip()
    assert artifacts.stand_in_layer_zip() == (body, description)
    assert description.startswith("aws-lambda-powertools 3.22.0 sha256:")
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert "python/aws_lambda_powertools/__init__.py" in names and "python/aws_xray_sdk/__init__.py" in names


@pytest.mark.parametrize(
    ("setting", "emulated", "expected"),
    [
        (MINE, False, MINE),
        (MINE, True, MINE),
        (None, False, ""),  # the template's own choice: AWS's layer for the stack's region
    ],
)
def test_powertools_comes_from_the_setting_else_from_aws_s_layer_on_aws(monkeypatch, setting, emulated, expected):
    if setting is None:
        monkeypatch.delenv("POWERTOOLS_LAYER_ARN", raising=False)
    else:
        monkeypatch.setenv("POWERTOOLS_LAYER_ARN", setting)
    assert artifacts.powertools_layer(lambda_client=None, emulated=emulated) == expected
