"""The window and the shared settings: it opens the library chosen there (the one the command
line opens too), and a damaged settings file is kept aside and said once, in the window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from app.window import MainWindow
from core.settings import Settings


@pytest.fixture
def open_window(qtbot, tmp_path):
    opened: list[MainWindow] = []

    def make() -> MainWindow:
        settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, preload=False)
        qtbot.addWidget(window)
        window.show()
        opened.append(window)
        return window

    yield make
    for window in opened:
        if window.isVisible():
            window.close()


def test_the_window_opens_the_library_chosen_in_the_settings(open_window, tmp_path):
    chosen = tmp_path / "team library"
    Settings(library=str(chosen)).save()
    window = open_window()
    assert window.library.dir == chosen
    assert (chosen / "catalog.sqlite").exists()


def test_a_damaged_settings_file_is_said_in_the_window_once(open_window, private_home):
    private_home.mkdir(parents=True, exist_ok=True)
    (private_home / "settings.json").write_text('{"model": "gguf:/x.gguf",', encoding="utf-8")
    window = open_window()
    assert window.notice.isVisible()
    text = window.notice.text.text()
    assert "damaged" in text and "settings.json.damaged-" in text
    assert len(list(private_home.glob("settings.json.damaged-*"))) == 1
    window.close()

    again = open_window()  # the next start has nothing to say
    assert not again.notice.isVisible()
