"""PDF: one page per PDF page with its printed label, the title, passwords, scans and damage."""

from __future__ import annotations

import pytest

from core.errors import (
    CorruptFileError,
    NotReallyError,
    PasswordRequiredError,
    ScannedPDFError,
    WrongPasswordError,
)
from tests.core.documents import files
from tests.core.documents.checks import assert_user_message, assert_well_formed, page_with

THREE_PAGES = [
    "Chapter one begins with the lighthouse keeper.\n\nShe counts the ships at dawn.",
    "Chapter two follows the storm across the bay.",
    "Chapter three ends with the harbour at rest.",
]


def test_each_pdf_page_becomes_one_page_with_its_own_text(parse, make_pdf):
    doc = parse(make_pdf(THREE_PAGES))
    assert_well_formed(doc)
    assert doc.format == "pdf"
    assert doc.page_unit == "page"
    assert len(doc.pages) == 3
    assert page_with(doc, "lighthouse keeper").number == 1
    assert page_with(doc, "counts the ships").number == 1
    assert page_with(doc, "storm across the bay").number == 2
    assert page_with(doc, "harbour at rest").number == 3
    assert [p.label for p in doc.pages] == ["1", "2", "3"]


def test_printed_page_labels_are_kept_roman_front_matter_then_arabic(parse, make_pdf):
    pages = ["Preface text.", "Contents text.", "Body one.", "Body two.", "Body three."]
    labels = [files.PageLabels(0, 1, "/r"), files.PageLabels(2, 4, "/D")]
    doc = parse(make_pdf(pages, page_labels=labels))
    assert [p.label for p in doc.pages] == ["i", "ii", "1", "2", "3"]
    assert [p.number for p in doc.pages] == [1, 2, 3, 4, 5]
    assert page_with(doc, "Body one").label == "1"
    assert page_with(doc, "Contents text").label == "ii"


def test_page_labels_that_start_later_are_printed_as_in_the_book(parse, make_pdf):
    """An excerpt whose first page is printed as page 12."""
    doc = parse(
        make_pdf(
            ["Excerpt start.", "Excerpt end."], page_labels=[files.PageLabels(0, 1, "/D", start=12)]
        )
    )
    assert [p.label for p in doc.pages] == ["12", "13"]


def test_the_title_comes_from_the_pdf_metadata(parse, make_pdf):
    doc = parse(make_pdf(THREE_PAGES, name="scan_0042.pdf", title="The Lighthouse Report"))
    assert doc.title == "The Lighthouse Report"


def test_without_a_title_in_the_metadata_the_file_name_is_the_title(parse, make_pdf):
    doc = parse(make_pdf(THREE_PAGES, name="harbour notes.pdf"))
    assert doc.title == "harbour notes"


def test_a_password_protected_pdf_asks_for_its_password(parse, make_pdf):
    path = make_pdf(["Salaries for next year."], name="payroll.pdf", user_password="s3cret")
    with pytest.raises(PasswordRequiredError) as error:
        parse(path)
    assert type(error.value) is PasswordRequiredError  # not "wrong password": none was given
    assert_user_message(error.value, path)
    assert "password" in str(error.value)


def test_a_wrong_password_is_reported_as_wrong(parse, make_pdf):
    path = make_pdf(["Salaries for next year."], name="payroll.pdf", user_password="s3cret")
    with pytest.raises(WrongPasswordError) as error:
        parse(path, password="guess")
    assert_user_message(error.value, path)
    assert "not correct" in str(error.value)


def test_the_right_password_opens_the_pdf(parse, make_pdf):
    path = make_pdf(["Salaries for next year.", "Bonuses."], user_password="s3cret")
    doc = parse(path, password="s3cret")
    assert_well_formed(doc)
    assert page_with(doc, "Salaries for next year").number == 1
    assert page_with(doc, "Bonuses").number == 2


def test_a_pdf_locked_only_against_editing_opens_without_a_password(parse, make_pdf):
    """Encrypted with an owner password and an empty user password: every viewer opens it
    without asking, so Longread must too."""
    path = make_pdf(["Terms and conditions apply."], owner_password="owner-only")
    doc = parse(path)
    assert "Terms and conditions apply." in doc.text


def test_a_pdf_of_scanned_pages_says_it_needs_ocr(parse, make_pdf):
    path = make_pdf([files.PictureOnly(), files.PictureOnly()], name="scanned letter.pdf")
    with pytest.raises(ScannedPDFError) as error:
        parse(path)
    assert_user_message(error.value, path)
    assert "scanned" in str(error.value)


def test_a_picture_page_in_the_middle_keeps_later_pages_at_their_numbers(parse, make_pdf):
    path = make_pdf(["Text before the photo.", files.PictureOnly(), "Text after the photo."])
    doc = parse(path)
    assert_well_formed(doc)
    assert len(doc.pages) == 3
    assert page_with(doc, "Text before the photo").number == 1
    assert page_with(doc, "Text after the photo").number == 3
    assert "photo" not in doc.pages[1].text


def test_a_truncated_download_is_reported_as_damaged(parse, make_file):
    data = files.pdf_bytes(THREE_PAGES)
    path = make_file("half downloaded.pdf", data[: len(data) // 2])
    with pytest.raises(CorruptFileError) as error:
        parse(path)
    assert_user_message(error.value, path)
    assert "damaged" in str(error.value)


def test_garbage_after_a_pdf_header_is_reported_as_damaged(parse, make_file):
    path = make_file("mangled.pdf", b"%PDF-1.7\n" + files.random_bytes(20_000))
    with pytest.raises(CorruptFileError) as error:
        parse(path)
    assert_user_message(error.value, path)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"Dear Sam,\nthis is a plain letter, not a PDF.\n", id="text"),
        pytest.param(files.png_bytes(), id="png"),
        pytest.param(b"PK\x03\x04" + files.random_bytes(3000), id="zip"),
    ],
)
def test_another_kind_of_file_named_pdf_says_it_is_not_a_pdf(parse, make_file, content):
    path = make_file("renamed.pdf", content)
    with pytest.raises(NotReallyError) as error:
        parse(path)
    assert_user_message(error.value, path)
    assert "PDF" in str(error.value)


LEFT = [
    "Left column opens: the committee met on a cold morning in the old town hall.",
    "The clerk read the minutes of the last meeting aloud to everyone present.",
    "Several members asked about the state of the old stone bridge by the mill.",
    "Left column closes: everyone agreed the bridge should be repaired first.",
]
RIGHT = [
    "Right column opens: the budget for the repair was raised in the afternoon.",
    "The treasurer explained where the money would come from this year.",
    "A quarry near the river offered stone at a fair price to the town.",
    "Right column closes: the vote was taken and the meeting ended at six.",
]


@pytest.mark.parametrize("drawn", ["by column", "by line"])
def test_a_two_column_page_reads_the_left_column_before_the_right(parse, make_pdf, drawn):
    doc = parse(make_pdf([files.Columns(LEFT, RIGHT, drawn=drawn)]))
    text = " ".join(doc.text.split())  # line wrapping may differ; word order may not
    for paragraph in LEFT + RIGHT:  # each sentence whole, not cut by the other column's lines
        assert paragraph in text, (paragraph, text)
    positions = [text.find(paragraph) for paragraph in LEFT + RIGHT]
    assert positions == sorted(positions), text
