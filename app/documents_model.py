"""The rows of the library list as a Qt table model: one row per document (or file on its way
in), with its title and its state (queued, reading, indexing, ready, failed).

A library can hold thousands of documents, so the model keeps a plain list of rows and a
path → position dict: a file's state change touches one row and tells the views about that row
alone, and a refreshed library adds and removes only the rows that changed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from core.documents.models import count_pages
from core.library import DocumentInfo

TITLE, STATUS = 0, 1
HEADERS = ("Title", "Status")

DISPLAY_ROLE = int(Qt.ItemDataRole.DisplayRole)
TOOLTIP_ROLE = int(Qt.ItemDataRole.ToolTipRole)
FOREGROUND_ROLE = int(Qt.ItemDataRole.ForegroundRole)
PATH_ROLE = int(Qt.ItemDataRole.UserRole)
ID_ROLE = PATH_ROLE + 1
FILTER_ROLE = PATH_ROLE + 2  # what the filter field matches: the title and the path

STATE_WORDS = {
    "queued": "queued",
    "reading": "reading…",
    "indexing": "indexing…",
    "ready": "ready",
    "failed": "failed",
}
STATE_COLOURS = {"failed": QBrush(QColor("#c0392b")), "ready": QBrush(QColor("#2e7d32"))}
IN_PROGRESS = ("queued", "reading", "indexing")

# Past this many changed rows (or half the list, if more) a refresh resets the model rather
# than signalling row by row: the views redo one sort instead of thousands of small updates.
FEW_CHANGES = 100

_ROOT = QModelIndex()


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """One line of the list. `id` and `pages` are None until the file is in the library."""

    path: str
    title: str
    state: str
    fraction: float | None = None  # how far indexing has got, 0 to 1
    message: str = ""  # why it failed, or what it is doing
    id: int | None = None
    pages: str | None = None  # "36 pages", in the document's own unit
    format: str = ""

    @classmethod
    def of_file(cls, path: str, state: str, fraction: float | None, message: str) -> DocumentRow:
        """A file on its way in, named by its file name until the library gives it a title."""
        return cls(path, Path(path).name, state, fraction, message)

    @classmethod
    def of_document(cls, doc: DocumentInfo) -> DocumentRow:
        """A document in the library, ready."""
        pages = count_pages(doc.page_unit, doc.page_count)
        return cls(doc.path, doc.title, "ready", id=doc.id, pages=pages, format=doc.format)

    def with_document(self, doc: DocumentInfo) -> DocumentRow:
        """This row as the library now describes it; a file being read again keeps its
        progress, and a file that had failed is ready now that the library holds it."""
        row = DocumentRow.of_document(doc)
        if self.state in IN_PROGRESS:
            row = replace(row, state=self.state, fraction=self.fraction, message=self.message)
        return row

    @property
    def status(self) -> str:
        """The Status column: "indexing 40%", the page count once ready, or the state."""
        if self.state == "indexing" and self.fraction is not None:
            return f"indexing {int(self.fraction * 100)}%"
        if self.state == "ready" and self.pages:
            return self.pages
        return STATE_WORDS.get(self.state, self.state)

    @property
    def title_tip(self) -> str:
        if self.state == "failed":
            return f"{self.path}\n\n{self.message}"
        if self.id is None:
            return self.path
        return f"{self.title}\n{self.path}\n{self.pages}, {self.format.upper()}"

    @property
    def status_tip(self) -> str:
        if self.state == "failed":
            return self.message
        return self.message or STATE_WORDS.get(self.state, self.state)


class DocumentsModel(QAbstractTableModel):
    """The list's rows, in the order they arrived (the view sorts them through a proxy)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[DocumentRow] = []
        self._where: dict[str, int] = {}  # path → position in _rows

    # -- what the views ask ------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = DISPLAY_ROLE
    ) -> str | None:
        if orientation == Qt.Orientation.Horizontal and role == DISPLAY_ROLE:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY_ROLE) -> object:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == DISPLAY_ROLE:
            return row.title if column == TITLE else row.status
        if role == FILTER_ROLE:
            return f"{row.title} {row.path}"
        if role == TOOLTIP_ROLE:
            return row.title_tip if column == TITLE else row.status_tip
        if role == FOREGROUND_ROLE:
            return STATE_COLOURS.get(row.state) if column == STATUS else None
        if role == PATH_ROLE:
            return row.path
        if role == ID_ROLE:
            return row.id
        return None

    # -- reading it --------------------------------------------------------------------------

    def row(self, path: str) -> DocumentRow | None:
        at = self._where.get(path)
        return self._rows[at] if at is not None else None

    def rows(self) -> list[DocumentRow]:
        return list(self._rows)

    def index_of(self, path: str, column: int = TITLE) -> QModelIndex:
        """The model index of a path's row (invalid if the path is not listed)."""
        at = self._where.get(path)
        return self.index(at, column) if at is not None else QModelIndex()

    # -- changing it -------------------------------------------------------------------------

    def set_documents(self, documents: list[DocumentInfo]) -> None:
        """Make the rows match the library: its documents are ready (unless being read
        again), ready rows it no longer holds go; files still on their way in, or that
        failed, stay. Only the rows that changed are signalled, unless most of them did."""
        listed = {doc.path for doc in documents}
        gone = [row.path for row in self._rows if row.state == "ready" and row.path not in listed]
        changed: dict[str, DocumentRow] = {}
        fresh: dict[str, DocumentRow] = {}
        for doc in documents:
            old = self.row(doc.path)
            if old is None:
                fresh[doc.path] = DocumentRow.of_document(doc)
            elif (new := old.with_document(doc)) != old:
                changed[doc.path] = new
        if len(gone) + len(changed) + len(fresh) > max(len(self._rows) // 2, FEW_CHANGES):
            dropped = set(gone)
            kept = [changed.get(r.path, r) for r in self._rows if r.path not in dropped]
            self.beginResetModel()
            self._rows = kept + list(fresh.values())
            self._reindex()
            self.endResetModel()
            return
        self.remove(gone)
        self._replace(list(changed.values()))
        self._append(list(fresh.values()))

    def set_state(self, path: str, state: str, fraction: float | None, message: str) -> None:
        """A file's progress; a file not listed yet gets a row of its own."""
        old = self.row(path)
        if old is None:
            self._append([DocumentRow.of_file(path, state, fraction, message)])
        else:
            self._replace([replace(old, state=state, fraction=fraction, message=message)])

    def remove(self, paths: list[str]) -> None:
        """Take these paths' rows out, one signal per run of neighbouring rows."""
        positions = sorted({self._where[p] for p in paths if p in self._where})
        for first, last in reversed(runs(positions)):  # from the end: the rest keep their place
            self.beginRemoveRows(_ROOT, first, last)
            del self._rows[first : last + 1]
            self.endRemoveRows()
        if positions:
            self._reindex()

    # -- internals ---------------------------------------------------------------------------

    def _replace(self, rows: list[DocumentRow]) -> None:
        """Put new versions of listed rows in place; only those that differ are signalled."""
        positions = []
        for row in rows:
            at = self._where[row.path]
            if self._rows[at] != row:
                self._rows[at] = row
                positions.append(at)
        for first, last in runs(sorted(positions)):
            self.dataChanged.emit(self.index(first, TITLE), self.index(last, STATUS))

    def _append(self, rows: list[DocumentRow]) -> None:
        if not rows:
            return
        start = len(self._rows)
        self.beginInsertRows(_ROOT, start, start + len(rows) - 1)
        self._rows.extend(rows)
        self._where.update((row.path, at) for at, row in enumerate(rows, start))
        self.endInsertRows()

    def _reindex(self) -> None:
        self._where = {row.path: at for at, row in enumerate(self._rows)}


def runs(positions: list[int]) -> list[tuple[int, int]]:
    """Ascending positions as (first, last) runs of neighbours: [1, 2, 3, 7] → [(1, 3), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for at in positions:
        if runs and at == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], at)
        else:
            runs.append((at, at))
    return runs
