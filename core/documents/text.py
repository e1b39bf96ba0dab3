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


_CP1252 = [bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256)]


def _cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    """Decode each byte that is not UTF-8 as Windows-1252 (Latin-1 for its five gaps)."""
    return "".join(_CP1252[b] for b in error.object[error.start : error.end]), error.end


codecs.register_error("longread-cp1252", _cp1252_fallback)


def _utf16_without_bom(sample: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" when `sample` reads as BOM-less UTF-16, else None.

    Text in one script keeps the high byte of each character within a few values (0 for
    Latin, 4 for Cyrillic, 3 for Greek...), so one of the two byte lanes is nearly constant;
    in 8-bit text both lanes vary like the letters themselves.
    """
    if len(sample) < 4:
        return None
    for encoding, high in (("utf-16-le", sample[1::2]), ("utf-16-be", sample[0::2])):
        counts = sorted((high.count(b) for b in set(high)), reverse=True)
        if sum(counts[:3]) < len(high) * 0.9 or counts[0] < len(high) * 0.3:
            continue
        if high.count(0) == len(high) and not sample.replace(b"\0", b""):
            return None  # all zeros: no text at all
        try:
            sample[: len(sample) - len(sample) % 2].decode(encoding)
        except UnicodeDecodeError:  # a lone surrogate in the sample: not UTF-16
            continue
        return encoding
    return None


def decode_bytes(data: bytes) -> str | None:
    """Decode text of unknown encoding: BOM, then UTF-8, then BOM-less UTF-16, then UTF-8 with
    Windows-1252 for the bytes that are not UTF-8 (a file pasted together from both). None when
    the bytes hold many zeros but are not UTF-16 (not text)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    sample = data[:65536]
    zeros = sample.count(b"\x00")
    if zeros > len(sample) // 4:
        # Mostly-ASCII UTF-16 without a BOM has a zero in every other byte.
        encoding = _utf16_without_bom(sample)
        return data.decode(encoding, errors="replace") if encoding else None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    # UTF-16 of a non-Latin script has few zeros, and may even be valid (if odd) ASCII.
    if (text is None or _looks_binary(text)) and (encoding := _utf16_without_bom(sample)):
        return data.decode(encoding, errors="replace")
    return text if text is not None else data.decode("utf-8", errors="longread-cp1252")


def decode_text(data: bytes, path: Path, kind: str = "text") -> str:
    """Decode a text file's bytes (see decode_bytes); NotReallyError for binary bytes."""
    text = decode_bytes(data)
    if text is None or _looks_binary(text):
        raise NotReallyError(path, kind)
    return text


_HEAD = 65536
_NUL_RUN = re.compile(rb"\x00{256,}")  # what a crash leaves in a file that was being written


def read_text(path: Path, kind: str = "text") -> str:
    """A text file's decoded contents. A binary file is refused from its first 64 KB, before
    the rest is read (it may be gigabytes); runs of zero bytes are dropped."""
    with open(path, "rb") as f:
        head = f.read(_HEAD)
        if not head.strip(b"\x00"):
            raise NotReallyError(path, kind)
        decode_text(_NUL_RUN.sub(b"", head), path, kind)
        data = head + f.read()
    if b"\x00" * 256 in data:
        data = _NUL_RUN.sub(b"", data)
    return decode_text(data, path, kind)


_CONTROL = CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


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
    text = read_text(path)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    title = _markdown_title(text) if path.suffix.lower() in (".md", ".markdown") else None
    if "\f" in text:  # pages as printed (e.g. text saved from a PDF by pdftotext)
        pages = text.split("\f")
        if pages and not pages[-1].strip():
            pages.pop()
        return Extracted(title, pages, "page")
    return Extracted(title, split_blocks(text), "block")
