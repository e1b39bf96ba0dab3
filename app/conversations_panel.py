"""The list of saved conversations: open one, start a new one, rename or delete."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.library.conversations import UNTITLED, Conversation

ID_ROLE = Qt.ItemDataRole.UserRole


class ConversationsPanel(QWidget):
    """Emits what the user asks for; the window does it and calls `set_conversations`."""

    open_requested = Signal(int)
    new_requested = Signal()
    rename_requested = Signal(int, str)
    delete_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setAccessibleName("Conversations")
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        self.new = QPushButton("New")
        self.new.setAccessibleName("Start a new conversation")
        self.new.setToolTip("Start a new conversation (Ctrl+N)")
        self.new.clicked.connect(self.new_requested)
        top = QHBoxLayout()
        top.addWidget(QLabel("<b>Conversations</b>"))
        top.addStretch(1)
        top.addWidget(self.new)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)

    def set_conversations(self, conversations: list[Conversation], current: int | None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for c in conversations:
            item = QListWidgetItem(c.title or UNTITLED)
            item.setData(ID_ROLE, c.id)
            answers = c.message_count // 2
            item.setToolTip(
                f"{c.title or UNTITLED}\n{answers} answer{'s' if answers != 1 else ''} · "
                f"last used {c.updated_at[:16].replace('T', ' ')} UTC"
            )
            self.list.addItem(item)
            if c.id == current:
                item.setSelected(True)
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)

    def titles(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def _activated(self, item: QListWidgetItem) -> None:
        self.open_requested.emit(item.data(ID_ROLE))

    def _menu(self, position) -> None:
        item = self.list.itemAt(position)
        if item is None:
            return
        menu = QMenu(self)
        rename = QAction("Rename…", menu)
        delete = QAction("Delete", menu)
        rename.triggered.connect(lambda: self.ask_rename(item))
        delete.triggered.connect(lambda: self.ask_delete(item))
        menu.addAction(rename)
        menu.addAction(delete)
        menu.exec(self.list.viewport().mapToGlobal(position))

    def ask_rename(self, item: QListWidgetItem) -> None:
        title, ok = QInputDialog.getText(self, "Rename conversation", "Title:", text=item.text())
        if ok and title.strip():
            self.rename_requested.emit(item.data(ID_ROLE), title.strip())

    def ask_delete(self, item: QListWidgetItem) -> None:
        answer = QMessageBox.question(
            self,
            "Delete conversation",
            f"Delete “{item.text()}” and its answers? The documents are not affected.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_requested.emit(item.data(ID_ROLE))
