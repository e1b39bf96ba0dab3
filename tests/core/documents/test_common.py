"""What every format shares: the cheap refusals (missing, empty, unknown, too large), the file's
fingerprint, and progress reports."""

from __future__ import annotations

import hashlib

import pytest

from core.documents import Limits
from core.errors import (
    EmptyFileError,
    FileMissingError,
    FileTooLargeError,
    UnsupportedFormatError,
)
from tests.core.documents import files
from tests.core.documents.checks import assert_user_message, assert_well_formed

EXTENSIONS = [".pdf", ".docx", ".txt", ".md", ".html", ".htm", ".epub", ".csv"]


@pytest.mark.parametrize("extension", EXTENSIONS)
def test_a_zero_byte_file_is_reported_as_empty(parse, make_file, extension):
    path = make_file(f"nothing{extension}", b"")
    with pytest.raises(EmptyFileError) as error:
        parse(path)
    assert_user_message(error.value, path)
    assert "empty" in str(error.value)


@pytest.mark.parametrize("name", ["drawing.xyz", "archive.zip", "README"])
def test_an_unknown_format_is_refused_and_the_message_lists_what_is_supported(
    parse, make_file, name
):
    path = make_file(name, "some perfectly readable words\n")
    with pytest.raises(UnsupportedFormatError) as error:
        parse(path)
    assert_user_message(error.value, path)
    assert "PDF" in str(error.value)


def test_a_missing_file_says_it_was_not_found(parse, tmp_path):
    path = tmp_path / "moved away.pdf"
    with pytest.raises(FileMissingError) as error:
        parse(path)
    assert_user_message(error.value, path)
    assert "not found" in str(error.value)


def test_a_file_over_the_size_limit_is_refused_with_both_sizes(parse, make_text):
    path = make_text("big notes.txt", "word " * 1000)  # 5,000 bytes
    with pytest.raises(FileTooLargeError) as error:
        parse(path, limits=Limits(max_bytes=4000))
    assert_user_message(error.value, path)
    assert "5.0 KB" in str(error.value) and "4.0 KB" in str(error.value)


def test_a_file_exactly_at_the_size_limit_is_read(parse, make_text):
    path = make_text("notes.txt", "word " * 1000)
    doc = parse(path, limits=Limits(max_bytes=5000))
    assert "word word" in doc.text


def test_the_fingerprint_is_the_sha256_of_the_file_bytes(parse, make_pdf):
    path = make_pdf(["The fingerprint lets the library spot a file it already has."])
    doc = parse(path)
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_document_remembers_its_path_and_format(parse, make_text):
    path = make_text("meeting.md", "# Minutes\n\nWe met.\n")
    doc = parse(path)
    assert doc.path == str(path.resolve())
    assert doc.format == "md"
    assert doc.id is None  # given by the library once stored, not by the loader
    assert_well_formed(doc)


def test_progress_is_reported_for_a_long_pdf_and_reaches_the_end(parse, make_pdf):
    pages = [f"This is page {n} of the report." for n in range(1, 13)]
    path = make_pdf(pages)
    calls: list[tuple[int, int, str]] = []
    doc = parse(
        path, on_progress=lambda done, total, message="": calls.append((done, total, message))
    )
    assert len(doc.pages) == 12
    assert calls, "no progress was reported"
    dones = [done for done, _, _ in calls]
    assert dones == sorted(dones), f"progress went backwards: {dones}"
    assert all(0 <= done <= total for done, total, _ in calls), calls
    assert calls[-1][0] == calls[-1][1], f"the progress bar never fills: {calls[-1]}"


def test_builders_make_files_that_other_programs_can_read(tmp_path):
    """The fixtures themselves: a broken builder would make every loader test meaningless."""
    import zipfile

    import docx
    from ebooklib import epub
    from pypdf import PdfReader

    pdf = files.write_pdf(tmp_path / "a.pdf", ["hello pdf", files.PictureOnly()], title="T")
    reader = PdfReader(pdf)
    assert "hello pdf" in reader.pages[0].extract_text()
    assert reader.pages[1].extract_text().strip() == ""
    word = files.write_docx(tmp_path / "a.docx", ["hello docx", files.PageBreak()], title="T")
    assert docx.Document(str(word)).paragraphs[0].text == "hello docx"
    book = files.write_epub(tmp_path / "a.epub", [files.Chapter("c.xhtml", "Hi", ["there"])])
    assert epub.read_epub(str(book)).get_metadata("DC", "title")[0][0] == "An EPUB"
    bomb_zip = files.write_bomb_zip(tmp_path / "z.zip", 20 * files.MB)
    bomb = files.add_bomb(tmp_path / "b.docx", bomb_zip, word)
    with zipfile.ZipFile(bomb) as archive:
        assert "word/document.xml" in archive.namelist()
        assert sum(i.file_size for i in archive.infolist()) > 20 * files.MB
    assert bomb.stat().st_size < 100_000
