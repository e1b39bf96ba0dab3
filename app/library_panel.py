"""The library panel: the documents, where each one is (queued, reading, indexing, ready,
failed), a filter, and the buttons that add and remove them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.documents.models import count_pages
from core.library import DocumentInfo, owning_folder

PATH_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1

STATE_WORDS = {
    "queued": "queued",
    "reading": "reading…",
    "indexing": "indexing…",
    "ready": "ready",
    "failed": "failed",
}
STATE_COLOURS = {"failed": "#c0392b", "ready": "#2e7d32"}


class LibraryPanel(QWidget):
    """Lists the documents; emits what the user asks for, never changes the library itself."""

    add_files_requested = Signal()
    add_folder_requested = Signal()
    remove_requested = Signal(list)  # the paths of the selected documents
    unwatch_requested = Signal(str)  # a watched folder: stop watching it, keep its documents
    remove_folder_requested = Signal(str)  # a watched folder: take it and its documents out
    selection_changed = Signal()
    summarise_requested = Signal(list)  # the ids of the documents to summarise

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("<b>Documents</b>")
        self.watching = QLabel()
        self.watching.setAccessibleName("Watched folders")
        self.watching.setWordWrap(True)
        self.watching.hide()
        self.folders: list[str] = []
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by title…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName("Filter documents")
        self.filter.textChanged.connect(self._apply_filter)

        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Documents in the library")
        self.tree.setHeaderLabels(["Title", "Status"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)

        self.add_files = QPushButton("Add files…")
        self.add_files.setAccessibleName("Add files to the library")
        self.add_files.clicked.connect(self.add_files_requested)
        self.add_folder = QPushButton("Add folder…")
        self.add_folder.setAccessibleName("Add a folder to the library")
        self.add_folder.clicked.connect(self.add_folder_requested)
        self.remove = QPushButton("Remove")
        self.remove.setAccessibleName("Remove the selected documents from the library")
        self.remove.setToolTip("Remove the selected documents from the library (the files stay)")
        self.remove.setEnabled(False)
        self.remove.clicked.connect(self._remove_clicked)
        QShortcut(QKeySequence.StandardKey.Delete, self.tree, self._remove_clicked)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_files)
        buttons.addWidget(self.add_folder)
        buttons.addStretch(1)
        buttons.addWidget(self.remove)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.watching)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self._items: dict[str, QTreeWidgetItem] = {}

    # -- what the window tells it ------------------------------------------------------------

    def set_documents(self, documents: list[DocumentInfo]) -> None:
        """Show the library's documents as ready; files still being added or that failed stay."""
        self.tree.setSortingEnabled(False)
        known = {d.path for d in documents}
        for path, item in list(self._items.items()):
            state = item.data(1, PATH_ROLE)
            if path not in known and state == "ready":  # removed
                self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))
                del self._items[path]
        for doc in documents:
            item = self._item(doc.path)
            item.setText(0, doc.title)
            item.setData(0, ID_ROLE, doc.id)
            pages = count_pages(doc.page_unit, doc.page_count)
            item.setData(1, Qt.ItemDataRole.UserRole + 2, pages)
            item.setToolTip(0, f"{doc.title}\n{doc.path}\n{pages}, {doc.format.upper()}")
            if item.data(1, PATH_ROLE) in (None, "ready", "failed"):
                self._show_state(item, "ready", None, "")
        self.tree.setSortingEnabled(True)
        self._apply_filter(self.filter.text())

    def set_folders(self, folders: list[str]) -> None:
        """The folders watched for changes: said under the title, offered in the right-click
        menu."""
        self.folders = sorted(folders)
        if not self.folders:
            self.watching.hide()
            return
        names = ", ".join(Path(f).name or f for f in self.folders[:3])
        more = f" and {len(self.folders) - 3} more" if len(self.folders) > 3 else ""
        self.watching.setText(f"Watching for changes: {names}{more}")
        self.watching.setToolTip(
            "Files added, changed or deleted in these folders are brought into the library "
            "by themselves (right-click a document to stop):\n" + "\n".join(self.folders)
        )
        self.watching.show()

    def folder_menu(self, path: str | None) -> QMenu:
        """The right-click menu for a document (None: the empty part of the list): for the
        watched folder that holds it (or for every watched folder), stop watching it or
        remove it from the library."""
        menu = QMenu(self)
        holder = owning_folder(path, self.folders) if path else None
        for folder in [holder] if holder else self.folders:
            name = Path(folder).name or folder
            stop = menu.addAction(f"Stop watching folder “{name}”")
            stop.setToolTip(f"{folder}\nIts documents stay in the library as they are now.")
            stop.triggered.connect(lambda _=False, f=folder: self.unwatch_requested.emit(f))
            remove = menu.addAction(f"Remove folder “{name}” from the library")
            remove.setToolTip(f"{folder}\nIts documents are removed; the files stay.")
            remove.triggered.connect(lambda _=False, f=folder: self.remove_folder_requested.emit(f))
        return menu

    def set_file_state(self, path: str, state: str, fraction: float | None, message: str) -> None:
        item = self._item(path)
        if not item.text(0):
            item.setText(0, Path(path).name)
            item.setToolTip(0, path)
        self._show_state(item, state, fraction, message)
        self._apply_filter(self.filter.text())

    def state_of(self, path: str) -> str | None:
        item = self._items.get(path)
        return item.data(1, PATH_ROLE) if item is not None else None

    def status_text(self, path: str) -> str:
        item = self._items.get(path)
        return item.text(1) if item is not None else ""

    def selected_ids(self) -> list[int]:
        ids = [item.data(0, ID_ROLE) for item in self.tree.selectedItems()]
        return [i for i in ids if i is not None]

    def select_ids(self, ids: list[int]) -> None:
        """Select exactly these documents (a reopened conversation's), showing the first."""
        wanted = set(ids)
        self.tree.clearSelection()
        first = None
        for item in self._items.values():
            if item.data(0, ID_ROLE) in wanted:
                item.setSelected(True)
                first = first or item
        if first is not None:
            self.tree.scrollToItem(first)

    def title_of(self, doc_id: int) -> str | None:
        for item in self._items.values():
            if item.data(0, ID_ROLE) == doc_id:
                return item.text(0)
        return None

    def selected_paths(self) -> list[str]:
        return [item.data(0, PATH_ROLE) for item in self.tree.selectedItems()]

    def forget(self, paths: list[str]) -> None:
        """Take entries out of the list (failed files the user dismissed, removed documents)."""
        for path in paths:
            if (item := self._items.pop(path, None)) is not None:
                self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))

    def document_count(self) -> int:
        """Documents in the library or on their way in (failed files not counted)."""
        return sum(1 for item in self._items.values() if item.data(1, PATH_ROLE) != "failed")

    def titles(self) -> list[str]:
        return [self.tree.topLevelItem(i).text(0) for i in range(self.tree.topLevelItemCount())]

    def visible_titles(self) -> list[str]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [item.text(0) for item in items if not item.isHidden()]

    # -- internals ---------------------------------------------------------------------------

    def _item(self, path: str) -> QTreeWidgetItem:
        item = self._items.get(path)
        if item is None:
            item = QTreeWidgetItem(self.tree)
            item.setData(0, PATH_ROLE, path)
            self._items[path] = item
        return item

    def _show_state(
        self, item: QTreeWidgetItem, state: str, fraction: float | None, message: str
    ) -> None:
        item.setData(1, PATH_ROLE, state)
        words = STATE_WORDS.get(state, state)
        if state == "indexing" and fraction is not None:
            words = f"indexing {int(fraction * 100)}%"
        elif state == "ready":
            words = item.data(1, Qt.ItemDataRole.UserRole + 2) or "ready"
        item.setText(1, words)
        colour = STATE_COLOURS.get(state)
        item.setForeground(1, QBrush(QColor(colour)) if colour else QBrush())
        tip = message if state == "failed" else (message or STATE_WORDS.get(state, state))
        item.setToolTip(1, tip)
        if state == "failed":
            item.setToolTip(0, f"{item.data(0, PATH_ROLE)}\n\n{message}")

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            haystack = f"{item.text(0)} {item.data(0, PATH_ROLE)}".lower()
            item.setHidden(bool(needle) and needle not in haystack)

    def _selection_changed(self) -> None:
        self.remove.setEnabled(bool(self.tree.selectedItems()))
        self.selection_changed.emit()

    def _context_menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        menu = self.document_menu(item)
        if not menu.isEmpty():
            menu.exec(self.tree.viewport().mapToGlobal(pos))

    def document_menu(self, item: QTreeWidgetItem | None) -> QMenu:
        """The right-click menu: Summarise the document (or the selected ones, when it is one
        of them), then what the folder menu offers."""
        menu = self.folder_menu(item.data(0, PATH_ROLE) if item is not None else None)
        doc_id = item.data(0, ID_ROLE) if item is not None else None
        if doc_id is not None:
            ids = self.selected_ids() if item.isSelected() else [doc_id]
            label = "Summarise" if len(ids) == 1 else f"Summarise the {len(ids)} documents"
            first = menu.actions()[0] if menu.actions() else None
            action = menu.addAction(label) if first is None else QAction(label, menu)
            if first is not None:
                menu.insertAction(first, action)
                menu.insertSeparator(first)
            action.setToolTip("Every part is read; each point of the summary cites its page.")
            action.triggered.connect(lambda _=False, i=ids: self.summarise_requested.emit(i))
        return menu

    def _remove_clicked(self) -> None:
        if paths := self.selected_paths():
            self.remove_requested.emit(paths)
