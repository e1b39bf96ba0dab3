"""The source panel as a user meets it: a citation opens the cited page with the quote marked."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QColor, QDesktopServices, QImage

from app.source_panel import SourcePanel, find_quote, place_words, quote_candidates
from tests.core.documents import files

PAGES = [
    "The first page talks about the harbour wall and nothing else of note.",
    "The second page says the lighthouse keeper rowed out at dawn to fetch the mail, "
    "then mended the lamp before the evening ferry came in.",
    "The third page lists the tide tables for the spring months.",
]
QUOTE = "the lighthouse keeper rowed out at dawn"


def squash(text: str) -> str:
    return " ".join(text.split()).casefold()


@pytest.fixture
def panel(qtbot):
    widget = SourcePanel()
    qtbot.addWidget(widget)
    widget.resize(560, 760)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def guide(tmp_path):
    return files.write_pdf(tmp_path / "guide.pdf", PAGES, title="Harbour Guide")


def show_pdf(panel: SourcePanel, path, page: int, quote: str) -> None:
    panel.show_source(
        path=str(path),
        format="pdf",
        title="Harbour Guide",
        page=page,
        page_label=str(page),
        page_unit="page",
        quote=quote,
        page_text=PAGES[page - 1],
    )


def coloured_pixels(image: QImage) -> int:
    """Pixels with a clear hue: neither page white, text black nor the grey around pages."""
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            colour = QColor(image.pixel(x, y))
            if colour.saturation() > 80 and colour.value() > 80:
                count += 1
    return count


def dark_pixels(image: QImage) -> int:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    return sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if QColor(image.pixel(x, y)).value() < 100
    )


def test_a_pdf_citation_opens_the_cited_page_with_the_quote_marked(qtbot, panel, guide):
    show_pdf(panel, guide, 2, QUOTE)

    assert panel.stack.currentWidget() is panel.pdf_view
    assert panel.title_label.text() == "Harbour Guide"
    assert panel.place_label.text() == "page 2"
    assert panel.current_page() == 2
    qtbot.waitUntil(lambda: panel.highlighted_text() != "", timeout=10_000)
    assert QUOTE in squash(panel.highlighted_text())
    # What the viewer marks is a search result on page 2 (0-based 1).
    index = panel.pdf_view.currentSearchResultIndex()
    assert index >= 0
    assert panel.search_model.resultAtIndex(index).page() == 1
    assert panel.current_page() == 2
    assert panel.notice_text() == ""


def test_the_pdf_page_is_really_drawn_with_the_highlight_on_it(qtbot, panel, guide):
    show_pdf(panel, guide, 2, QUOTE)
    qtbot.waitUntil(lambda: panel.highlighted_text() != "", timeout=10_000)
    # The page is rendered off the GUI thread; wait until its text shows up in the panel.
    qtbot.waitUntil(lambda: dark_pixels(panel.pdf_view.grab().toImage()) > 50, timeout=10_000)
    image = panel.grab().toImage()
    assert dark_pixels(image) > 50  # text, not a blank page
    assert coloured_pixels(image) > 20  # the highlight


def test_a_second_citation_in_the_same_pdf_jumps_without_reloading(qtbot, panel, guide):
    show_pdf(panel, guide, 2, QUOTE)
    qtbot.waitUntil(lambda: panel.highlighted_text() != "", timeout=10_000)
    document = panel.document
    status_changes: list[object] = []
    document.statusChanged.connect(status_changes.append)

    show_pdf(panel, guide, 3, "tide tables for the spring months")

    assert panel.document is document
    assert status_changes == []
    assert panel.current_page() == 3
    assert panel.place_label.text() == "page 3"
    qtbot.waitUntil(lambda: "tide tables" in squash(panel.highlighted_text()), timeout=10_000)
    assert panel.search_model.resultAtIndex(panel.pdf_view.currentSearchResultIndex()).page() == 2

    show_pdf(panel, guide, 1, "the harbour wall")
    assert panel.document is document
    assert panel.current_page() == 1
    qtbot.waitUntil(lambda: "harbour wall" in squash(panel.highlighted_text()), timeout=10_000)


def test_a_quote_that_wraps_across_lines_is_found_and_a_loose_one_by_its_first_words(
    qtbot, panel, tmp_path
):
    long = " ".join(files.paragraphs(1, words=60, tag="Note")[0].split())
    path = files.write_pdf(tmp_path / "notes.pdf", ["Cover page.", long], title="Notes")
    words = long.split()
    wrapped = " ".join(words[8:26])  # long enough to run over a line break on the page
    panel.show_source(
        path=str(path),
        format="pdf",
        title="Notes",
        page=2,
        page_label="2",
        page_unit="page",
        quote=wrapped,
        page_text=long,
    )
    qtbot.waitUntil(lambda: panel.highlighted_text() != "", timeout=10_000)
    assert squash(panel.highlighted_text()) == squash(wrapped)

    # The quote's end was reworded: the panel settles for its first words on the cited page.
    loose = " ".join(words[30:40]) + " words that are not on the page"
    panel.show_source(
        path=str(path),
        format="pdf",
        title="Notes",
        page=2,
        page_label="2",
        page_unit="page",
        quote=loose,
        page_text=long,
    )
    qtbot.waitUntil(lambda: panel.highlighted_text() != "", timeout=10_000)
    assert squash(panel.highlighted_text()) in squash(" ".join(words[30:40]))
    assert len(panel.highlighted_text().split()) >= 6
    assert panel.current_page() == 2


def test_a_quote_low_on_a_long_page_is_scrolled_into_view(qtbot, panel, tmp_path):
    lines = files.paragraphs(16, words=40, tag="Line")
    path = files.write_pdf(tmp_path / "long.pdf", ["Cover.", "\n\n".join(lines), "End."])
    panel.resize(420, 360)  # a short panel: the last lines of the page are below its edge
    quote = " ".join(lines[-1].split()[:8])
    panel.show_source(
        path=str(path),
        format="pdf",
        title="Long",
        page=2,
        page_label="2",
        page_unit="page",
        quote=quote,
        page_text="\n\n".join(lines),
    )
    qtbot.waitUntil(lambda: panel.highlighted_text() != "", timeout=10_000)
    link = panel.search_model.resultAtIndex(panel.pdf_view.currentSearchResultIndex())
    layout = panel._pdf_layout()
    rect = link.rectangles()[0]
    top = layout.position(1, rect.top()) - panel.pdf_view.verticalScrollBar().value()
    bottom = layout.position(1, rect.bottom()) - panel.pdf_view.verticalScrollBar().value()
    assert top >= 0 and bottom <= panel.pdf_view.viewport().height()
    assert panel.current_page() == 2


def test_the_pdf_layout_matches_where_the_viewer_puts_pages(qtbot, panel, guide):
    show_pdf(panel, guide, 1, "")
    bar = panel.pdf_view.verticalScrollBar()
    layout = panel._pdf_layout()
    panel.pdf_view.pageNavigator().jump(1, panel.pdf_view.pageNavigator().currentLocation(), 1.0)
    assert bar.value() == layout.tops[1]


def test_the_place_in_the_pdf_survives_the_panel_being_resized(qtbot, panel, guide):
    show_pdf(panel, guide, 3, "tide tables")
    qtbot.waitUntil(lambda: panel.highlighted_text() != "", timeout=10_000)
    assert panel.current_page() == 3
    panel.resize(360, 760)
    qtbot.wait(50)
    assert panel.current_page() == 3
    panel.resize(900, 760)
    qtbot.wait(50)
    assert panel.current_page() == 3


@pytest.mark.parametrize(
    ("name", "fmt", "unit", "label", "place"),
    [
        ("notes.txt", "text", "block", "2", "section 2"),
        ("notes.md", "markdown", "block", "2", "section 2"),
        ("book.epub", "epub", "chapter", "2", "chapter 2"),
    ],
)
def test_a_text_citation_shows_the_stored_page_with_the_quote_highlighted(
    qtbot, panel, tmp_path, name, fmt, unit, label, place
):
    text = "\n\n".join(files.paragraphs(30, words=30, tag="Para"))
    path = files.write_text(tmp_path / name, text)
    target = text.split("\n\n")[26]  # far down: the view must scroll to it
    quote = " ".join(target.split()[2:12])
    panel.show_source(
        path=str(path),
        format=fmt,
        title="My notes",
        page=2,
        page_label=label,
        page_unit=unit,
        quote=quote,
        page_text=text,
    )
    assert panel.stack.currentWidget() is panel.text_view
    assert panel.text_view.toPlainText() == text
    assert panel.highlighted_text() == quote
    assert panel.place_label.text() == place
    assert panel.current_page() == 2
    assert panel.notice_text() == ""
    selections = panel.text_view.extraSelections()
    assert len(selections) == 1 and selections[0].cursor.selectedText() == quote
    # Scrolled so that the highlight is on screen.
    qtbot.wait(20)
    rect = panel.text_view.cursorRect(selections[0].cursor)
    assert 0 <= rect.top() <= panel.text_view.viewport().height()


def test_a_quote_with_other_line_breaks_and_case_is_still_found_in_stored_text(qtbot, panel):
    text = "Intro line.\nThe Budget for 2024\nwas approved   by the council in March.\nEnd."
    panel.show_source(
        path="",
        format="text",
        title="Minutes",
        page=1,
        page_label="1",
        page_unit="block",
        quote="the budget for 2024 was approved by the council",
        page_text=text,
    )
    assert panel.highlighted_text() == "The Budget for 2024\nwas approved   by the council"


def test_a_missing_pdf_falls_back_to_the_stored_text_with_a_notice(qtbot, panel, tmp_path):
    missing = tmp_path / "moved" / "report.pdf"
    panel.show_source(
        path=str(missing),
        format="pdf",
        title="Report",
        page=2,
        page_label="2",
        page_unit="page",
        quote=QUOTE,
        page_text=PAGES[1],
    )
    assert panel.stack.currentWidget() is panel.text_view
    assert panel.notice.isVisible()
    assert f"The file is no longer at {missing}" in panel.notice_text()
    assert "showing the text Longread stored" in panel.notice_text()
    assert panel.text_view.toPlainText() == PAGES[1]
    assert squash(panel.highlighted_text()) == QUOTE
    assert not panel.open_button.isEnabled()


def test_a_broken_pdf_falls_back_to_the_stored_text_with_a_notice(qtbot, panel, tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(files.random_bytes(4000))
    panel.show_source(
        path=str(broken),
        format="pdf",
        title="Broken",
        page=1,
        page_label="1",
        page_unit="page",
        quote="harbour wall",
        page_text=PAGES[0],
    )
    assert panel.stack.currentWidget() is panel.text_view
    assert "could not show broken.pdf" in panel.notice_text()
    assert panel.highlighted_text() == "harbour wall"


def test_a_pdf_that_lost_pages_falls_back_to_the_stored_text(qtbot, panel, guide):
    panel.show_source(
        path=str(guide),
        format="pdf",
        title="Harbour Guide",
        page=9,
        page_label="9",
        page_unit="page",
        quote="something",
        page_text="Something stored from page nine.",
    )
    assert panel.stack.currentWidget() is panel.text_view
    assert "fewer than when Longread read it" in panel.notice_text()
    assert squash(panel.highlighted_text()) == "something"


def test_a_quote_not_on_the_page_says_so(qtbot, panel):
    panel.show_source(
        path="",
        format="text",
        title="Notes",
        page=1,
        page_label="1",
        page_unit="block",
        quote="words that appear nowhere",
        page_text="Some other text entirely.",
    )
    assert panel.highlighted_text() == ""
    assert "could not be found" in panel.notice_text()
    assert panel.text_view.extraSelections() == []


def test_closing_the_panel_hides_it_and_says_so(qtbot, panel):
    panel.show_source(
        path="",
        format="text",
        title="Notes",
        page=1,
        page_label="1",
        page_unit="block",
        quote="",
        page_text="Some text.",
    )
    with qtbot.waitSignal(panel.closed, timeout=1000):
        panel.close_button.click()
    assert not panel.isVisible()


def test_controls_have_accessible_names(panel):
    for control in (panel.open_button, panel.close_button, panel.pdf_view, panel.text_view):
        assert control.accessibleName()


class _UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot("QUrl")
    def open(self, url) -> None:
        self.urls.append(url.toLocalFile())


def test_open_file_hands_the_document_to_the_system_viewer(qtbot, panel, guide):
    catcher = _UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        show_pdf(panel, guide, 1, "")
        panel.open_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert catcher.urls == [str(guide)]


def test_place_words_and_quote_search_helpers():
    assert place_words("page", "12", 12) == "page 12"
    assert place_words("page", "iv", 5) == "page iv (page 5 of the file)"
    assert place_words("page break", "", 3) == "page 3"
    assert place_words("rows", "rows 2–41", 1) == "rows 2–41"
    assert quote_candidates("“…a b c d e f g h i j k l m n”")[0] == "a b c d e f g h i j k l m n"
    assert "a b c d e f" in quote_candidates("a b c d e f g h i j k l m n")
    assert quote_candidates("   ") == []
    assert find_quote("one two  three four", "Two three") == (4, 14)
    assert find_quote("abc", "zzz") is None
