"""Draw a card's layout as a 1200x630 PNG with Pillow and the vendored Noto fonts.

Only the card function imports this module (Pillow, arabic-reshaper and python-bidi are in its layer, never the
API's zip). Arabic is shaped by arabic-reshaper (presentation forms) and put in visual order by python-bidi, so
Pillow's basic layout draws it without raqm or fribidi; each character is drawn in the font that has it (Noto Sans
Arabic for the Arabic script, Noto Sans for the rest).
"""

from __future__ import annotations

import io
import os
import re
from functools import lru_cache
from pathlib import Path

import arabic_reshaper
from bidi import get_display
from PIL import Image, ImageDraw, ImageFont

from chalicelib.core.cards import CardLayout, Run

LAYER_FONTS = Path("/opt/fonts")  # where the card layer puts them on Lambda
REPO_FONTS = Path(__file__).resolve().parents[2] / "fonts"
ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
MAX_BYTES = 200_000


def fonts_dir() -> Path:
    """Return the fonts' folder: CARD_FONTS_DIR if set, else the layer's, else the repository's."""
    configured = os.environ.get("CARD_FONTS_DIR")
    if configured:
        return Path(configured)
    return LAYER_FONTS if LAYER_FONTS.is_dir() else REPO_FONTS


@lru_cache(maxsize=64)
def font(size: int, bold: bool, arabic: bool) -> ImageFont.FreeTypeFont:
    """Return a font at a size (basic layout: no raqm needed at run time)."""
    family = "NotoSansArabic" if arabic else "NotoSans"
    path = fonts_dir() / f"{family}-{'Bold' if bold else 'Regular'}.ttf"
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


def visual(text: str, rtl: bool) -> str:
    """Return text in the order it is drawn: Arabic shaped and reordered, other text as it is."""
    if not ARABIC.search(text) and not rtl:
        return text
    return str(get_display(arabic_reshaper.reshape(text), base_dir="R" if rtl else "L"))


def segments(drawn: str) -> list[tuple[str, bool]]:
    """Split visual text into pieces of one font each: (text, Arabic?); spaces go with the piece before them."""
    pieces: list[tuple[str, bool]] = []
    for char in drawn:
        arabic = bool(ARABIC.match(char)) if not char.isspace() else (pieces[-1][1] if pieces else False)
        if pieces and pieces[-1][1] == arabic:
            pieces[-1] = (pieces[-1][0] + char, arabic)
        else:
            pieces.append((char, arabic))
    return pieces


def text_width(drawn: str, size: int, bold: bool) -> float:
    """Return the width in pixels of visual text."""
    return sum(font(size, bold, arabic).getlength(piece) for piece, arabic in segments(drawn))


def measure_ltr(text: str, size: int, bold: bool) -> float:
    """Measure text on a left-to-right card."""
    return text_width(visual(text, False), size, bold)


def measure_rtl(text: str, size: int, bold: bool) -> float:
    """Measure text on a right-to-left card."""
    return text_width(visual(text, True), size, bold)


def _draw_run(draw: ImageDraw.ImageDraw, run: Run, rtl: bool) -> None:
    """Draw one run: its pieces left to right from its start, on one baseline."""
    drawn = visual(run.text, rtl)
    x = run.x if run.anchor == "left" else run.x - text_width(drawn, run.size, run.bold)
    baseline = run.y + round(run.size * 1.07)
    for piece, arabic in segments(drawn):
        face = font(run.size, run.bold, arabic)
        draw.text((x, baseline), piece, font=face, fill=run.colour, anchor="ls")
        x += face.getlength(piece)


def draw(card: CardLayout) -> Image.Image:
    """Draw a layout."""
    image = Image.new("RGB", (card.width, card.height), card.background)
    pen = ImageDraw.Draw(image)
    for bar in card.bars:
        pen.rectangle((bar.x, bar.y, bar.x + bar.width - 1, bar.y + bar.height - 1), fill=bar.colour)
    for run in card.runs:
        _draw_run(pen, run, card.rtl)
    return image


def png(card: CardLayout) -> bytes:
    """Return a layout drawn as PNG bytes (a 256-colour palette keeps it small; the card has few colours)."""
    image = draw(card).quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    data = out.getvalue()
    if len(data) > MAX_BYTES:
        raise ValueError(f"a card of {len(data):,} bytes is over {MAX_BYTES:,}")
    return data


def empty_png() -> bytes:
    """Return an empty card's PNG: the benchmark's unit of time."""
    out = io.BytesIO()
    Image.new("RGB", (1200, 630), "#ffffff").save(out, format="PNG", optimize=True)
    return out.getvalue()
