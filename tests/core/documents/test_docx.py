"""Word documents: paragraphs and tables in order, pages at hard page breaks or in blocks, the
title, and refusal of damaged files and zip bombs."""

from __future__ import annotations

import re

import pytest

from core.documents import Limits
from core.errors import CorruptFileError, SuspiciousArchiveError
from tests.core.documents import files
from tests.core.documents.checks import assert_user_message, assert_well_formed, page_with

REPORT = [
    files.Heading("Quarterly Report"),
    "Sales rose in every region this quarter.",
    files.Table(
        [
            ["Region", "Revenue", "Growth"],
            ["Northshire", "1200 crowns", "4 percent"],
            ["Southmarch", "900 crowns", "7 percent"],
        ]
    ),
    "The board thanks all staff for their work.",
]


def test_paragraphs_and_tables_come_in_document_order(parse, make_docx):
    doc = parse(make_docx(REPORT))
    assert_well_formed(doc)
    assert doc.format == "docx"
    text = doc.text
    order = [
        "Quarterly Report",
        "Sales rose in every region",
        "Region",
        "Revenue",
        "Growth",
        "Northshire",
        "1200 crowns",
        "4 percent",
        "Southmarch",
        "900 crowns",
        "7 percent",
        "The board thanks all staff",
    ]
    positions = [text.find(item) for item in order]
    missing = [item for item, at in zip(order, positions, strict=True) if at < 0]
    assert not missing, f"missing from the text: {missing}"
    assert positions == sorted(positions), text


def test_a_heading_and_its_paragraph_are_on_separate_lines(parse, make_docx):
    doc = parse(make_docx(REPORT))
    assert re.search(r"Quarterly Report\s*\n\s*Sales rose", doc.text), doc.text


def test_table_rows_are_not_run_together(parse, make_docx):
    doc = parse(make_docx(REPORT))
    assert "7 percentThe board" not in doc.text
    assert "GrowthNorthshire" not in doc.text and "Growth Northshire" not in doc.text
    assert re.search(r"Growth\s*\n\s*Northshire", doc.text), doc.text


def test_hard_page_breaks_split_the_pages(parse, make_docx):
    path = make_docx(
        [
            "Cover page: Annual Review.",
            files.PageBreak(),
            "Second page: the year in numbers.",
            files.PageBreak(),
            "Third page: outlook.",
        ]
    )
    doc = parse(path)
    assert_well_formed(doc)
    assert doc.page_unit == "page break"
    first = page_with(doc, "Cover page")
    second = page_with(doc, "the year in numbers")
    third = page_with(doc, "outlook")
    assert first.number < second.number < third.number


def test_a_document_without_page_breaks_is_cut_into_blocks_at_paragraph_ends(parse, make_docx):
    body = files.paragraphs(60, words=50)  # about 20,000 characters
    doc = parse(make_docx(body))
    assert_well_formed(doc)
    assert doc.page_unit == "block"
    assert 3 <= len(doc.pages) <= 15, [len(p.text) for p in doc.pages]
    assert all(len(p.text) <= 6000 for p in doc.pages), [len(p.text) for p in doc.pages]
    for paragraph in body:  # a quote from one paragraph never straddles two pages
        page_with(doc, paragraph)


def test_the_title_comes_from_the_document_properties(parse, make_docx):
    doc = parse(make_docx(REPORT, name="draft_v7_final.docx", title="Quarterly Report Q3"))
    assert doc.title == "Quarterly Report Q3"


def test_without_a_title_property_the_file_name_is_the_title(parse, make_docx):
    doc = parse(make_docx(REPORT, name="board minutes.docx"))
    assert doc.title == "board minutes"


def test_a_zip_bomb_named_docx_is_refused_before_unpacking(parse, make_docx, make_zip_bomb):
    real = make_docx(REPORT, name="real.docx")
    path = make_zip_bomb("invoice.docx", base=real)
    with pytest.raises(SuspiciousArchiveError) as error:
        parse(path)
    assert_user_message(error.value, path)
    assert "300 MB" in str(error.value)


def test_a_bare_zip_bomb_named_docx_is_refused(parse, make_zip_bomb):
    path = make_zip_bomb("invoice.docx")
    with pytest.raises(SuspiciousArchiveError) as error:
        parse(path)
    assert_user_message(error.value, path)


def test_a_docx_unpacking_over_the_configured_limit_is_refused(parse, make_docx):
    path = make_docx(files.paragraphs(30), name="long.docx")
    with pytest.raises(SuspiciousArchiveError):
        parse(path, limits=Limits(max_unpacked_bytes=5_000))


def test_random_bytes_named_docx_are_reported_as_damaged(parse, make_file):
    path = make_file("letter.docx", files.random_bytes(10_000))
    with pytest.raises(CorruptFileError) as error:
        parse(path)
    assert_user_message(error.value, path)


def test_a_truncated_docx_is_reported_as_damaged(parse, make_docx, make_file):
    data = make_docx(REPORT, name="whole.docx").read_bytes()
    path = make_file("cut short.docx", data[: len(data) // 2])
    with pytest.raises(CorruptFileError) as error:
        parse(path)
    assert_user_message(error.value, path)


def test_a_zip_that_is_not_a_word_document_is_reported_as_damaged(parse, make_file, tmp_path):
    import zipfile

    path = tmp_path / "photos.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("holiday/notes.txt", "not a word document")
    with pytest.raises(CorruptFileError) as error:
        parse(path)
    assert_user_message(error.value, path)
