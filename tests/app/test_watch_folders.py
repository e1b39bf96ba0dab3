"""A folder added to the library is watched: files dropped into it appear in the list as ready,
deleted ones go, and the status bar says what was updated; a folder can stop being watched."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from app.window import MainWindow
from core.library import Library


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Library(tmp_path / "lib"), settings=settings, preload=False)
    window.watcher.quiet_s = 0.5  # the app waits longer for a burst of writes to end
    qtbot.addWidget(window)
    window.show()
    yield window
    if window.isVisible():
        window.close()


def _idle(window: MainWindow) -> bool:
    return not window.engine.busy() and window.sync_job is None


def test_files_dropped_into_a_watched_folder_appear_and_deleted_ones_go(window, qtbot, tmp_path):
    panel = window.library_panel
    folder = tmp_path / "notes"
    folder.mkdir()
    old = folder / "old.txt"
    old.write_text("The old timetable: the ferry leaves at noon.", encoding="utf-8")
    window.add_paths([str(folder)])
    qtbot.waitUntil(
        lambda: _idle(window) and panel.state_of(str(old.resolve())) == "ready", timeout=90_000
    )
    assert panel.watching.isVisible() and "notes" in panel.watching.text()

    new = folder / "new.md"
    new.write_text("# New timetable\n\nThe ferry now leaves at one.", encoding="utf-8")
    old.unlink()

    qtbot.waitUntil(lambda: panel.state_of(str(new.resolve())) == "ready", timeout=30_000)
    qtbot.waitUntil(lambda: _idle(window), timeout=30_000)
    assert "New timetable" in panel.titles()
    assert panel.state_of(str(old.resolve())) is None  # gone from the list
    message = window.status.message.text()
    assert message == "Updated from watched folders: 1 added, 1 removed"
    assert not window.notice.isVisible()

    # Stop watching it (the right-click menu on one of its documents): the documents stay,
    # and a file written there now is left alone.
    menu = panel.folder_menu(str(new.resolve()))
    [stop] = [a for a in menu.actions() if a.text().startswith("Stop watching")]
    stop.trigger()
    qtbot.waitUntil(
        lambda: _idle(window) and "No longer watching" in window.status.message.text(),
        timeout=30_000,
    )
    assert not panel.watching.isVisible()
    assert Library(tmp_path / "lib").folders() == []
    ignored = folder / "ignored.txt"
    ignored.write_text("Written after the folder stopped being watched.", encoding="utf-8")
    qtbot.wait(1500)
    assert window.sync_job is None and panel.state_of(str(ignored.resolve())) is None
    assert "New timetable" in panel.titles()
