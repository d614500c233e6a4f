"""Reading the project's Markdown for the docs test: fenced blocks with the marker that says where they run, links,
and the anchors GitHub gives headings.

A marker is an HTML comment on the line before a fence (`<!-- docs: local -->`); GitHub does not render it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

MARKER = re.compile(r"^<!-- docs: (?P<kind>[a-z]+)(?:[:,] *(?P<note>.*?))? -->$")
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>```+|~~~+)\s*(?P<info>[^`\s]*)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")


@dataclass(frozen=True)
class Block:
    """A fenced block: its page, the line its fence opens on, its info string, its text and its marker."""

    page: Path
    line: int
    info: str
    text: str
    kind: str | None  # the marker's kind (None: no marker)
    note: str  # what the marker says after its kind

    def where(self, root: Path) -> str:
        """Name the block as `page:line`."""
        return f"{self.page.relative_to(root)}:{self.line}"


@dataclass(frozen=True)
class Marker:
    """A marker comment, and whether a fence follows it."""

    page: Path
    line: int
    kind: str
    fenced: bool


def blocks(page: Path) -> list[Block]:
    """Return every fenced block of a page, in order, each with the marker on the line before its fence."""
    lines = page.read_text().splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence, indent = opening.group("fence"), len(opening.group("indent"))
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        marker = MARKER.match(lines[index - 1].strip()) if index > 0 else None
        body = [line[indent:] if not line[:indent].strip() else line for line in lines[index + 1 : end]]
        found.append(
            Block(
                page=page,
                line=index + 1,
                info=opening.group("info"),
                text="\n".join(body) + "\n",
                kind=marker.group("kind") if marker else None,
                note=(marker.group("note") or "") if marker else "",
            )
        )
        index = end + 1
    return found


def markers(page: Path) -> list[Marker]:
    """Return every marker comment of a page, and whether a fence opens on the next line."""
    lines = page.read_text().splitlines()
    found = []
    for index, line in enumerate(lines):
        marker = MARKER.match(line.strip())
        if marker:
            fenced = index + 1 < len(lines) and bool(FENCE.match(lines[index + 1]))
            found.append(Marker(page, index + 1, marker.group("kind"), fenced))
    return found


def prose(page: Path) -> list[tuple[int, str]]:
    """Return a page's lines outside fenced blocks, with inline code removed, numbered from 1."""
    return [(number, INLINE_CODE.sub("", line)) for number, line in outside_fences(page)]


def links(page: Path) -> list[tuple[int, str]]:
    """Return the targets of a page's Markdown links (outside code), with their line numbers."""
    return [(number, match.group(1)) for number, line in prose(page) for match in LINK.finditer(line)]


def slug(heading: str) -> str:
    """Return the anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = text.replace("`", "").strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Return every anchor of a page's headings (a repeated heading gets -1, -2, ... as on GitHub)."""
    seen: dict[str, int] = {}
    found = set()
    for _, line in outside_fences(page):
        heading = HEADING.match(line)
        if not heading:
            continue
        base = slug(heading.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def outside_fences(page: Path) -> list[tuple[int, str]]:
    """Return a page's lines outside fenced blocks (inline code kept: headings may hold it), numbered from 1."""
    kept: list[tuple[int, str]] = []
    fence: str | None = None
    for number, line in enumerate(page.read_text().splitlines(), start=1):
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening.group("fence")
            continue
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        kept.append((number, line))
    return kept
