"""EPUB e-books: one page per chapter, in the book's reading (spine) order."""

from __future__ import annotations

import warnings
from pathlib import Path

from core.documents.base import Extracted, open_zip_safely
from core.documents.html import html_to_text
from core.errors import CorruptFileError, ProtectedBookError


def _check_drm(archive, path: Path) -> None:
    """Refuse books whose text is encrypted (DRM); encrypted fonts alone are common and fine."""
    try:
        data = archive.read("META-INF/encryption.xml")
    except KeyError:
        return
    from lxml import etree

    try:
        root = etree.fromstring(data)
    except etree.LxmlError:
        return
    for ref in root.iter("{*}CipherReference"):
        uri = (ref.get("URI") or "").lower()
        if uri.endswith((".html", ".xhtml", ".htm", ".xml")):
            raise ProtectedBookError(path)


def extract(path: Path, *, password=None, limits=None, on_progress=None) -> Extracted:
    import ebooklib
    from ebooklib import epub

    archive = open_zip_safely(path, "e-book (EPUB)", limits)
    with archive:
        _check_drm(archive, path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = epub.read_epub(str(path), options={"ignore_ncx": True})
    except (epub.EpubException, KeyError, ValueError, AttributeError, IndexError) as e:
        raise CorruptFileError(path, str(e)) from None
    except Exception as e:  # ebooklib surfaces malformed XML as lxml errors and more
        raise CorruptFileError(path, f"{type(e).__name__}: {e}") from None

    titles = book.get_metadata("DC", "title")
    title = titles[0][0] if titles and titles[0] and titles[0][0] else None

    chapters: list[str] = []
    labels: list[str] = []
    seen: set[str] = set()
    spine = [idref for idref, _linear in book.spine]
    for index, idref in enumerate(spine):
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT or item.get_name() in seen:
            continue
        seen.add(item.get_name())
        _, text = html_to_text(item.get_content())
        if text.strip():
            chapters.append(text)
            labels.append(str(len(chapters)))
        if on_progress is not None:
            on_progress(index + 1, len(spine), f"chapter {index + 1} of {len(spine)}")
    if not chapters:
        return Extracted(title, [""], "chapter")
    return Extracted(title, chapters, "chapter", labels)
