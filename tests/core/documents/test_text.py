"""Plain text and Markdown: every common encoding, pages at form feeds or in blocks, titles."""

from __future__ import annotations

import time

import pytest

from core.documents import read
from core.errors import NotReallyError
from tests.core.documents import files
from tests.core.documents.checks import assert_user_message, assert_well_formed, page_with

ACCENTED = "Le café — “quoted” — naïve façade, 12 €.\n\nSecond paragraph: Ærø, déjà vu.\n"


@pytest.mark.parametrize("encoding", list(files.TEXT_ENCODINGS))
def test_text_in_every_common_encoding_reads_correctly(parse, make_text, encoding):
    doc = parse(make_text("notes.txt", ACCENTED, encoding))
    assert "Le café — “quoted” — naïve façade, 12 €." in doc.text
    assert "Second paragraph: Ærø, déjà vu." in doc.text
    assert "\ufeff" not in doc.text  # the byte-order mark is not text
    assert "\ufffd" not in doc.text  # nothing shown as a replacement box


def test_windows_line_endings_do_not_leave_carriage_returns(parse, make_text):
    doc = parse(make_text("dos.txt", "line one\r\nline two\r\n\r\nline three\r\n"))
    assert "\r" not in doc.text
    assert "line one\nline two" in doc.text


def test_form_feeds_split_pages_as_printed(parse, make_text):
    text = "First page of the printout.\n\fSecond page of the printout.\n\fThird page.\n"
    doc = parse(make_text("printout.txt", text))
    assert_well_formed(doc)
    assert doc.page_unit == "page"
    assert len(doc.pages) == 3
    assert page_with(doc, "First page").number == 1
    assert page_with(doc, "Second page").number == 2
    assert page_with(doc, "Third page").number == 3
    assert "\f" not in doc.text


def test_a_long_text_is_cut_into_blocks_at_paragraph_ends(parse, make_text):
    body = files.paragraphs(80, words=40)  # about 21,000 characters
    doc = parse(make_text("essay.txt", "\n\n".join(body) + "\n"))
    assert_well_formed(doc)
    assert doc.page_unit == "block"
    assert len(doc.pages) >= 4
    assert all(len(p.text) <= 6000 for p in doc.pages), [len(p.text) for p in doc.pages]
    for paragraph in body:
        page_with(doc, paragraph)
    assert page_with(doc, "Paragraph 1:").number == 1
    assert page_with(doc, "Paragraph 80:").number == len(doc.pages)


def test_a_short_text_is_one_page(parse, make_text):
    doc = parse(make_text("short.txt", "Just a note.\n"))
    assert [p.text for p in doc.pages] == ["Just a note."]
    assert doc.pages[0].label == "1"


def test_a_text_file_is_titled_by_its_name(parse, make_text):
    doc = parse(make_text("shopping list.txt", "# not a heading in a .txt\n\nmilk\n"))
    assert doc.title == "shopping list"


def test_markdown_title_comes_from_front_matter(parse, make_text):
    text = '---\ntitle: "Release Notes 2.0"\nauthor: Kim\n---\n\n# Overview\n\nNew things.\n'
    doc = parse(make_text("CHANGES.md", text))
    assert doc.title == "Release Notes 2.0"
    assert "New things." in doc.text


def test_markdown_title_comes_from_the_first_heading(parse, make_text):
    text = "Some intro line.\n\n# Installing the Widget\n\n## Step one\n\nUnpack it.\n"
    doc = parse(make_text("install.md", text))
    assert doc.title == "Installing the Widget"


def test_markdown_without_a_heading_is_titled_by_its_name(parse, make_text):
    doc = parse(make_text("scratch pad.md", "just some thoughts\n\n## a subheading\n"))
    assert doc.title == "scratch pad"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(files.random_bytes(5000), id="random"),
        pytest.param(files.png_bytes(), id="png"),
        pytest.param(files.zip_bytes({"notes.xml": " ".join(files.paragraphs(50))}), id="zip"),
    ],
)
def test_a_binary_file_named_txt_says_it_is_not_text(parse, make_file, content):
    path = make_file("readme.txt", content)
    with pytest.raises(NotReallyError) as error:
        parse(path)
    assert_user_message(error.value, path)


def test_a_big_log_file_without_blank_lines_loads_in_seconds_and_keeps_lines_whole(make_text):
    """24 MB of log lines is one huge "paragraph": it must still be cut in linear time (a
    quadratic cut takes minutes on a 100 MB log) and only at line ends."""
    lines = [
        f"2024-05-01 12:00:{n % 60:02d} INFO request {n} served in 12 ms" for n in range(480_000)
    ]
    path = make_text("server.log.txt", "\n".join(lines) + "\n")
    started = time.monotonic()
    doc = read(path)
    elapsed = time.monotonic() - started
    assert elapsed < 3.0, f"a {path.stat().st_size / 1e6:.0f} MB log took {elapsed:.1f} s"
    assert len(doc.pages) > 1000
    assert all(p.text.endswith(" ms") for p in doc.pages), "a log line was cut across pages"
    assert all(len(p.text) <= 6000 for p in doc.pages)
