"""Table cells that answer a question, said in words the model can copy.

A small model handed a table as text ("Sales tax 17,604 18,200 18,945" under "Source FY2023
actual FY2024 adopted FY2025 adopted") cannot line a number up with its column: it picks a
number from the wrong one. Here the tables in the text are read back into cells, each cell is
named by its row, its column and the table's caption, and the cells whose names share the most
words with the question are written out as sentences ("Sales tax, FY2025 adopted: 18,945"),
which the model reads before the passages.

Three layouts are read: pipe tables (Markdown, and Word/EPUB tables as the readers write them),
columns aligned with runs of spaces, and rows of a label followed by numbers (PDF tables).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from core.modes.citations import content_words

# A value in a PDF/text table row: a number with its unit or currency ("18,945", "€220",
# "1350k", "4.85", "+8", "-1", "12%"), or a dash for none.
_VALUE = r"(?:[-+−]?[$€£]?\d[\d,.]*(?:k|K|%|kg|kW)?|[—–-])"
_ROW = re.compile(rf"^(?P<label>\S.*?)\s+(?P<values>{_VALUE}(?:\s+{_VALUE})*)\s*$")
_RULE = re.compile(r"^[\s|:+=_-]*-{3,}[\s|:+=_-]*$")  # ---, |---|---|, ===== lines
_CAPTION_LINES = 3  # how far above a table its caption may be
TABLE_LOOKUP = True  # measured on the dev set: bench/eval/RESULTS.md
MIN_ROWS = 3  # fewer rows of label-and-numbers are more likely prose than a table


@dataclass(frozen=True)
class Cell:
    caption: str
    row: str
    column: str
    value: str

    def sentence(self) -> str:
        name = f"{self.row}, {self.column}" if self.column else self.row
        where = f" ({self.caption})" if self.caption else ""
        return f"{name}: {self.value}{where}"


def cells(text: str) -> list[Cell]:
    """Every cell of every table found in `text`."""
    lines = text.splitlines()
    out: list[Cell] = []
    i = 0
    while i < len(lines):
        if _pipe_cells(lines[i]):
            end, table = _pipe_table(lines, i)
            out += table
            i = end
            continue
        if _ROW.match(lines[i].strip()):
            end, table = _number_table(lines, i)
            if table:
                out += table
                i = end
                continue
        i += 1
    return out


def lookup(question: str, texts: list[str], limit: int = 3) -> list[Cell]:
    """The cells of the tables in `texts` that best match the question: each must share a word
    with the question in its row name, and, where the table has several value columns, in its
    column name too (or its caption)."""
    return [cell for cell, _where in located(question, texts, limit)]


def located(question: str, texts: list[str], limit: int = 3) -> list[tuple[Cell, int]]:
    """`lookup`'s cells, each with the index in `texts` of the text it was found in."""
    wanted = _words(question)
    if not wanted:
        return []
    scored: list[tuple[float, int, tuple[Cell, int]]] = []
    seen: set[Cell] = set()
    for where, text in enumerate(texts):
        found = cells(text)
        columns = Counter((c.caption, c.row) for c in found)
        for cell in found:
            if cell in seen:
                continue
            seen.add(cell)
            row_words = _words(cell.row)
            row = len(row_words & wanted)
            column = len(_words(cell.column) & wanted)
            caption = len(_words(cell.caption) & wanted)
            several = columns[(cell.caption, cell.row)] > 1
            if not row or (several and not (column or caption)):
                continue
            # A row named by the question's words alone ("Hamburg") before one that only
            # shares a word with it ("Antwerp (head office)" for "…Hamburg office?").
            score = 2.0 * row + 1.5 * column + 1.0 * caption + row / len(row_words)
            scored.append((score, len(scored), (cell, where)))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [found for _score, _order, found in scored[:limit]]


def said(question: str, texts: list[str], limit: int = 3) -> str:
    """The matching cells as lines for a prompt (ending in a blank line), or "" for none."""
    return as_prompt(lookup(question, texts, limit) if TABLE_LOOKUP else [])


def as_prompt(found: list[Cell]) -> str:
    """Cells as lines for a prompt (ending in a blank line), or "" for none."""
    if not found:
        return ""
    lines = "\n".join(f"- {cell.sentence()}" for cell in found)
    return f"Values from the tables that match the question:\n{lines}\n\n"


_NAME = re.compile(r"(?<=[^.!?\s]\s)[A-Z][a-z]+\b")


def _words(text: str) -> set[str]:
    """Content words, and capitalised words inside a sentence even when they are usually stop
    words: "May 2023" is a month."""
    return content_words(text) | {w.lower() for w in _NAME.findall(text)}


# -- pipe tables ------------------------------------------------------------------------------


def _pipe_cells(line: str) -> list[str]:
    if "|" not in line or _RULE.match(line):
        return []
    parts = [p.strip().strip("*").strip() for p in line.strip().strip("|").split("|")]
    return parts if len(parts) >= 2 else []


def _pipe_table(lines: list[str], start: int) -> tuple[int, list[Cell]]:
    rows: list[list[str]] = []
    i = start
    while i < len(lines):
        line = lines[i]
        if not line.strip() or _RULE.match(line):  # blank lines between rows (EPUB), rules
            if i + 1 < len(lines) and (_pipe_cells(lines[i + 1]) or _RULE.match(lines[i + 1])):
                i += 1
                continue
            if not line.strip():
                break
            i += 1
            continue
        parts = _pipe_cells(line)
        if not parts:
            break
        rows.append(parts)
        i += 1
    if len(rows) < 2:
        return i, []
    header, body = rows[0], rows[1:]
    caption = _caption(lines, start)
    out = []
    for row in body:
        for j in range(1, len(row)):
            column = header[j] if j < len(header) else ""
            if row[j]:
                out.append(Cell(caption, row[0], column, row[j]))
    return i, out


# -- tables of a label and numbers -------------------------------------------------------------


def _number_table(lines: list[str], start: int) -> tuple[int, list[Cell]]:
    rows: list[tuple[str, list[str]]] = []
    i = start
    while i < len(lines):
        line = lines[i].strip()
        if not line:
            if rows and i + 1 < len(lines) and _ROW.match(lines[i + 1].strip()):
                i += 1
                continue
            break
        m = _ROW.match(line)
        if not m:
            break
        rows.append((m.group("label"), m.group("values").split()))
        i += 1
    if len(rows) < MIN_ROWS:
        return i, []
    width = Counter(len(values) for _label, values in rows).most_common(1)[0][0]
    header_at = start - 1
    while header_at >= 0 and (not lines[header_at].strip() or _RULE.match(lines[header_at])):
        header_at -= 1
    columns = _columns(lines[header_at] if header_at >= 0 else "", width)
    caption = _caption(lines, header_at) if header_at >= 0 else ""
    out = []
    for label, values in rows:
        if len(values) != width:
            continue
        for j, value in enumerate(values):
            out.append(Cell(caption, label, columns[j], value))
    return i, out


def _columns(header: str, width: int) -> list[str]:
    """The names of the `width` value columns, read from the header line: split at runs of
    spaces where it has them, else into `width` equal groups of words after the first."""
    header = header.strip()
    if _ROW.match(header) or not header:
        return [""] * width
    spaced = [p for p in re.split(r"\s{2,}|\t", header) if p]
    if len(spaced) in (width, width + 1):
        return spaced[-width:]
    words = header.split()
    rest = words[1:] if len(words) > width else words
    if len(rest) % width == 0:
        size = len(rest) // width
        return [" ".join(rest[k * size : (k + 1) * size]) for k in range(width)]
    return [""] * width


def _caption(lines: list[str], header: int) -> str:
    """The line naming the table: the nearest short line above its header, if any."""
    for k in range(header - 1, max(-1, header - 1 - _CAPTION_LINES), -1):
        line = lines[k].strip().strip("*#").strip()
        if not line or _RULE.match(line):
            continue
        return line if len(line) <= 100 else ""
    return ""
