"""Write the report's draft marks, static/reports/draft-watermark.svg and draft-mark.svg, as glyph outlines.

The draft mark must be visible but not text: a watermark of real 草/稿 characters ends up in every copy-paste and
full-text search of the PDF. These SVGs hold the two glyphs of the installed Noto Sans CJK SC Bold as paths, so the
PDF draws them and no text layer has them. Run once after changing the wording or the look:

    .venv/bin/python scripts/draft_marks.py
"""

from __future__ import annotations

import math
from pathlib import Path

from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTCollection

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
FACE = "Noto Sans CJK SC"
TEXT = "草稿"
RED = "#b00000"
OUT = Path(__file__).resolve().parent.parent / "static" / "reports"


def _font():
    for font in TTCollection(str(FONT)).fonts:
        if font["name"].getDebugName(1) == FACE:
            return font
    raise SystemExit(f"{FONT} has no face {FACE}")


def _glyphs(font) -> tuple[str, tuple[float, float, float, float], float]:
    """The text's outlines as one SVG path (font units, y up) and their bounds."""
    glyphs, cmap = font.getGlyphSet(), font.getBestCmap()
    pen, bounds = SVGPathPen(glyphs, ntos=lambda number: f"{number:g}"), BoundsPen(glyphs)  # 268, not 268.0
    advance = 0.0
    for char in TEXT:
        name = cmap[ord(char)]
        glyph = glyphs[name]
        glyph.draw(TransformPen(pen, (1, 0, 0, 1, advance, 0)))
        glyph.draw(TransformPen(bounds, (1, 0, 0, 1, advance, 0)))
        advance += glyph.width
    return pen.getCommands(), bounds.bounds, font["head"].unitsPerEm


def _svg(path: str, bounds, *, width_mm: float, angle: float, fill: str, opacity: float) -> str:
    """The path turned by ``angle`` degrees (counter-clockwise) and fitted to a box ``width_mm`` wide."""
    x0, y0, x1, y1 = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    turn = math.radians(angle)
    corners = [(x - cx, y - cy) for x in (x0, x1) for y in (y0, y1)]
    # y up in the font, so a counter-clockwise turn there is rotate(-angle) once the path is flipped for SVG.
    xs = [x * math.cos(turn) - y * math.sin(turn) for x, y in corners]
    ys = [x * math.sin(turn) + y * math.cos(turn) for x, y in corners]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    height_mm = width_mm * height / width
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_mm:.2f}mm" height="{height_mm:.2f}mm" '
        f'viewBox="{-width / 2:.1f} {-height / 2:.1f} {width:.1f} {height:.1f}">'
        f'<path transform="rotate({-angle:g}) scale(1,-1) translate({-cx:.1f},{-cy:.1f})" d="{path}" '
        f'fill="{fill}" fill-opacity="{opacity:g}"/></svg>\n'
    )


def main() -> None:
    path, bounds, _ = _glyphs(_font())
    # The page watermark: as large as the former 110 pt stamp, turned 30°, at a tenth of the ink.
    (OUT / "draft-watermark.svg").write_text(
        _svg(path, bounds, width_mm=85, angle=30, fill=RED, opacity=0.10), encoding="utf-8"
    )
    # The running-head mark at 10.5 pt (五号): two characters ≈ 7.4 mm wide.
    mark = _svg(path, bounds, width_mm=7.4, angle=0, fill=RED, opacity=1)
    (OUT / "draft-mark.svg").write_text(mark, encoding="utf-8")


if __name__ == "__main__":
    main()
