"""The window as a user meets it: it opens, lists the library, and adds what is dropped on it."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from app.window import MainWindow
from core.library import Library
from tests.core.documents import files


def _drop(window: MainWindow, paths) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


def test_dropped_files_appear_in_the_library_list(qtbot, tmp_path):
    window = MainWindow(Library(tmp_path / "lib"))
    qtbot.addWidget(window)
    window.show()
    assert window.documents.count() == 0

    pdf = files.write_pdf(tmp_path / "guide.pdf", ["Step one.", "Step two."], title="User Guide")
    folder = tmp_path / "notes"
    folder.mkdir()
    files.write_text(folder / "todo.md", "# Todo list\n\nBuy milk.")
    _drop(window, [pdf, folder])

    qtbot.waitUntil(lambda: window.documents.count() == 2, timeout=30_000)
    texts = sorted(window.documents.item(i).text() for i in range(window.documents.count()))
    assert texts[0].startswith("Todo list") and texts[1].startswith("User Guide")
    assert "2 pages" in texts[1]
    qtbot.waitUntil(lambda: not window.progress.isVisible(), timeout=10_000)


def test_longread_with_no_command_opens_the_window(qapp):
    from PySide6.QtCore import QTimer

    from app.entry import main

    shown: list[str] = []

    def look_and_close() -> None:
        shown.extend(w.windowTitle() for w in qapp.topLevelWidgets() if w.isVisible())
        for w in qapp.topLevelWidgets():
            w.close()
        qapp.quit()

    QTimer.singleShot(300, look_and_close)
    assert main([]) == 0
    assert "Longread" in shown
