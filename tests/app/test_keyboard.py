"""Keyboard and screen readers: Tab walks the window in the order it is laid out, every
control has a name a screen reader can say, and every action has a keyboard path."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QLineEdit

from app.window import MainWindow
from core.library import Library


def _window(qtbot, tmp_path) -> MainWindow:
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Library(tmp_path / "lib"), settings=settings, preload=False)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_tab_walks_the_library_then_the_conversations_then_the_chat(qtbot, tmp_path):
    window = _window(qtbot, tmp_path)
    start = window.library_panel.filter
    window.activateWindow()
    start.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start, timeout=5000)
    visited = []
    for _ in range(40):
        widget = QApplication.focusWidget()
        visited.append(widget)
        window.focusNextChild()
        if QApplication.focusWidget() is start:
            break
    names = [w.accessibleName() for w in visited]
    assert all(names), [type(w).__name__ for w, n in zip(visited, names, strict=True) if not n]
    order = [
        "Filter documents",
        "Documents in the library",
        "Conversations",
        "Model that answers",
        "Answer mode",
        "Documents to ask about",
        "Question",
        "Ask the question",
    ]
    positions = [names.index(name) for name in order]
    assert positions == sorted(positions), names
    # The left column is walked top to bottom before the chat on the right.
    left = [w for w in visited if w.mapTo(window, w.rect().topLeft()).x() < 330]
    assert visited[: len(left)] == left


def test_every_control_has_a_name_and_every_action_a_shortcut(qtbot, tmp_path):
    window = _window(qtbot, tmp_path)
    controls = [
        w
        for kind in (QAbstractButton, QComboBox, QLineEdit)
        for w in window.findChildren(kind)
        if w.isVisible()
    ]
    unnamed = [w for w in controls if not (w.accessibleName() or getattr(w, "text", str)())]
    assert not unnamed, [type(w).__name__ for w in unnamed]
    shortcuts = {
        action.text().replace("&", ""): action.shortcut().toString() for action in window.actions()
    }
    for action in (
        "New conversation",
        "Export…",
        "Summarise the selected documents",
        "Add files…",
        "Models…",
    ):
        assert shortcuts.get(action), (action, shortcuts)
