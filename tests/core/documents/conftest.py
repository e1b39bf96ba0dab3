"""Factories that build real document files in the test's tmp_path (see `files.py`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import core.documents
from tests.core.documents import files


@pytest.fixture(scope="session", autouse=True)
def _stop_parser_process():
    """Stop the shared parser process once the document tests are done."""
    yield
    core.documents.shutdown()


@pytest.fixture(params=["read", "load"])
def parse(request) -> Callable[..., core.documents.Document]:
    """`core.documents.read` (in this process) and `load` (in the parser process): the user
    must get the same document, and the same error, from both."""
    return getattr(core.documents, request.param)


@pytest.fixture
def make_file(tmp_path) -> Callable[[str, bytes | str], Path]:
    """make_file("notes.txt", b"...") -> path of a file with exactly those bytes (str: UTF-8)."""

    def make(name: str, data: bytes | str) -> Path:
        path = tmp_path / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    return make


@pytest.fixture
def make_pdf(tmp_path) -> Callable[..., Path]:
    """make_pdf(["page one", files.PictureOnly(), files.Columns(...)], name=..., title=...,
    page_labels=[files.PageLabels(...)], user_password=..., owner_password=...)"""

    def make(pages, name: str = "document.pdf", **options) -> Path:
        return files.write_pdf(tmp_path / name, pages, **options)

    return make


@pytest.fixture
def make_docx(tmp_path) -> Callable[..., Path]:
    """make_docx([files.Heading("Title"), "a paragraph", files.Table(rows), files.PageBreak()],
    name=..., title=...)"""

    def make(body, name: str = "document.docx", **options) -> Path:
        return files.write_docx(tmp_path / name, body, **options)

    return make


@pytest.fixture
def make_epub(tmp_path) -> Callable[..., Path]:
    """make_epub([files.Chapter("c1.xhtml", "Heading", ["para"]), ...], name=..., title=...,
    manifest_order=[...])"""

    def make(chapters, name: str = "book.epub", **options) -> Path:
        return files.write_epub(tmp_path / name, chapters, **options)

    return make


@pytest.fixture
def make_text(tmp_path) -> Callable[..., Path]:
    """make_text("notes.txt", "text", encoding="cp1252") (encodings: files.TEXT_ENCODINGS)."""

    def make(name: str, text: str, encoding: str = "utf-8") -> Path:
        return files.write_text(tmp_path / name, text, encoding)

    return make


@pytest.fixture
def make_csv(tmp_path) -> Callable[..., Path]:
    """make_csv(header, rows, name=..., encoding=...)"""

    def make(header, rows, name: str = "table.csv", encoding: str = "utf-8") -> Path:
        return files.write_csv(tmp_path / name, header, rows, encoding)

    return make


@pytest.fixture(scope="session")
def bomb_zip(tmp_path_factory) -> Path:
    """A zip with one entry of 300 MB of zeros (about 300 KB on disk), built once per run."""
    return files.write_bomb_zip(tmp_path_factory.mktemp("bomb") / "bomb.zip")


@pytest.fixture
def make_zip_bomb(tmp_path, bomb_zip) -> Callable[..., Path]:
    """make_zip_bomb("report.docx", base=real_docx_path): the base archive plus a 300 MB entry."""

    def make(name: str, base: Path | None = None) -> Path:
        return files.add_bomb(tmp_path / name, bomb_zip, base)

    return make
