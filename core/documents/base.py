"""What a format reader returns, and helpers shared by the readers."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import (
    CorruptFileError,
    EncryptedOfficeFileError,
    NotReallyError,
    SuspiciousArchiveError,
)

BLOCK_CHARS = 3000  # the size of a "page" for formats that have no pages of their own


@dataclass
class Extracted:
    """A reader's result: the title if the file names one, the text of each page, page labels."""

    title: str | None
    pages: list[str]
    page_unit: str
    labels: list[str] | None = None
    notes: list[str] = field(default_factory=list)


def split_blocks(text: str, size: int = BLOCK_CHARS) -> list[str]:
    """Cut text into pages of about `size` characters, at paragraph ends where possible.

    A block is closed at the first paragraph break after `size` characters; a paragraph longer
    than twice `size` is cut at a line or sentence end, else hard.
    """
    blocks: list[str] = []
    current: list[str] = []
    length = 0
    for paragraph in text.replace("\r\n", "\n").split("\n\n"):
        if len(paragraph) > 2 * size:
            if current:
                blocks.append("\n\n".join(current))
                current, length = [], 0
            pieces = _cut_long(paragraph, size)
            paragraph = pieces.pop()  # the tail joins the next block like a normal paragraph
            blocks.extend(pieces)
        if not paragraph.strip():
            continue
        current.append(paragraph)
        length += len(paragraph) + 2
        if length >= size:
            blocks.append("\n\n".join(current))
            current, length = [], 0
    if current:
        blocks.append("\n\n".join(current))
    return blocks or [""]


def _cut_long(text: str, size: int) -> list[str]:
    """Cut one long paragraph into pieces of about `size`, at line or sentence ends if possible.

    Walks with an offset rather than slicing off the head each time, which would copy the rest
    of a many-megabyte paragraph once per piece.
    """
    pieces: list[str] = []
    start = 0
    while len(text) - start > 2 * size:
        cut = _soft_cut(text, start, size)
        pieces.append(text[start:cut].rstrip())
        start = cut
        while start < len(text) and text[start] in " \n":
            start += 1
    pieces.append(text[start:])
    return pieces


def _soft_cut(text: str, start: int, size: int) -> int:
    for mark in ("\n", ". ", "? ", "! ", "; ", " "):
        at = text.rfind(mark, start + size // 2, start + size + size // 2)
        if at > 0:
            return at + len(mark)
    return start + size


def open_zip_safely(path: Path, kind: str, limits) -> zipfile.ZipFile:
    """Open a DOCX/EPUB container, refusing corrupt archives and zip bombs before unpacking."""
    try:
        archive = zipfile.ZipFile(path)
    except (FileNotFoundError, PermissionError):
        raise
    # A damaged directory can also make zipfile seek before the start (OSError), read sizes
    # and counts that make no sense (ValueError, EOFError) or a version it does not know.
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, NotImplementedError):
        with open(path, "rb") as f:
            magic = f.read(4)
        if magic == _OLE[:4] and kind == "Word" and _encrypted_office_file(path):
            raise EncryptedOfficeFileError(path) from None
        if magic != b"PK\x03\x04":
            raise NotReallyError(path, kind) from None
        raise CorruptFileError(path) from None
    packed = path.stat().st_size
    unpacked = 0
    for info in archive.infolist():
        unpacked += info.file_size
        # Per-entry ratio catches one highly compressed entry hiding in a normal-sized file.
        ratio = info.file_size / info.compress_size if info.compress_size else 0
        if ratio > limits.max_unpack_ratio * 5 and info.file_size > 10 * 1000**2:
            raise SuspiciousArchiveError(path, _human(info.file_size))
    if unpacked > limits.max_unpacked_bytes or (
        unpacked > 10 * 1000**2 and unpacked / max(packed, 1) > limits.max_unpack_ratio
    ):
        raise SuspiciousArchiveError(path, _human(unpacked))
    return archive


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file, as Office saves encrypted files
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _encrypted_office_file(path: Path) -> bool:
    """Whether `path` is an OLE compound file holding an "EncryptedPackage" stream: what Office
    writes for a .docx saved with a password (the zip is inside, encrypted)."""
    import struct

    with open(path, "rb") as f:
        header = f.read(512)
        if len(header) < 512 or not header.startswith(_OLE):
            return False
        shift, = struct.unpack_from("<H", header, 0x1E)
        first, = struct.unpack_from("<I", header, 0x30)
        size = 1 << shift if 7 <= shift <= 16 else 512
        f.seek((first + 1) * size if first < 0xFFFFFFFA else 512)
        directory = f.read(64 * 1024)
        f.seek(0)
        head = f.read(64 * 1024)
    return _ENCRYPTED_PACKAGE in directory or _ENCRYPTED_PACKAGE in head


def _human(n: int) -> str:
    if n >= 1000**3:
        return f"{n / 1000**3:.1f} GB"
    return f"{n / 1000**2:.0f} MB"
