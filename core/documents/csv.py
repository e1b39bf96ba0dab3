"""CSV and TSV tables: rows as "column: value" lines, a page per block of rows, each page with
the header.

Each row is written with its column names so that any page, and any passage cut from it, can be
understood on its own. Page labels give the rows' line numbers in the file ("rows 2–41").
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from core.documents.base import BLOCK_CHARS, Extracted
from core.documents.text import CONTROL_CHARS, read_text
from core.errors import CorruptFileError

_MAX_FIELD = 10 * 1000**2
_MAX_COLUMNS_LINE = 1000  # characters of column names repeated at the top of every page


def _columns_line(header: list[str]) -> str:
    """ "Columns: a, b, c", shortened for a table with a great many columns (each row names its
    columns anyway), so the list repeated on every page cannot outgrow the rows themselves."""
    line = "Columns: " + ", ".join(header)
    if len(line) <= _MAX_COLUMNS_LINE:
        return line
    shown: list[str] = []
    length = len("Columns: ")
    for name in header:
        length += len(name) + 2
        if length > _MAX_COLUMNS_LINE:
            break
        shown.append(name)
    return f"Columns: {', '.join(shown)} and {len(header) - len(shown):,} more"


def extract(path: Path, *, password=None, limits=None, on_progress=None) -> Extracted:
    tabs = path.suffix.lower() in (".tsv", ".tab")
    text = CONTROL_CHARS.sub("", read_text(path, "TSV" if tabs else "CSV"))
    if tabs:  # tabs by definition; cells may hold commas, which would fool the sniffer
        dialect = csv.excel_tab
    else:
        try:
            dialect = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
    csv.field_size_limit(_MAX_FIELD)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader, None)
        if header is None:
            return Extracted(None, [""], "rows")
        header = [h.strip() or f"column {i + 1}" for i, h in enumerate(header)]
        columns = _columns_line(header)
        pages: list[str] = []
        labels: list[str] = []
        lines: list[str] = []
        size = 0
        first = 2  # the header is row 1
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            cells = [
                f"{header[i] if i < len(header) else f'column {i + 1}'}: {value.strip()}"
                for i, value in enumerate(row)
                if value.strip()
            ]
            line = f"Row {number}: " + "; ".join(cells)
            if not lines:
                first = number
            lines.append(line)
            size += len(line) + 1
            if size >= BLOCK_CHARS:
                pages.append(columns + "\n" + "\n".join(lines))
                labels.append(f"rows {first}–{number}")
                lines, size = [], 0
        if lines:
            pages.append(columns + "\n" + "\n".join(lines))
            labels.append(f"rows {first}–{number}" if first != number else f"row {first}")
    except csv.Error as e:
        raise CorruptFileError(path, str(e)) from None
    if not pages:  # a header and no rows still says something
        return Extracted(None, [columns], "rows", ["row 1"])
    return Extracted(None, pages, "rows", labels)
