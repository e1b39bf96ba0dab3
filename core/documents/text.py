"""Plain text and Markdown: encoding detected, pages at form feeds or ~3,000-character blocks."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from core.documents.base import Extracted, split_blocks
from core.errors import NotReallyError

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def decode_bytes(data: bytes) -> str | None:
    """Decode text of unknown encoding: BOM, then UTF-8, then BOM-less UTF-16, then
    Windows-1252. None when the bytes hold many zeros but are not UTF-16 (not text)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    sample = data[:65536]
    if sample.count(b"\x00") > len(sample) // 4:
        # Mostly-ASCII UTF-16 without a BOM has a zero in every other byte.
        for encoding, zeros in (("utf-16-le", sample[1::2]), ("utf-16-be", sample[0::2])):
            if zeros.count(0) > len(zeros) * 0.9:
                return data.decode(encoding, errors="replace")
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        # cp1252 leaves five bytes undefined; Latin-1 maps them, so nothing is lost.
        return data.decode("latin-1") if "\ufffd" in text else text


def decode_text(data: bytes, path: Path, kind: str = "text") -> str:
    """Decode a text file's bytes (see decode_bytes); NotReallyError for binary bytes."""
    text = decode_bytes(data)
    if text is None or _looks_binary(text):
        raise NotReallyError(path, kind)
    return text


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    return bool(sample) and len(_CONTROL.findall(sample)) > max(8, len(sample) // 50)


def _markdown_title(text: str) -> str | None:
    front = re.match(r"\A---\s*\n(.*?)\n---\s*\n", text, re.S)
    if front:
        m = re.search(r"^title:\s*['\"]?(.+?)['\"]?\s*$", front.group(1), re.M)
        if m:
            return m.group(1)
    m = re.search(r"^#\s+(.+?)\s*#*\s*$", text, re.M)
    return m.group(1) if m else None


def extract(path: Path, *, password=None, limits=None, on_progress=None) -> Extracted:
    text = decode_text(path.read_bytes(), path)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    title = _markdown_title(text) if path.suffix.lower() in (".md", ".markdown") else None
    if "\f" in text:  # pages as printed (e.g. text saved from a PDF by pdftotext)
        pages = text.split("\f")
        if pages and not pages[-1].strip():
            pages.pop()
        return Extracted(title, pages, "page")
    return Extracted(title, split_blocks(text), "block")
