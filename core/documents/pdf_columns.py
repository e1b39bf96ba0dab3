"""Reading order for two-column PDF pages whose text is stored line by line across the columns.

pypdf returns text in the order the page's content stream draws it. For most PDFs that is the
reading order, but some writers draw each line across both columns, so the columns come out
interleaved. While pypdf extracts a page we note where each piece of text starts; if the page
has a clear vertical gutter with text on both sides, the text is rebuilt column by column.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

_CHAR_WIDTH_EM = 0.5  # average glyph width in ems, to estimate where a piece of text ends


@dataclass(slots=True)
class Fragment:
    text: str
    x: float
    y: float
    right: float


class FragmentCollector:
    """A pypdf `visitor_text` that records each text piece's position on the page."""

    def __init__(self) -> None:
        self.fragments: list[Fragment] = []

    def __call__(self, text, cm, tm, font_dict, font_size) -> None:
        if not text or not text.strip():
            return
        # The text matrix places the text in text space; the CTM maps that onto the page.
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[0] * cm[0]) or 1.0
        width = len(text.strip()) * (font_size or 10) * _CHAR_WIDTH_EM * scale
        self.fragments.append(Fragment(text.strip(), x, y, x + width))


def column_text(fragments: list[Fragment], page_width: float) -> str | None:
    """The page's text in column order, or None when the page is not two clean columns."""
    if len(fragments) < 12 or page_width <= 0:
        return None
    gutter = _find_gutter(fragments, page_width)
    if gutter is None:
        return None
    left = [f for f in fragments if f.right <= gutter]
    right = [f for f in fragments if f.x >= gutter]
    full = [f for f in fragments if f.x < gutter < f.right]
    # Drawn column after column, pypdf's own text is already in reading order: keep it.
    sides = [f.x >= gutter for f in fragments if not (f.x < gutter < f.right)]
    switches = sum(1 for a, b in itertools.pairwise(sides) if a != b)
    if switches < min(len(left), len(right)) / 2:
        return None
    # Prose columns fill their half of the page; a two-column table's cells usually do not.
    if min(_median_line_width(left), _median_line_width(right)) < page_width * 0.25:
        return None
    top = max(f.y for f in left + right)
    above = [f for f in full if f.y > top]
    below = [f for f in full if f.y <= top]
    parts = [_lines(group) for group in (above, left, right, below) if group]
    return "\n".join(parts)


def _find_gutter(fragments: list[Fragment], page_width: float) -> float | None:
    best, best_crossing = None, None
    for step in range(30, 71):
        x = page_width * step / 100
        crossing = sum(1 for f in fragments if f.x < x < f.right)
        if best_crossing is None or crossing < best_crossing:
            best, best_crossing = x, crossing
    if best is None or best_crossing > len(fragments) * 0.05:
        return None
    left = [f for f in fragments if f.right <= best]
    right = [f for f in fragments if f.x >= best]
    if min(len(left), len(right)) < len(fragments) * 0.2:
        return None
    left_lines = {round(f.y) for f in left}
    right_lines = {round(f.y) for f in right}
    if min(len(left_lines), len(right_lines)) < 5:
        return None
    # Columns run side by side: most lines of one column share a height with a line of the other
    # (text laid out line by line across both), or they cover the same stretch of the page.
    lo = max(min(left_lines), min(right_lines))
    hi = min(max(left_lines), max(right_lines))
    span = max(max(left_lines), max(right_lines)) - min(min(left_lines), min(right_lines))
    if span <= 0 or (hi - lo) < span * 0.5:
        return None
    return best


def _median_line_width(fragments: list[Fragment], tolerance: float = 2.0) -> float:
    widths = sorted(
        max(f.right for f in line) - min(f.x for f in line) for line in _group(fragments, tolerance)
    )
    return widths[len(widths) // 2] if widths else 0.0


def _group(fragments: list[Fragment], tolerance: float) -> list[list[Fragment]]:
    ordered = sorted(fragments, key=lambda f: (-f.y, f.x))
    lines: list[list[Fragment]] = []
    for f in ordered:
        if lines and abs(lines[-1][0].y - f.y) <= tolerance:
            lines[-1].append(f)
        else:
            lines.append([f])
    return lines


def _lines(fragments: list[Fragment], tolerance: float = 2.0) -> str:
    """Join fragments into lines, top to bottom (PDF y grows upwards), left to right."""
    lines = _group(fragments, tolerance)
    return "\n".join(" ".join(f.text for f in sorted(line, key=lambda f: f.x)) for line in lines)
