"""The catalog: the SQLite file of the documents in a library, with their pages, and reading it."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.documents import Document, Page
from core.errors import LibraryError
from core.library.transactions import Transactions, failure_kind
from core.settings import library_dir as chosen_library_dir

CATALOG_NAME = "catalog.sqlite"
BUSY_TIMEOUT_S = 30.0  # how long to wait for another process that is writing to the catalog

PathLike = str | os.PathLike[str]

_DOCUMENT_COLUMNS = (
    "id, path, title, format, page_unit, page_count, char_count, sha256, size, added_at, updated_at"
)


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """A document's entry in the catalog, without its text."""

    id: int
    path: str
    title: str
    format: str
    page_unit: str
    page_count: int
    char_count: int
    sha256: str
    size: int  # bytes of the file when it was read
    added_at: str  # ISO 8601, UTC
    updated_at: str

    @property
    def name(self) -> str:
        return Path(self.path).name


class Catalog(Transactions):
    """The catalog of a library folder: opening it, reading its documents, removing one.

    The other jobs of `Library` (core.library) build on this: ingest, index, folders,
    integrity.
    """

    def __init__(self, dir: PathLike | None = None) -> None:
        folder = Path(dir).expanduser() if dir is not None else chosen_library_dir()
        self.dir = folder.absolute()  # messages name the folder in full
        self.catalog = self.dir / CATALOG_NAME
        self._lock = threading.RLock()
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise LibraryError(
                f"Longread could not create its library folder “{self.dir}” "
                f"({e.strerror or e}). Check that you may write there, or choose another folder."
            ) from None
        self._db: sqlite3.Connection | None = self._open()

    def _open(self) -> sqlite3.Connection:
        db = self._connect(
            self.catalog,
            BUSY_TIMEOUT_S,
            None,
            lambda newer: (
                f"The library in “{self.dir}” was made by a newer version of Longread "
                f"(it has changes this version does not know: {', '.join(newer)}). "
                "Update Longread to open it, or choose another library folder."
            ),
        )
        db.row_factory = sqlite3.Row
        return db

    # -- (closing and `with`: core.library.transactions) ------------------------------------

    def __repr__(self) -> str:
        return f"Library({str(self.dir)!r})"

    # -- reading ---------------------------------------------------------------------------

    def documents(self) -> list[DocumentInfo]:
        """Every document in the library, in the order they were first added."""
        with self._reading("list the documents of") as db:
            rows = db.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents ORDER BY id").fetchall()
        return [DocumentInfo(**row) for row in rows]

    def get(self, doc_id: int) -> Document:
        """The document with this id, with all its pages."""
        with self._reading("read a document from") as db:
            row = db.execute(
                "SELECT id, path, title, sha256, format, page_unit FROM documents WHERE id = ?",
                (doc_id,),
            ).fetchone()
            if row is None:
                raise LibraryError(
                    f"Document {doc_id} is not in the library. It may have been removed."
                )
            pages = [
                Page(number=r[0], text=r[1], label=r[2], start=r[3], end=r[4])
                for r in db.execute(
                    'SELECT number, text, label, "start", "end" FROM pages '
                    "WHERE doc_id = ? ORDER BY number",
                    (doc_id,),
                )
            ]
        return Document(pages=pages, **row)

    def find(self, id_or_path: int | PathLike) -> DocumentInfo | None:
        """The document with this id (an int or a numeric string) or this file path, if any."""
        with self._reading("look up a document in") as db:
            return self._find(db, id_or_path)

    # -- changing --------------------------------------------------------------------------

    def remove(self, id_or_path: int | PathLike) -> DocumentInfo:
        """Take a document (by id or path) out of the library; the file itself is not touched."""
        with self._writing("remove a document from") as db:
            info = self._find(db, id_or_path)
            if info is None:
                raise LibraryError(
                    f"“{id_or_path}” is not in the library, so it cannot be removed. "
                    "Use a document number or path from the list of documents."
                )
            db.execute("DELETE FROM documents WHERE id = ?", (info.id,))  # pages, chunks: cascade
            bump_generation(db)
            self._keep_removed(db, info)  # core.library.folders: a sync must not bring it back
        self._update_search_index()  # core.library.index
        return info

    @staticmethod
    def _delete(db: sqlite3.Connection, gone: list[DocumentInfo]) -> None:
        """Delete these documents (their pages and chunks go with them) in the transaction."""
        for batch in batches([info.id for info in gone]):
            db.execute(f"DELETE FROM documents WHERE id IN ({','.join('?' * len(batch))})", batch)
        if gone:
            bump_generation(db)

    # -- rows ------------------------------------------------------------------------------

    def _find(self, db: sqlite3.Connection, id_or_path: int | PathLike) -> DocumentInfo | None:
        if isinstance(id_or_path, int):
            return self._row(db, "id = ?", id_or_path)
        text = os.fspath(id_or_path)
        # A number names a document by id, unless no document has it: then it is a file name.
        if (
            isinstance(id_or_path, str)
            and text.strip().isdigit()
            and (info := self._row(db, "id = ?", int(text)))
        ):
            return info
        return self._row(db, "path = ?", str(Path(text).expanduser().resolve()))

    @staticmethod
    def _row(db: sqlite3.Connection, where: str, *args: object) -> DocumentInfo | None:
        row = db.execute(
            f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE {where}", args
        ).fetchone()
        return DocumentInfo(**row) if row is not None else None

    @staticmethod
    def _rows(db: sqlite3.Connection, where: str, *args: object) -> list[DocumentInfo]:
        rows = db.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE {where}", args)
        return [DocumentInfo(**row) for row in rows]

    # -- what a failure means for the user --------------------------------------------------

    def _closed_error(self) -> LibraryError:
        return LibraryError(f"The library in “{self.dir}” has been closed.")

    def _error(self, action: str, error: sqlite3.Error) -> LibraryError:
        """A message for the user about a failure of the catalog itself."""
        kind = failure_kind(error)
        if kind == "damaged":
            return LibraryError(
                f"The library catalog “{self.catalog}” is damaged or is not a Longread catalog, "
                f"so Longread could not {action} the library in “{self.dir}”. Move that folder "
                "aside (or rename the catalog file) and add your documents again; "
                "the documents themselves are not affected."
            )
        reason = {
            "full": "the disk is full. Free some space and try again",
            "busy": "another program is using it. Close other Longread windows and try again",
            "not writable": "it may not be written there. Check the folder's permissions",
        }.get(kind, str(error))
        return LibraryError(f"Longread could not {action} the library in “{self.dir}”: {reason}.")


def batches(items: list, size: int = 500) -> Iterator[list]:
    """Slices of `items` small enough for one SQL statement's parameters."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def bump_generation(db: sqlite3.Connection) -> None:
    """Mark the search index as behind the catalog (see core.library.index)."""
    db.execute(
        "UPDATE search_state SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
    )
