"""The library panel: the documents, where each one is (queued, reading, indexing, ready,
failed), a filter, and the buttons that add and remove them.

The list is a model and a view (app/documents_model.py) so that a library of thousands of
documents scrolls, filters and sorts without stalling the window."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.documents_model import FILTER_ROLE, PATH_ROLE, STATUS, TITLE, DocumentsModel, runs
from core.library import DocumentInfo, owning_folder


class _Selection(QItemSelectionModel):
    """The list's selection model, saying when a selection is about to replace the whole
    selection (a plain click, Select All) rather than add to it (a Ctrl-click): documents
    hidden by the filter are then deselected too, as they would be were they shown."""

    replacing = Signal()

    def select(
        self,
        selection: QItemSelection | QModelIndex | QPersistentModelIndex,
        command: QItemSelectionModel.SelectionFlag,
    ) -> None:
        if command & QItemSelectionModel.SelectionFlag.Clear:
            self.replacing.emit()
        super().select(selection, command)


class _Filter(QSortFilterProxyModel):
    """Lets through the rows whose title or path holds the filter text, in the order its
    source (the sorting proxy) gives them. Sorting is left to that source, so that clearing
    the filter on thousands of rows costs one look at each row, not a sort whose every
    comparison asks the model for its data."""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sourceModel().sort(column, order)


class LibraryPanel(QWidget):
    """Lists the documents; emits what the user asks for, never changes the library itself.

    The selection is kept as paths, so that documents hidden by the filter stay selected
    (a filter helps find documents to add to a selection; it does not undo it)."""

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

        self.model = DocumentsModel(self)
        self.sorter = QSortFilterProxyModel(self)
        self.sorter.setSourceModel(self.model)
        self.sorter.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.sorter.setDynamicSortFilter(True)  # a changed state or title finds its place
        self.filtered = _Filter(self)
        self.filtered.setSourceModel(self.sorter)
        self.filtered.setFilterKeyColumn(TITLE)
        self.filtered.setFilterRole(FILTER_ROLE)
        self.filtered.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.tree = QTreeView()
        self.tree.setAccessibleName("Documents in the library")
        self.tree.setModel(self.filtered)
        default_selection = self.tree.selectionModel()
        self.tree.setSelectionModel(_Selection(self.filtered, self.tree))
        default_selection.deleteLater()
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(TITLE, Qt.SortOrder.AscendingOrder)
        header = self.tree.header()
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        # The Status column fits the rows in view and those around them, not all of them:
        # each row measured asks the model for its data several times.
        header.setResizeContentsPrecision(200)
        self.tree.selectionModel().selectionChanged.connect(self._view_selection_changed)
        self.tree.selectionModel().replacing.connect(self._selection_replacing)
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
        self._selected: dict[str, None] = {}  # the selected paths, shown or filtered out
        self._updating = False  # the list is changing under the view: its selection is ours

    # -- what the window tells it ------------------------------------------------------------

    def set_documents(self, documents: list[DocumentInfo]) -> None:
        """Show the library's documents as ready; files still being added or that failed stay."""
        with self._keeping_selection():
            self.model.set_documents(documents)

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
        """A file's progress (queued, reading, indexing with a fraction, ready, failed with
        why); a file not listed yet is added, named by its file name."""
        with self._keeping_selection():
            self.model.set_state(path, state, fraction, message)

    def state_of(self, path: str) -> str | None:
        row = self.model.row(path)
        return row.state if row is not None else None

    def status_text(self, path: str) -> str:
        row = self.model.row(path)
        return row.status if row is not None else ""

    def selected_ids(self) -> list[int]:
        rows = (self.model.row(path) for path in self._selected)
        return [row.id for row in rows if row is not None and row.id is not None]

    def select_ids(self, ids: list[int]) -> None:
        """Select exactly these documents (a reopened conversation's), showing the first."""
        wanted = set(ids)
        paths = [row.path for row in self.model.rows() if row.id in wanted]
        with self._keeping_selection():
            self._selected = dict.fromkeys(paths)
        shown = [self._view_index(path) for path in paths]
        if rows := [index for index in shown if index.isValid()]:
            self.tree.scrollTo(min(rows, key=QModelIndex.row))

    def title_of(self, doc_id: int) -> str | None:
        return next((row.title for row in self.model.rows() if row.id == doc_id), None)

    def selected_paths(self) -> list[str]:
        return list(self._selected)

    def forget(self, paths: list[str]) -> None:
        """Take entries out of the list (failed files the user dismissed, removed documents)."""
        with self._keeping_selection():
            self.model.remove(paths)

    def document_count(self) -> int:
        """Documents in the library or on their way in (failed files not counted)."""
        return sum(1 for row in self.model.rows() if row.state != "failed")

    def titles(self) -> list[str]:
        """Every title in the list, filtered out or not, in the order the list sorts them."""
        return [self.sorter.index(at, TITLE).data() for at in range(self.sorter.rowCount())]

    def visible_titles(self) -> list[str]:
        """The titles the filter lets through, in the order they are shown."""
        return [self.filtered.index(at, TITLE).data() for at in range(self.filtered.rowCount())]

    def document_menu(self, path: str | None) -> QMenu:
        """The right-click menu for a document (None: the empty part of the list): Summarise
        the document (or the selected ones, when it is one of them), then what the folder menu
        offers."""
        menu = self.folder_menu(path)
        row = self.model.row(path) if path is not None else None
        if row is not None and row.id is not None:
            ids = self.selected_ids() if row.path in self._selected else [row.id]
            label = "Summarise" if len(ids) == 1 else f"Summarise the {len(ids)} documents"
            first = menu.actions()[0] if menu.actions() else None
            action = menu.addAction(label) if first is None else QAction(label, menu)
            if first is not None:
                menu.insertAction(first, action)
                menu.insertSeparator(first)
            action.setToolTip("Every part is read; each point of the summary cites its page.")
            action.triggered.connect(lambda _=False, i=ids: self.summarise_requested.emit(i))
        return menu

    # -- internals ---------------------------------------------------------------------------

    def _apply_filter(self, text: str) -> None:
        """Show the documents whose title or path holds the text, in any case."""
        with self._keeping_selection():
            self.filtered.setFilterFixedString(text.strip())

    @contextmanager
    def _keeping_selection(self) -> Iterator[None]:
        """Change the list (or the selection) without the view's selection changes being
        taken for the user's: rows the filter hides drop out of the view's selection but stay
        selected here. Afterwards the view shows what is selected, and listeners hear of it
        if it changed (a selected document removed)."""
        before = list(self._selected)
        with self._quietly():
            yield
            self._selected = {p: None for p in self._selected if self.model.row(p) is not None}
            self._show_selection()
        if list(self._selected) != before:
            self._selection_changed()

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """The view's selection changes meanwhile are the panel's own doing, not the user's."""
        self._updating = True
        try:
            yield
        finally:
            self._updating = False

    def _show_selection(self) -> None:
        """Select in the view exactly the selected documents the filter shows."""
        rows = sorted(
            index.row() for path in self._selected if (index := self._view_index(path)).isValid()
        )
        if not rows and not self.tree.selectionModel().hasSelection():
            return
        selection = QItemSelection()
        for first, last in runs(rows):
            selection.select(self.filtered.index(first, TITLE), self.filtered.index(last, STATUS))
        self.tree.selectionModel().select(
            selection, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    def _view_index(self, path: str) -> QModelIndex:
        """Where a path's row is in the view (invalid if not listed or filtered out)."""
        return self.filtered.mapFromSource(self.sorter.mapFromSource(self.model.index_of(path)))

    def _selection_replacing(self) -> None:
        if self._updating:
            return
        shown = {p: None for p in self._selected if self._view_index(p).isValid()}
        if len(shown) != len(self._selected):
            self._selected = shown
            self._selection_changed()

    def _view_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        """The user changed the selection in the view: bring the kept selection up to date."""
        if self._updating:
            return
        for index in deselected.indexes():
            if index.column() == TITLE:
                self._selected.pop(index.data(PATH_ROLE), None)
        for index in selected.indexes():
            if index.column() == TITLE:
                self._selected[index.data(PATH_ROLE)] = None
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.remove.setEnabled(bool(self._selected))
        self.selection_changed.emit()

    def _context_menu(self, pos: QPoint) -> None:
        index = self.tree.indexAt(pos)
        menu = self.document_menu(index.data(PATH_ROLE) if index.isValid() else None)
        if not menu.isEmpty():
            menu.exec(self.tree.viewport().mapToGlobal(pos))

    def _remove_clicked(self) -> None:
        if paths := self.selected_paths():
            self.remove_requested.emit(paths)
