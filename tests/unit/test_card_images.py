"""The cards as PNGs: golden images per case within a tolerance, each run's text drawn where the layout puts it,
every character of the 12 locales' card words and disclaimers in the fonts. UPDATE_GOLDEN=1 rewrites the goldens."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from chalicelib.core import card_words, cards
from chalicelib.core.disclaimers import DEFAULTS
from chalicelib.services import card_renderer as renderer
from tests.unit.card_samples import SAMPLES

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "cards"
TOLERANCE = 0.01  # mean absolute difference per channel, as a share of 255 (fonts' hinting may differ a little)


def layout_of(name: str) -> cards.CardLayout:
    source = SAMPLES[name]
    rtl = source.poll.text_in(source.lang)[0] == "ar"
    return cards.layout(source, renderer.measure_rtl if rtl else renderer.measure_ltr)


def difference(a: Image.Image, b: Image.Image) -> float:
    """Return the mean absolute pixel difference of two images as a share of full scale."""
    stat = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB")))
    return sum(stat.mean) / len(stat.mean) / 255


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_card_matches_its_golden_image(name):
    data = renderer.png(layout_of(name))
    image = Image.open(io.BytesIO(data))
    assert image.size == (1200, 630) and image.format == "PNG"
    assert len(data) < 200_000
    golden = GOLDEN / f"{name}.png"
    if os.environ.get("UPDATE_GOLDEN") == "1" or not golden.exists():
        golden.write_bytes(data)
    assert difference(image, Image.open(golden)) < TOLERANCE


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_runs_text_is_drawn_where_the_layout_puts_it(name):
    """Drawn alone on a blank card, every run's pixels are the card's pixels in that box (nothing else, nothing
    missing, no run drawn over another)."""
    layout = layout_of(name)
    card = renderer.draw(layout)
    for run in layout.runs:
        alone = Image.new("RGB", card.size, layout.background)
        renderer._draw_run(ImageDraw.Draw(alone), run, layout.rtl)
        box = ImageChops.difference(alone, Image.new("RGB", card.size, layout.background)).getbbox()
        assert box is not None, f"{run.role} {run.text!r} draws nothing"
        assert difference(alone.crop(box), card.crop(box)) < 0.002, f"{run.role} {run.text!r}"


def test_a_different_text_is_told_apart():
    """The check above can fail: another run's text in the same box differs."""
    layout = layout_of("en")
    run = next(r for r in layout.runs if r.role == "voters")
    alone = Image.new("RGB", (1200, 630), "#ffffff")
    renderer._draw_run(ImageDraw.Draw(alone), run.__class__(**{**run.__dict__, "text": "Voters: 214"}), False)
    box = ImageChops.difference(alone, Image.new("RGB", (1200, 630), "#ffffff")).getbbox()
    assert difference(alone.crop(box), renderer.draw(layout).crop(box)) >= 0.002


def texts_to_cover() -> list[tuple[str, str]]:
    """Every card word of every locale and every default disclaimer, by locale."""
    found = [(lang, text) for lang, said in card_words.WORDS.items() for text in said.values()]
    return found + list(DEFAULTS.items()) + [("cy", "ŵŷŴŶâêîôûŵŷ"), ("ga", "áéíóúÁÉÍÓÚ")]


@pytest.mark.parametrize(("lang", "text"), texts_to_cover())
def test_every_character_has_a_glyph_in_its_font(lang, text):
    rtl = lang == "ar"
    for piece, arabic in renderer.segments(renderer.visual(text, rtl)):
        for bold in (False, True):
            face = renderer.font(40, bold, arabic)
            missing = face.getmask("\U0010fffd")  # a private-use character: the font's .notdef box
            for char in piece.replace(" ", "").replace("\u00a0", ""):
                mask = face.getmask(char)
                assert (mask.size, bytes(mask)) != (missing.size, bytes(missing)), f"{lang}: no glyph for {char!r}"
