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
        encrypted = reader.is_encrypted
    except PdfReadError as e:
        if "password" in str(e).lower() or "decrypt" in str(e).lower():
            raise PasswordRequiredError(path) from None
        raise CorruptFileError(path, str(e)) from None
    except MemoryError:
        raise
    except Exception as e:  # pypdf's limits on hostile files, and the errors of broken objects
        raise CorruptFileError(path, f"{type(e).__name__}: {e}") from None
    if encrypted:
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
        except (MemoryError, PasswordRequiredError):
            raise
        except Exception as e:  # a damaged encryption dictionary
            raise CorruptFileError(path, f"encryption: {type(e).__name__}: {e}") from None
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
    scanned: list[int] = []  # pages with no text layer but pictures: read with OCR
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
        if not texts[-1].strip() and _has_images(page):
            scanned.append(index)
        if on_progress is not None and (
            index == 0 or time.monotonic() - last > _PROGRESS_EVERY_S or index + 1 == count
        ):
            on_progress(index + 1, count, f"page {index + 1} of {count}")
            last = time.monotonic()
    if failed == count:
        raise CorruptFileError(path, "no page could be read")
    ocr_missing = _recognise(reader, scanned, texts, on_progress)
    if not any(t.strip() for t in texts):
        if ocr_missing:
            raise ScannedPDFError(path, ScannedPDFError.OCR_MISSING)
        if scanned or failed:
            raise ScannedPDFError(path, ScannedPDFError.NOTHING_RECOGNISED)
        raise ScannedPDFError(path, "no text")
    notes = [f"{failed} of {count} pages could not be read"] if failed else []
    if ocr_missing:
        notes.append(f"{len(scanned)} scanned pages were not read: OCR is not installed")
    return Extracted(_title(reader), texts, "page", labels, notes)


def _recognise(reader, scanned: list[int], texts: list[str], on_progress) -> bool:
    """Fill in the text of the scanned pages with OCR, in place; True if OCR is unavailable.

    Only pages with no text layer are recognised, so every other page keeps its exact text and
    every page keeps its number.
    """
    if not scanned:
        return False
    from core.documents import ocr

    count = len(texts)
    said = None
    for done, index in enumerate(scanned):
        if on_progress is not None and (
            said is None or time.monotonic() - said > _PROGRESS_EVERY_S
        ):  # each message also extends the parser's deadline for the page
            on_progress(done, len(scanned), ocr.PROGRESS.format(page=index + 1, pages=count))
            said = time.monotonic()
        try:
            texts[index] = _clean(ocr.page_text(reader.pages[index]))
        except ocr.OCRUnavailable:
            return True
        except MemoryError:
            raise
        except Exception:  # a page whose pictures cannot be read stays empty
            continue
    return False


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
    """Whether a page draws any picture: its own image XObjects (quick), else any image pypdf
    finds, inside forms or inline in the content."""
    try:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        if any(
            (xobjects[name].get_object() or {}).get("/Subtype") == "/Image" for name in xobjects
        ):
            return True
    except Exception:
        pass
    try:
        return len(page.images.keys()) > 0
    except Exception:
        return False
