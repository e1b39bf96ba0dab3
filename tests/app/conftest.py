"""Window tests keep their Qt settings in the test's own folder, never the user's, and collect
garbage on the GUI thread only, as the app does (app/collector.py)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture(autouse=True)
def private_qt_settings(tmp_path):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))
    yield


@pytest.fixture(scope="package", autouse=True)
def collect_on_the_gui_thread(qapp):
    from app.collector import GuiThreadCollector

    collector = GuiThreadCollector(qapp)
    yield
    collector.stop()
