"""Word (.docx): paragraphs and tables in document order.

A "page" is what Word last laid out as a page when the file records it (Word saves its page
breaks as it rendered them), else a hard page break, else a block of about 3,000 characters.
Document.page_unit says which.
"""

from __future__ import annotations

from pathlib import Path

from core.documents.base import Extracted, open_zip_safely, split_blocks
from core.errors import CorruptFileError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BREAK = "\f"  # marks a page boundary inside the text while it is being collected


def _paragraph_text(p, rendered: bool) -> str:
    """A paragraph's text, with "\f" where a page starts (rendered or hard breaks)."""
    parts: list[str] = []
    for el in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}lastRenderedPageBreak"):
        tag = el.tag[len(_W) :]
        if tag == "t":
            parts.append(el.text or "")
        elif tag == "tab":
            parts.append("\t")
        elif tag == "cr":
            parts.append("\n")
        elif tag == "br":
            if el.get(f"{_W}type") == "page":
                parts.append(_BREAK if not rendered else "")
            else:
                parts.append("\n")
        elif tag == "lastRenderedPageBreak" and rendered:
            parts.append(_BREAK)
    return "".join(parts)


def _table_text(table, rendered: bool) -> str:
    rows: list[str] = []
    for tr in table.iterchildren(f"{_W}tr"):
        cells: list[str] = []
        for tc in tr.iterchildren(f"{_W}tc"):
            text = " ".join(
                _paragraph_text(p, rendered).replace(_BREAK, "").strip() for p in tc.iter(f"{_W}p")
            ).strip()
            cells.append(text)
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def extract(path: Path, *, password=None, limits=None, on_progress=None) -> Extracted:
    from docx import Document as open_docx
    from docx.opc.exceptions import PackageNotFoundError

    open_zip_safely(path, "Word", limits).close()
    try:
        document = open_docx(str(path))
    except (PackageNotFoundError, KeyError, ValueError) as e:
        raise CorruptFileError(path, str(e)) from None
    body = document.element.body
    rendered = next(iter(body.iter(f"{_W}lastRenderedPageBreak")), None) is not None
    hard = (
        rendered
        or next((br for br in body.iter(f"{_W}br") if br.get(f"{_W}type") == "page"), None)
        is not None
    )

    blocks: list[str] = []
    for child in body.iterchildren():
        if child.tag == f"{_W}p":
            blocks.append(_paragraph_text(child, rendered))
        elif child.tag == f"{_W}tbl":
            blocks.append(_table_text(child, rendered))
        elif child.tag == f"{_W}sdt":  # content controls (tables of contents, cover pages)
            for p in child.iter(f"{_W}p"):
                blocks.append(_paragraph_text(p, rendered))
    text = "\n\n".join(b.strip(" ") for b in blocks if b.strip(" ").strip("\n"))

    title = (document.core_properties.title or "").strip() or None
    if hard:
        pages = [page.strip("\n") for page in text.split(_BREAK)]
        # A break at the very start or end makes an empty page that is not really there.
        while pages and not pages[0].strip():
            pages.pop(0)
        while pages and not pages[-1].strip():
            pages.pop()
        return Extracted(title, pages or [""], "page" if rendered else "page break")
    return Extracted(title, split_blocks(text), "block")
