"""The README and docs/ hold: their commands for the local stack run, their links lead somewhere, the README is short.

Every ```sh block of README.md and docs/*.md carries a marker, an HTML comment on the line before its fence:

  <!-- docs: local -->              run here, with bash (`set -euo pipefail`), against a local stack started by the
                                    e2e fixture, with API, SITE, AWS, TOKEN and ADMIN set to that stack's (as the
                                    `variables` block sets them for `make run`); a page's blocks run in order, so a
                                    block may use what an earlier one on its page made; each must exit 0
  <!-- docs: aws -->                targets a deployed stage (AWS credentials): not run here, listed by this test
                                    (the deploy itself is tested against moto by tests/deploy)
  <!-- docs: manual, <why> -->      not run, for the reason given (`make run` runs until Ctrl-C, `make test` is CI)
  <!-- docs: variables -->          the README's variables for `make run`: checked against what `make run` prints
  <!-- docs: banner -->             (a ```text block) what `make run` prints: checked against local/run.py's banner
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

from local.run import DEFAULT_ADMIN_TOKEN, banner
from local.stack import LocalStack
from tests.conftest import ROOT
from tests.helpers import report
from tests.support import markdown

README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
README_MOST_LINES = 200
KINDS = {"local", "aws", "manual", "variables", "banner"}
VARIABLES = ("API", "SITE", "AWS", "TOKEN", "ADMIN")
BLOCK_SECONDS = 120
STACK = {"snapshot_every": 0}  # the blocks run the snapshot job themselves (POST /snapshots), as a reader would
WIDGET_NAME = re.compile(r"poll-widget\.[0-9a-f]{12}\.js")
INTEGRITY = re.compile(r'integrity="sha384-[A-Za-z0-9+/=]+"')
TEST_NAME = re.compile(r"`((?:api|e2e|unit|deploy)/test_\w+\.py)(?:::(test_\w+))?")


def every_block() -> list[markdown.Block]:
    return [block for page in PAGES for block in markdown.blocks(page)]


def sh_blocks(kind: str | None = None) -> list[markdown.Block]:
    return [b for b in every_block() if b.info in ("sh", "bash", "shell") and (kind is None or b.kind == kind)]


def local_pages() -> list[Path]:
    return [page for page in PAGES if any(b.page == page for b in sh_blocks("local"))]


def where(block: markdown.Block) -> str:
    return block.where(ROOT)


def default_banner() -> str:
    """What `make run` prints with its default ports and token (the stack is built, not started)."""
    stack = LocalStack(
        port=8000,
        aws_port=4566,
        admin_token=DEFAULT_ADMIN_TOKEN,
        endpoint="http://127.0.0.1:4566",
        web_port=8001,
        demo_port=8002,
        snapshot_every=60,
    )
    return banner(stack)


def unhashed(text: str) -> str:
    """Replace the widget's content hash and integrity, which change with every edit of the widget."""
    return INTEGRITY.sub('integrity="sha384-..."', WIDGET_NAME.sub("poll-widget.<hash>.js", text))


def test_the_readme_is_at_most_200_lines():
    lines = len(README.read_text().splitlines())
    assert lines <= README_MOST_LINES, f"README.md has {lines} lines; move detail into docs/"


def test_every_shell_block_says_where_it_runs():
    unmarked = [where(b) for b in sh_blocks() if b.kind not in KINDS - {"banner"}]
    assert unmarked == [], f"a ```sh block needs <!-- docs: local|aws|manual, <why>|variables --> before it: {unmarked}"


def test_every_marker_is_known_and_stands_before_a_fence():
    wrong = [
        f"{m.page.relative_to(ROOT)}:{m.line} {m.kind}"
        for page in PAGES
        for m in markdown.markers(page)
        if m.kind not in KINDS or not m.fenced
    ]
    assert wrong == []


def test_a_manual_block_says_why_it_is_not_run():
    assert [where(b) for b in sh_blocks("manual") if not b.note.strip()] == []


def test_the_blocks_that_target_aws_are_listed_and_name_no_local_address(request):
    aws = sh_blocks("aws")
    for block in aws:
        first = next((line for line in block.text.splitlines() if line.strip()), "")
        report(request, f"not run (targets AWS): {where(block)}  {first[:90]}")
    local = [where(b) for b in aws if re.search(r"127\.0\.0\.1|localhost|STAGE=local|--stage local", b.text)]
    assert local == [], f"these blocks marked aws use the local stack's addresses; mark them local: {local}"


def test_the_banner_in_the_readme_is_what_make_run_prints():
    shown = [b for b in every_block() if b.kind == "banner"]
    assert len(shown) == 1, "the README shows what `make run` prints once, in a ```text block marked banner"
    assert unhashed(shown[0].text).strip("\n") == unhashed(default_banner()).strip("\n")


def test_the_variables_block_sets_what_make_run_prints():
    defined = sh_blocks("variables")
    assert len(defined) == 1, "one ```sh block marked variables (in the README) sets the local blocks' variables"
    block = defined[0]
    names = re.findall(r"^([A-Z_]+)=", block.text, flags=re.MULTILINE)
    assert sorted(names) == sorted(VARIABLES)
    script = block.text + "".join(f'printf "%s\\n" "${name}"\n' for name in VARIABLES)
    values = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout.splitlines()
    printed = default_banner()
    api, site, aws, token, admin = values
    assert f"Poll API      {api} " in printed
    assert f"Site          {site} " in printed
    assert f"AWS endpoint  {aws} " in printed
    assert f"Admin token   {token} " in printed
    assert admin == f"Authorization: Bearer {token}"


@pytest.mark.parametrize("page", local_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_local_blocks_of_a_page_run_against_the_local_stack(page, stack, request):
    assert shutil.which("curl"), "the docs' commands need curl, as a reader's shell has it (apt-get install curl)"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "API": stack.api_url,
        "SITE": stack.web_url,
        "AWS": str(stack.endpoint),
        "TOKEN": stack.admin_token,
        "ADMIN": f"Authorization: Bearer {stack.admin_token}",
    }
    ran = 0
    for block in (b for b in sh_blocks("local") if b.page == page):
        try:
            done = subprocess.run(
                ["bash", "-c", "set -euo pipefail\n" + block.text],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=BLOCK_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"{where(block)} ran over {BLOCK_SECONDS} s:\n{block.text}")
        if done.returncode != 0:
            pytest.fail(
                f"{where(block)} exited {done.returncode}:\n{block.text}\n"
                f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
            )
        ran += 1
    report(request, f"{page.relative_to(ROOT)}: {ran} blocks ran against the local stack")


def test_relative_links_lead_to_files_and_headings_that_exist():
    broken = []
    for page in PAGES:
        for line, target in markdown.links(page):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue  # https:, mailto: ... (no network here)
            path_part, _, anchor = target.partition("#")
            path = (page.parent / unquote(path_part)).resolve() if path_part else page
            if not path.exists():
                broken.append(f"{page.relative_to(ROOT)}:{line} {target}: no such file")
            elif anchor and path.suffix == ".md" and anchor not in markdown.anchors(path):
                broken.append(f"{page.relative_to(ROOT)}:{line} {target}: no such heading")
    assert broken == []


def test_the_reliability_guide_names_tests_that_exist():
    guide = ROOT / "docs" / "reliability.md"
    missing = []
    named = TEST_NAME.findall(guide.read_text())
    assert named, "docs/reliability.md names the tests that prove each guarantee"
    for path, name in named:
        source = ROOT / "tests" / path
        if not source.exists() or (name and not re.search(rf"^\s*def {name}\(", source.read_text(), re.MULTILINE)):
            missing.append(f"{path}::{name}" if name else path)
    assert missing == []


def test_the_python_modules_the_docs_run_exist():
    named = {m for b in sh_blocks() for m in re.findall(r"python3? -m ([a-z_][\w.]*)", b.text)}
    assert named
    missing = [m for m in sorted(named) if importlib.util.find_spec(m) is None]
    assert missing == []
