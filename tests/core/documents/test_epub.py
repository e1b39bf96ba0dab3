"""E-books: one page per chapter in reading (spine) order, the title from the book's metadata."""

from __future__ import annotations

import pytest

from core.errors import CorruptFileError, SuspiciousArchiveError
from tests.core.documents import files
from tests.core.documents.checks import assert_user_message, assert_well_formed, page_with

# Reading order is One, Two, Three; the file names sort Three, One, Two (a.., b.., c..) and the
# builder adds the files to the manifest in reverse reading order.
CHAPTERS = [
    files.Chapter(
        "b_first.xhtml",
        "Chapter One: The Letter",
        ["A letter arrived on a grey Tuesday.", "Nobody knew who sent it."],
    ),
    files.Chapter(
        "c_second.xhtml", "Chapter Two: The Journey", ["They took the night train north."]
    ),
    files.Chapter(
        "a_third.xhtml", "Chapter Three: The Answer", ["The sender was the old librarian."]
    ),
]


def test_each_chapter_is_one_page_in_reading_order(parse, make_epub):
    doc = parse(make_epub(CHAPTERS, title="The Grey Tuesday"))
    assert_well_formed(doc)
    assert doc.format == "epub"
    assert doc.page_unit == "chapter"
    assert len(doc.pages) == 3
    assert page_with(doc, "A letter arrived").number == 1
    assert page_with(doc, "Nobody knew who sent it").number == 1
    assert page_with(doc, "night train north").number == 2
    assert page_with(doc, "old librarian").number == 3


def test_a_chapter_page_starts_with_its_heading(parse, make_epub):
    doc = parse(make_epub(CHAPTERS))
    for page, chapter in zip(doc.pages, CHAPTERS, strict=True):
        assert page.text.lstrip().startswith(chapter.heading), page.text


def test_the_title_comes_from_the_book_metadata(parse, make_epub):
    doc = parse(make_epub(CHAPTERS, name="9780000000000.epub", title="The Grey Tuesday"))
    assert doc.title == "The Grey Tuesday"


def test_a_book_without_a_title_is_titled_by_its_file_name(parse, make_epub):
    doc = parse(make_epub(CHAPTERS, name="untitled draft.epub", title=None))
    assert doc.title == "untitled draft"


def test_markup_is_not_part_of_the_text(parse, make_epub):
    doc = parse(make_epub(CHAPTERS))
    assert "A letter arrived on a grey Tuesday." in doc.text  # the text itself is there...
    assert "<" not in doc.text and ">" not in doc.text and "xhtml" not in doc.text  # ...no tags


def test_a_zip_bomb_named_epub_is_refused(parse, make_epub, make_zip_bomb):
    real = make_epub(CHAPTERS, name="real.epub")
    path = make_zip_bomb("free novel.epub", base=real)
    with pytest.raises(SuspiciousArchiveError) as error:
        parse(path)
    assert_user_message(error.value, path)


def test_random_bytes_named_epub_are_reported_as_damaged(parse, make_file):
    path = make_file("novel.epub", files.random_bytes(8000, seed=7))
    with pytest.raises(CorruptFileError) as error:
        parse(path)
    assert_user_message(error.value, path)
