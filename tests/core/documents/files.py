"""Builders of real document files (PDF, DOCX, EPUB, text, CSV, zip bombs) for the loader tests.

Each builder writes one file with the library a real author would use and returns its path, so
tests exercise the same bytes users drop into the window. Plain functions, importable from any
test package (`from tests.core.documents import files`); `conftest.py` wraps them as fixtures.
"""

from __future__ import annotations

import codecs
import csv
import io
import random
import shutil
import struct
import textwrap
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

MB = 1000**2

# ---------------------------------------------------------------------------------------------
# PDF


@dataclass(frozen=True)
class Columns:
    """A two-column PDF page.

    drawn: "by column" writes the whole left column to the file, then the right (most writers);
    "by line" writes each line across both columns before the next line (some writers do), so
    the file's own order interleaves the columns.
    """

    left: Sequence[str]
    right: Sequence[str]
    drawn: str = "by column"


@dataclass(frozen=True)
class PictureOnly:
    """A PDF page with a picture and vector drawings but no text layer (like a scanned page)."""

    width_px: int = 64
    height_px: int = 48


PdfPage = str | Columns | PictureOnly


@dataclass(frozen=True)
class PageLabels:
    """One page-label range, as `PdfWriter.set_page_label` takes it (0-based, inclusive).

    style: "/D" decimal, "/r" lower roman, "/R" upper roman, "/a" / "/A" letters.
    """

    first: int
    last: int
    style: str = "/D"
    start: int = 1
    prefix: str | None = None


def png_bytes(width: int = 64, height: int = 48) -> bytes:
    """A small greyscale PNG (a gradient), built by hand so no imaging library is needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + bytes((x * 255 // max(width - 1, 1) + y) % 256 for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def pdf_bytes(pages: Sequence[PdfPage], *, title: str | None = None) -> bytes:
    """A PDF made with fpdf2: one PDF page per item of `pages`.

    A str becomes a page of text (blank lines separate paragraphs; keep it under a page long),
    `Columns` a two-column page, `PictureOnly` a page with an image and rectangles but no text.
    """
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    if title is not None:
        pdf.set_title(title)
    pdf.set_font("Helvetica", size=11)
    for page in pages:
        pdf.add_page()
        if isinstance(page, PictureOnly):
            pdf.set_fill_color(200, 200, 200)
            pdf.rect(20, 20, 170, 100, style="DF")
            pdf.image(io.BytesIO(png_bytes(page.width_px, page.height_px)), x=30, y=30, w=150)
            pdf.rect(20, 140, 80, 40, style="D")
        elif isinstance(page, Columns):
            placed = _place_lines(15, page.left, 42) + _place_lines(110, page.right, 42)
            if page.drawn == "by line":
                placed.sort(key=lambda item: (item[1], item[0]))
            for x, y, line in placed:
                pdf.text(x, y, line)
        else:
            for x, y, line in _place_lines(15, page.split("\n\n"), 90):
                pdf.text(x, y, line)
    return bytes(pdf.output())


def _place_lines(
    x: float, paragraphs: Sequence[str], width_chars: int
) -> list[tuple[float, float, str]]:
    """(x, y, line) of each wrapped line, top-down from y = 20 mm, for `pdf.text` (which is
    ~20x faster than multi_cell)."""
    placed = []
    y = 20.0
    for paragraph in paragraphs:
        for line in textwrap.wrap(paragraph, width_chars):
            placed.append((x, y, line))
            y += 5.5
        y += 3
    return placed


def write_pdf(
    path: Path,
    pages: Sequence[PdfPage],
    *,
    title: str | None = None,
    page_labels: Sequence[PageLabels] = (),
    user_password: str | None = None,
    owner_password: str | None = None,
    algorithm: str = "RC4-128",
) -> Path:
    """Write a PDF; page labels and encryption (RC4-128 unless `algorithm` says e.g. "AES-256") are
    added with pypdf's PdfWriter, as a PDF tool would."""
    data = pdf_bytes(pages, title=title)
    if page_labels or user_password is not None or owner_password is not None:
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        for labels in page_labels:
            writer.set_page_label(
                labels.first,
                labels.last,
                style=labels.style,
                prefix=labels.prefix,
                start=labels.start,
            )
        if user_password is not None or owner_password is not None:
            writer.encrypt(
                user_password=user_password or "",
                owner_password=owner_password,
                algorithm=algorithm,
            )
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------------------------------
# DOCX


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Table:
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class PageBreak:
    """A hard page break (Ctrl+Enter in Word)."""


DocxBlock = str | Heading | Table | PageBreak


def write_docx(path: Path, body: Sequence[DocxBlock], *, title: str | None = None) -> Path:
    """A Word document made with python-docx; a str in `body` is one paragraph."""
    import docx

    document = docx.Document()
    if title is not None:
        document.core_properties.title = title
    for block in body:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=block.level)
        elif isinstance(block, Table):
            columns = max(len(row) for row in block.rows)
            table = document.add_table(rows=len(block.rows), cols=columns)
            for r, row in enumerate(block.rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
        elif isinstance(block, PageBreak):
            document.add_page_break()
        else:
            document.add_paragraph(block)
    document.save(str(path))
    return path


# ---------------------------------------------------------------------------------------------
# EPUB


@dataclass(frozen=True)
class Chapter:
    """One EPUB chapter: its file name inside the book, its heading and its paragraphs."""

    file_name: str
    heading: str
    paragraphs: Sequence[str] = field(default_factory=tuple)


def write_epub(
    path: Path,
    chapters: Sequence[Chapter],
    *,
    title: str | None = "An EPUB",
    author: str = "A. Writer",
    manifest_order: Sequence[int] | None = None,
) -> Path:
    """An EPUB made with ebooklib. `chapters` is the reading (spine) order; `manifest_order`
    lists chapter indexes in the order their files are added to the book (default: reversed,
    so that file order and manifest order both differ from the reading order)."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("longread-test-book")
    if title is not None:
        book.set_title(title)
    book.set_language("en")
    book.add_author(author)
    items = []
    for chapter in chapters:
        item = epub.EpubHtml(title=chapter.heading, file_name=chapter.file_name, lang="en")
        paragraphs = "".join(f"<p>{p}</p>" for p in chapter.paragraphs)
        item.content = f"<html><body><h1>{chapter.heading}</h1>{paragraphs}</body></html>"
        items.append(item)
    order = manifest_order if manifest_order is not None else range(len(chapters) - 1, -1, -1)
    for index in order:
        book.add_item(items[index])
    book.toc = items
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = items
    epub.write_epub(str(path), book)
    return path


# ---------------------------------------------------------------------------------------------
# Text, CSV, raw bytes

# Encoding names as a user's editor would save them -> how to produce the bytes.
TEXT_ENCODINGS = {
    "utf-8": lambda s: s.encode("utf-8"),
    "utf-8 with BOM": lambda s: codecs.BOM_UTF8 + s.encode("utf-8"),
    "utf-16 LE with BOM": lambda s: codecs.BOM_UTF16_LE + s.encode("utf-16-le"),
    "utf-16 BE with BOM": lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be"),
    "cp1252": lambda s: s.encode("cp1252"),
}


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write text in one of TEXT_ENCODINGS (or any codec name Python knows)."""
    encode = TEXT_ENCODINGS.get(encoding)
    path.write_bytes(encode(text) if encode else text.encode(encoding))
    return path


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[object]], encoding: str = "utf-8"
) -> Path:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # what Excel writes
    writer.writerow(header)
    writer.writerows(rows)
    return write_text(path, out.getvalue(), encoding)


def random_bytes(n: int, seed: int = 1234) -> bytes:
    """Bytes that are no format at all (deterministic, so a failure can be reproduced)."""
    return random.Random(seed).randbytes(n)


def zip_bytes(entries: dict[str, str | bytes]) -> bytes:
    """A small deflated zip archive holding `entries` (name -> content)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def paragraphs(count: int, words: int = 50, tag: str = "Paragraph") -> list[str]:
    """`count` distinct paragraphs of about `words` words, each starting "<tag> <n>:"."""
    vocabulary = "river stone lamp window orchard ledger harbour quiet amber signal".split()
    rng = random.Random(count * 7919 + words)
    return [
        f"{tag} {n}: " + " ".join(rng.choice(vocabulary) for _ in range(words)) + "."
        for n in range(1, count + 1)
    ]


# ---------------------------------------------------------------------------------------------
# Zip bombs


def write_bomb_zip(path: Path, unpacked_bytes: int = 300 * MB, entry: str = "word/media/x.bin"):
    """A zip holding one entry of `unpacked_bytes` zeros; only ~1/1000 of that on disk.

    Written in 1 MB chunks so building it needs no memory; takes about a second per 200 MB.
    """
    chunk = b"\0" * MB
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(entry, "w", force_zip64=True) as f,
    ):
        for _ in range(unpacked_bytes // MB):
            f.write(chunk)
    return path


def add_bomb(path: Path, bomb: Path, base: Path | None = None) -> Path:
    """Write to `path` the zip `bomb` with every entry of the archive `base` appended.

    Appending reuses the bomb's compressed bytes, so a real DOCX/EPUB can carry a huge entry
    without compressing hundreds of megabytes again for each test.
    """
    shutil.copyfile(bomb, path)
    if base is not None:
        with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "a") as target:
            for info in source.infolist():
                target.writestr(info, source.read(info))
    return path
