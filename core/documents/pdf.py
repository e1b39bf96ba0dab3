"""PDF: one page per PDF page, numbered from 1, with the labels a viewer prints ("iv", "12")."""

from __future__ import annotations

import time
from pathlib import Path

from core.documents.base import Extracted
from core.documents.pdf_columns import FragmentCollector, column_text
from core.errors import (
    CorruptFileError,
    NotReallyError,
    PasswordRequiredError,
    ScannedPDFError,
    WrongPasswordError,
)

_PROGRESS_EVERY_S = 0.25


def _open(path: Path, password: str | None):
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    with open(path, "rb") as f:
        head = f.read(1024)
    if b"%PDF-" not in head:
        raise NotReallyError(path, "PDF")
    try:
        reader = PdfReader(path, strict=False)
    except PdfReadError as e:
        if "password" in str(e).lower() or "decrypt" in str(e).lower():
            raise PasswordRequiredError(path) from None
        raise CorruptFileError(path, str(e)) from None
    if reader.is_encrypted:
        from pypdf import PasswordType

        # Many PDFs are encrypted only to restrict printing or copying: the empty user
        # password opens them, and the user should never be asked for one.
        try:
            if reader.decrypt("") != PasswordType.NOT_DECRYPTED:
                return reader
            if password is None:
                raise PasswordRequiredError(path)
            if reader.decrypt(password) == PasswordType.NOT_DECRYPTED:
                raise WrongPasswordError(path)
        except (NotImplementedError, PdfReadError) as e:  # an unknown encryption scheme
            raise CorruptFileError(path, f"unsupported encryption: {e}") from None
    return reader


def _title(reader) -> str | None:
    try:
        meta = reader.metadata
        title = meta.title if meta else None
    except Exception:  # broken metadata must not stop the text from loading
        return None
    if (
        isinstance(title, str)
        and title.strip()
        and title.strip().lower() not in {"untitled", "title"}
    ):
        return title.strip()
    return None


def _clean(text: str) -> str:
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def extract(path: Path, *, password=None, limits=None, on_progress=None) -> Extracted:
    reader = _open(path, password)
    try:
        count = len(reader.pages)
    except Exception as e:
        raise CorruptFileError(path, str(e)) from None
    if count == 0:
        raise CorruptFileError(path, "no pages")
    try:
        labels = list(reader.page_labels)  # read once: each access rebuilds the whole list
    except Exception:
        labels = None
    if labels is not None and len(labels) != count:
        labels = None

    texts: list[str] = []
    failed = 0
    has_images = False
    last = time.monotonic()
    for index in range(count):
        try:
            page = reader.pages[index]
            texts.append(_clean(_page_text(page)))
        except Exception:
            # One broken page should not lose the rest of the document.
            texts.append("")
            failed += 1
            continue
        if not texts[-1].strip() and not has_images:
            has_images = _has_images(page)
        if on_progress is not None and (
            index == 0 or time.monotonic() - last > _PROGRESS_EVERY_S or index + 1 == count
        ):
            on_progress(index + 1, count, f"page {index + 1} of {count}")
            last = time.monotonic()
    if failed == count:
        raise CorruptFileError(path, "no page could be read")
    if not any(t.strip() for t in texts):
        if has_images or failed:
            raise ScannedPDFError(path)
        raise ScannedPDFError(path, "no text")
    notes = [f"{failed} of {count} pages could not be read"] if failed else []
    return Extracted(_title(reader), texts, "page", labels, notes)


def _page_text(page) -> str:
    """The page's text in reading order, putting interleaved two-column text back in order."""
    collector = FragmentCollector()
    text = page.extract_text(visitor_text=collector) or ""
    try:
        width = float(page.mediabox.width)
    except Exception:
        return text
    return column_text(collector.fragments, width) or text


def _has_images(page) -> bool:
    try:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        return any(
            (xobjects[name].get_object() or {}).get("/Subtype") == "/Image" for name in xobjects
        )
    except Exception:
        return False
