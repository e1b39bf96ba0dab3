"""EPUB e-books: one page per chapter, in the book's reading (spine) order.

The package is read directly: the container names the package document, whose manifest and
spine list the chapters. A chapter the manifest names but the book lacks is skipped, so one
missing file does not lose the whole book.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from pathlib import Path
from urllib.parse import unquote

from core.documents.base import Extracted, open_zip_safely
from core.documents.docx import parse_xml
from core.documents.html import html_to_text
from core.errors import CorruptFileError, ProtectedBookError

_OPF = "{http://www.idpf.org/2007/opf}"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
_CHAPTER_TYPES = {"application/xhtml+xml", "text/html", "application/xml", "text/xml"}
# What a damaged archive or package raises while it is read.
_BROKEN = (
    KeyError,
    ValueError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,  # a compression method zipfile does not know
    OSError,  # an entry whose recorded offset is outside the file
    RuntimeError,  # an entry marked as encrypted (zipfile asks for a password)
)


def _check_drm(archive, path: Path) -> None:
    """Refuse books whose text is encrypted (DRM); encrypted fonts alone are common and fine."""
    try:
        root = parse_xml(archive.read("META-INF/encryption.xml"))
    except KeyError:
        return
    except Exception:  # an unreadable encryption list: judge the book by its chapters
        return
    for ref in root.iter("{*}CipherReference"):
        uri = (ref.get("URI") or "").lower()
        if uri.endswith((".html", ".xhtml", ".htm", ".xml")):
            raise ProtectedBookError(path)


def _package_name(archive) -> str:
    """The package document's name, from the container (or the only .opf if that is lost)."""
    try:
        container = parse_xml(archive.read("META-INF/container.xml"))
        for rootfile in container.iter("{*}rootfile"):
            if name := rootfile.get("full-path"):
                return posixpath.normpath(unquote(name).lstrip("/"))
    except KeyError:
        pass
    candidates = [n for n in archive.namelist() if n.lower().endswith(".opf")]
    if len(candidates) == 1:
        return candidates[0]
    raise KeyError("no package document")


def extract(path: Path, *, password=None, limits=None, on_progress=None) -> Extracted:
    from lxml import etree

    with open_zip_safely(path, "e-book (EPUB)", limits) as archive:
        _check_drm(archive, path)
        try:
            name = _package_name(archive)
            package = parse_xml(archive.read(name))
        except (*_BROKEN, etree.LxmlError) as e:
            raise CorruptFileError(path, f"{type(e).__name__}: {e}") from None
        folder = posixpath.dirname(name)
        title_el = package.find(f".//{_DC_TITLE}")
        title = ((title_el.text or "").strip() or None) if title_el is not None else None
        manifest = {
            item.get("id"): item
            for item in package.iter(f"{_OPF}item")
            if item.get("id") and item.get("href")
        }
        spine = [ref.get("idref") for ref in package.iter(f"{_OPF}itemref")]

        chapters: list[str] = []
        labels: list[str] = []
        seen: set[str] = set()
        for index, idref in enumerate(spine):
            item = manifest.get(idref)
            if item is not None and (item.get("media-type") or "").lower() in _CHAPTER_TYPES:
                href = unquote((item.get("href") or "").split("#", 1)[0])
                member = posixpath.normpath(posixpath.join(folder, href))
                if member not in seen:
                    seen.add(member)
                    try:
                        content = archive.read(member)
                    except KeyError:  # listed but not in the book: read the other chapters
                        content = b""
                    except _BROKEN as e:
                        raise CorruptFileError(path, f"{type(e).__name__}: {e}") from None
                    try:
                        _, text = html_to_text(content) if content.strip() else (None, "")
                    except etree.LxmlError:  # one unreadable chapter: keep the others
                        text = ""
                    if text.strip():
                        chapters.append(text)
                        labels.append(str(len(chapters)))
            if on_progress is not None:
                on_progress(index + 1, len(spine), f"chapter {index + 1} of {len(spine)}")
    if not chapters:
        return Extracted(title, [""], "chapter")
    return Extracted(title, chapters, "chapter", labels)
