"""Benchmark 10: share cards: the card layer's size, and the time to lay out and draw a card as a ratio to drawing
(and encoding) an empty 1200x630 PNG in the same run."""

from __future__ import annotations

import tempfile
import zipfile
from collections import Counter
from pathlib import Path

from bench.harness import Section, Spread, fmt, timed
from chalicelib.core.cards import CardInput, disclaimer, layout
from chalicelib.core.counts import Counts
from chalicelib.core.languages import Translation
from chalicelib.core.poll import Block, Option, Poll, Visibility
from chalicelib.services import card_renderer as renderer
from infra.build import card_layer

REPEATS, QUICK_REPEATS = 20, 3
NOW = 1_000_000
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


def _poll(options: int, visibility: Visibility = Visibility.ALWAYS) -> Poll:
    """A poll of a realistic size: a two-line question, `options` options, a Welsh and an Arabic translation."""
    labels = {f"o{i}": f"Option number {i + 1}, a little longer" for i in range(options)}
    return Poll(
        id="bench",
        question="Should the council build a new footbridge over the river before the next election?",
        options=tuple(Option(key, label) for key, label in labels.items()),
        opens_at=NOW - 100,
        closes_at=None,
        closed=False,
        max_choices=1,
        results_visibility=visibility,
        block=Block.VOTER,
        ip_limit=20,
        created_at=NOW - 100,
        incarnation="bench",
        translations={
            "cy": Translation(
                "A ddylai'r cyngor adeiladu pont droed newydd dros yr afon?", {k: "Ŵyn ŷd" for k in labels}
            ),
            "ar": Translation(
                "هل يجب على المجلس بناء جسر جديد للمشاة فوق النهر؟", {k: "نعم، في أقرب وقت" for k in labels}
            ),
        },
    )


def _card(poll: Poll, lang: str | None) -> bytes:
    """Lay out and draw one card, as the card function does."""
    counts = Counts({f"o{i}": 7 * i + 3 for i in range(len(poll.options))}, 0)
    counts.voters = sum(counts.votes.values())
    shown = poll.text_in(lang)[0]
    source = CardInput(poll, counts, NOW, lang, "The Riverside Gazette", "#0b5cad", disclaimer(poll, shown))
    return renderer.png(layout(source, renderer.measure_rtl if shown == "ar" else renderer.measure_ltr))


def layer_figures() -> dict[str, object]:
    """Build the card layer as the package does; return its zipped and unzipped sizes and largest parts."""
    with tempfile.TemporaryDirectory() as tmp:
        path = card_layer(Path(tmp))
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            parts: Counter[str] = Counter()
            for info in infos:
                parts["/".join(info.filename.split("/")[:2])] += info.file_size
        return {
            "zip_bytes": path.stat().st_size,
            "unzipped_bytes": sum(info.file_size for info in infos),
            "largest": parts.most_common(6),
        }


def run(quick: bool = False) -> list[Section]:
    """Measure the layer and the time per card."""
    repeats = QUICK_REPEATS if quick else REPEATS
    cases = {
        "English, 3 options": (_poll(3), None),
        "Welsh, 3 options": (_poll(3), "cy"),
        "Arabic, 3 options (shaped, right to left)": (_poll(3), "ar"),
        "English, 30 options (top ones + N more)": (_poll(30), None),
        "English, hidden results": (_poll(3, Visibility.NEVER), None),
    }
    renderer.empty_png()  # fonts and encoder loaded before anything is timed
    for poll, lang in cases.values():
        _card(poll, lang)
    empty = Spread([timed(renderer.empty_png) * 1000 for _ in range(repeats)])  # ms
    section = Section("10. Share cards: the card layer, and the time to draw a card")
    rows, data = [], {"empty_ms": empty.median, "cases": {}}
    for name, (poll, lang) in cases.items():
        spread = Spread([timed(lambda poll=poll, lang=lang: _card(poll, lang)) * 1000 for _ in range(repeats)])
        size = len(_card(poll, lang))
        ratio = spread.median / empty.median
        data["cases"][name] = {"median_ms": spread.median, "ratio": ratio, "png_bytes": size}
        rows.append([name, spread.show(0, " ms"), f"{ratio:.1f}x", f"{size / 1024:.0f} KB"])
    section.table(["Card", f"Median of {repeats}", "Ratio to an empty 1200x630 PNG", "PNG"], rows)
    layer = layer_figures()
    data["layer"] = layer
    section.table(
        ["Card layer", "Bytes"],
        [["cards-layer.zip", fmt(layer["zip_bytes"])], ["unzipped", fmt(layer["unzipped_bytes"])]]
        + [[f"of which {name}", fmt(size)] for name, size in layer["largest"]],
    )
    section.notes += [
        f"The empty card (Image.new + PNG encoding, the baseline) takes {empty.show(1, ' ms')} here; a card is laid "
        "out (fonts measure every line) and drawn with Pillow's basic layout, then quantized to 256 colours and "
        "encoded as an optimized PNG (the limit is 200 KB).",
        f"The layer (requirements-cards.txt for manylinux2014 x86_64 and the Noto fonts) is "
        f"{layer['unzipped_bytes'] / LAMBDA_UNZIPPED_LIMIT:.1%} of Lambda's 250 MB unzipped limit; no API function "
        "has it (tests/deploy/test_deploy.py).",
    ]
    section.data = data
    return [section]
