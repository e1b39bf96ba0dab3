"""Word (.docx): paragraphs and tables in document order.

A "page" is what Word last laid out as a page when the file records it (Word saves its page
breaks as it rendered them), else a hard page break, else a block of about 3,000 characters.
Document.page_unit says which.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import unquote

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


_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"


def parse_xml(data: bytes):
    """Parse XML from inside a document container: no DTD, no entities, no network, and
    libxml2's limits on depth and size (deeper or larger than that is an attack, not a file)."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    return etree.fromstring(data, parser)


def _part_names(archive) -> tuple[str, str]:
    """(the main document part, the core properties part), as the package's relationships
    name them (Word's usual names when it does not)."""
    main, core = "word/document.xml", "docProps/core.xml"
    try:
        rels = parse_xml(archive.read("_rels/.rels"))
    except Exception:  # a missing or broken relationships part: use the usual names
        return main, core
    for rel in rels.iter(_PACKAGE_RELS):
        kind, target = rel.get("Type") or "", rel.get("Target") or ""
        if rel.get("TargetMode") == "External" or not target:
            continue
        name = posixpath.normpath(unquote(target).lstrip("/"))
        if kind.endswith("/officeDocument"):
            main = name
        elif kind.endswith("/core-properties"):
            core = name
    return main, core


def _title(archive, name: str) -> str | None:
    try:
        element = parse_xml(archive.read(name)).find(f".//{_DC_TITLE}")
    except Exception:  # broken document properties must not stop the text from loading
        return None
    if element is None:
        return None
    return (element.text or "").strip() or None


def extract(path: Path, *, password=None, limits=None, on_progress=None) -> Extracted:
    """Read the main document part directly from the package. Other parts (images, styles,
    parts that relationships name but the file lacks) are never needed for the text."""
    import zipfile
    import zlib

    from lxml import etree

    with open_zip_safely(path, "Word", limits) as archive:
        try:
            main, core = _part_names(archive)
            root = parse_xml(archive.read(main))
            title = _title(archive, core)
        except KeyError:
            raise CorruptFileError(path, "no document part") from None
        except (
            etree.LxmlError,
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            NotImplementedError,  # a compression method zipfile does not know
            ValueError,
            OSError,  # an entry whose recorded offset is outside the file
            RuntimeError,  # an entry marked as encrypted (zipfile asks for a password)
        ) as e:
            raise CorruptFileError(path, f"{type(e).__name__}: {e}") from None
    body = root.find(f"{_W}body")
    if root.tag != f"{_W}document" or body is None:
        raise CorruptFileError(path, "not a Word document part")
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

    if hard:
        pages = [page.strip("\n") for page in text.split(_BREAK)]
        # A break at the very start or end makes an empty page that is not really there.
        while pages and not pages[0].strip():
            pages.pop(0)
        while pages and not pages[-1].strip():
            pages.pop()
        return Extracted(title, pages or [""], "page" if rendered else "page break")
    return Extracted(title, split_blocks(text), "block")
