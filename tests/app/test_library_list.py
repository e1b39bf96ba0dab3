"""The library list with thousands of documents, as a user meets it: every document listed,
the filter keeps up with typing, sorting, progress on one file, and selecting documents."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QBrush

from app.library_panel import LibraryPanel
from core.library import DocumentInfo
from tests.app.test_window import GapMeter

COUNT = 5000
WORDS = "harbour tide budget council library report river museum garden winter".split()


def make_documents(count: int = COUNT) -> list[DocumentInfo]:
    """Documents with two-word titles, some starting in lower case; paths hold no title word."""
    pick = random.Random(7)
    documents = []
    for i in range(count):
        first, second = pick.choice(WORDS), pick.choice(WORDS)
        title = f"{first if i % 3 else first.title()} {second} {i}"
        documents.append(
            DocumentInfo(
                id=i + 1,
                path=f"/archive/doc-{i:05}.pdf",
                title=title,
                format="pdf",
                page_unit="page",
                page_count=i % 40 + 1,
                char_count=1000,
                sha256=f"{i:064x}",
                size=2000,
                added_at="2024-01-01T00:00:00Z",
                updated_at="2024-01-01T00:00:00Z",
            )
        )
    return documents


@pytest.fixture
def panel(qtbot) -> LibraryPanel:
    panel = LibraryPanel()
    qtbot.addWidget(panel)
    panel.resize(420, 700)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def documents() -> list[DocumentInfo]:
    return make_documents()


@pytest.fixture
def listed(panel, documents) -> LibraryPanel:
    panel.set_documents(documents)
    return panel


class Signals:
    """What the list's model told its views, from now on."""

    def __init__(self, model) -> None:
        self.changed: list[tuple[int, int]] = []
        self.inserted: list[tuple[int, int]] = []
        self.removed: list[tuple[int, int]] = []
        self.resets = 0
        model.dataChanged.connect(lambda a, b: self.changed.append((a.row(), b.row())))
        model.rowsInserted.connect(lambda _p, a, b: self.inserted.append((a, b)))
        model.rowsRemoved.connect(lambda _p, a, b: self.removed.append((a, b)))
        model.modelReset.connect(self._reset)

    def _reset(self) -> None:
        self.resets += 1


def _row_of(panel: LibraryPanel, path: str) -> int:
    return panel.model.index_of(path).row()


def _click_row(qtbot, panel: LibraryPanel, row: int, modifier=Qt.KeyboardModifier.NoModifier):
    index = panel.filtered.index(row, 0)
    panel.tree.scrollTo(index)
    centre = panel.tree.visualRect(index).center()
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, modifier, centre)


def test_five_thousand_documents_are_all_listed_and_counted(listed, documents):
    assert listed.document_count() == COUNT
    assert len(listed.titles()) == COUNT
    assert len(listed.visible_titles()) == COUNT
    assert listed.tree.model().rowCount() == COUNT
    assert sorted(listed.titles()) == sorted(d.title for d in documents)
    assert listed.status_text(documents[4].path) == "5 pages"


def test_typing_a_filter_shows_only_matching_titles_and_clearing_it_shows_all(
    qtbot, listed, documents
):
    qtbot.keyClicks(listed.filter, "HARBOUR t")
    expected = sorted(d.title for d in documents if "harbour t" in d.title.lower())
    shown = listed.visible_titles()
    assert shown and sorted(shown) == expected
    assert len(shown) < COUNT

    listed.filter.clear()
    assert len(listed.visible_titles()) == COUNT
    assert listed.filter.accessibleName() == "Filter documents"


def test_the_filter_also_finds_documents_by_their_file_name(qtbot, listed, documents):
    qtbot.keyClicks(listed.filter, "DOC-00420")
    assert listed.visible_titles() == [documents[420].title]


def test_sorting_by_title_ignores_case_and_follows_the_header(qtbot, listed, documents):
    ascending = sorted((d.title for d in documents), key=str.casefold)
    assert listed.visible_titles() == ascending

    header = listed.tree.header()
    title_header = QPoint(header.sectionPosition(0) + 10, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=title_header)
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert listed.visible_titles() == ascending[::-1]
    assert listed.titles() == ascending[::-1]

    qtbot.keyClicks(listed.filter, "museum")  # the filter keeps the order
    shown = listed.visible_titles()
    assert shown == [t for t in ascending[::-1] if "museum" in t.lower()]


def test_a_file_state_update_changes_only_that_row(listed, documents):
    path = documents[1234].path
    signals = Signals(listed.model)

    listed.set_file_state(path, "indexing", 0.4, "")

    row = _row_of(listed, path)
    assert signals.changed == [(row, row)]
    assert (signals.inserted, signals.removed, signals.resets) == ([], [], 0)
    assert listed.status_text(path) == "indexing 40%"
    assert listed.status_text(documents[1233].path) == "34 pages"
    assert listed.document_count() == COUNT


def test_refreshing_the_library_signals_only_what_changed(listed, documents):
    retitled = replace(documents[10], title="Renamed harbour notes")
    newcomer = make_documents(COUNT + 1)[-1]
    refreshed = [retitled, *documents[11:], newcomer]  # documents[:10] left the library
    signals = Signals(listed.model)

    listed.set_documents(refreshed)

    assert signals.resets == 0
    assert signals.removed == [(0, 9)]
    assert signals.changed == [(0, 0)]  # the retitled one, now first
    assert signals.inserted == [(COUNT - 10, COUNT - 10)]
    assert "Renamed harbour notes" in listed.titles()
    assert listed.state_of(documents[0].path) is None
    assert listed.document_count() == COUNT - 9


def test_failed_and_ready_files_show_their_colours_and_why(listed, documents):
    listed.set_file_state("/inbox/broken.pdf", "failed", None, "This PDF is damaged.")
    listed.filter.setText("broken")
    title, status = listed.filtered.index(0, 0), listed.filtered.index(0, 1)
    assert title.data() == "broken.pdf"
    assert status.data() == "failed"
    assert status.data(Qt.ItemDataRole.ToolTipRole) == "This PDF is damaged."
    assert "This PDF is damaged." in title.data(Qt.ItemDataRole.ToolTipRole)
    failed_colour = status.data(Qt.ItemDataRole.ForegroundRole)
    assert isinstance(failed_colour, QBrush) and failed_colour.color().name() == "#c0392b"
    assert listed.document_count() == COUNT  # a failed file is not a document

    listed.filter.setText("doc-00007")
    ready = listed.filtered.index(0, 1)
    assert ready.data(Qt.ItemDataRole.ForegroundRole).color().name() == "#2e7d32"
    assert listed.filtered.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == (
        f"{documents[7].title}\n/archive/doc-00007.pdf\n8 pages, PDF"
    )


def test_selected_rows_give_their_ids_and_stay_selected_through_the_filter(
    qtbot, listed, documents
):
    by_title = {d.title: d.id for d in documents}
    qtbot.keyClicks(listed.filter, "garden river")
    shown = listed.visible_titles()
    assert len(shown) >= 3
    _click_row(qtbot, listed, 0)
    _click_row(qtbot, listed, 2, Qt.KeyboardModifier.ControlModifier)
    picked = [by_title[shown[0]], by_title[shown[2]]]
    assert listed.selected_ids() == picked
    assert listed.remove.isEnabled()

    listed.filter.clear()  # the filter found them; clearing it keeps them selected
    assert listed.selected_ids() == picked
    assert len(listed.tree.selectionModel().selectedRows()) == 2

    qtbot.keyClicks(listed.filter, "winter tide")
    _click_row(qtbot, listed, 0, Qt.KeyboardModifier.ControlModifier)  # added to the selection
    winter = by_title[listed.visible_titles()[0]]
    assert listed.selected_ids() == [*picked, winter]
    menu = listed.document_menu(documents[winter - 1].path)
    assert menu.actions()[0].text() == "Summarise the 3 documents"

    _click_row(qtbot, listed, 1)  # a plain click selects that document alone
    assert listed.selected_ids() == [by_title[listed.visible_titles()[1]]]


def test_select_ids_selects_and_shows_those_documents(listed, documents):
    wanted = [documents[4321].id, documents[17].id]
    listed.select_ids(wanted)
    assert sorted(listed.selected_ids()) == sorted(wanted)
    rows = listed.tree.selectionModel().selectedRows()
    assert sorted(index.data() for index in rows) == sorted(
        [documents[4321].title, documents[17].title]
    )
    assert listed.title_of(documents[17].id) == documents[17].title


def test_delete_asks_to_remove_the_selected_documents(qtbot, listed, documents):
    listed.select_ids([documents[3].id])
    listed.tree.setFocus()
    with qtbot.waitSignal(listed.remove_requested, timeout=2000) as removed:
        qtbot.keyClick(listed.tree, Qt.Key.Key_Delete)
    assert removed.args == [[documents[3].path]]


def test_filtering_five_thousand_documents_keeps_the_window_responsive(qtbot, listed):
    meter = GapMeter()
    meter.timer.setInterval(5)

    def keystroke(key) -> None:
        qtbot.keyClick(listed.filter, key)
        qtbot.wait(15)  # the timer ticks between keystrokes, as it would while typing

    found = []
    for word in ("harbour", "t", "museum river"):
        for letter in word:
            keystroke(letter)
        found.append(len(listed.visible_titles()))
        for _ in word:
            keystroke(Qt.Key.Key_Backspace)
        assert len(listed.visible_titles()) == COUNT
    gap = meter.stop()
    print(f"largest event-loop gap while filtering {COUNT} documents: {gap * 1000:.0f} ms")
    assert 0 < found[2] < found[0] < found[1] < COUNT
    assert gap < 0.25
