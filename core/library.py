"""The on-disk library: a SQLite catalog of the documents a user has added, with their pages.

Crash safety comes from SQLite's write-ahead log and from writing each document (its row and
all of its pages) in one transaction: a process killed at any moment leaves every document
that was committed before intact, and none half-written.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core import documents, migrations
from core.documents import Document, Limits, Page
from core.errors import (
    DocumentError,
    FileAccessError,
    FileMissingError,
    LibraryError,
    NotAFileError,
)
from core.paths import default_library_dir

CATALOG_NAME = "catalog.sqlite"
BUSY_TIMEOUT_S = 30.0  # how long to wait for another process that is writing to the catalog

ProgressCallback = Callable[[int, int, str], None]
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


@dataclass
class AddReport:
    """What `Library.add` did with each file it was given or found."""

    added: list[DocumentInfo] = field(default_factory=list)
    updated: list[DocumentInfo] = field(default_factory=list)
    # (file, the document already holding its content: the same file, or a copy elsewhere)
    unchanged: list[tuple[str, DocumentInfo]] = field(default_factory=list)
    # files and folders inside the folders given that were not tried: hidden, or not a format
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, message for the user)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        """One line for a status bar, e.g. "3 added, 1 failed"."""
        parts = [
            f"{len(items)} {word}"
            for items, word in (
                (self.added, "added"),
                (self.updated, "updated"),
                (self.unchanged, "unchanged"),
                (self.skipped, "skipped"),
                (self.failed, "failed"),
            )
            if items
        ]
        text = ", ".join(parts) or "nothing to add"
        return f"{text} (stopped before the end)" if self.cancelled else text


class Library:
    """The documents a user has added, stored in `dir` (default: the per-user library folder).

    Safe to share between threads (each call takes the connection's lock; parsing runs
    outside it) and between processes (SQLite's locking, with a busy timeout).
    """

    def __init__(self, dir: PathLike | None = None) -> None:
        folder = Path(dir).expanduser() if dir is not None else default_library_dir()
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
        try:
            # Autocommit mode: every transaction below is an explicit BEGIN ... COMMIT.
            db = sqlite3.connect(
                self.catalog, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as e:
            raise self._error("open", e) from None
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            # FULL: a document reported as added survives a power cut too, not just a crash;
            # one fsync per document is nothing next to parsing it.
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            if newer := migrations.unknown(db):
                raise LibraryError(
                    f"The library in “{self.dir}” was made by a newer version of Longread "
                    f"(it has changes this version does not know: {', '.join(newer)}). "
                    "Update Longread to open it, or choose another library folder."
                )
            migrations.migrate(db)
        except sqlite3.Error as e:
            db.close()
            raise self._error("open", e) from None
        except BaseException:
            db.close()
            raise
        return db

    # -- context manager -------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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

    def check_integrity(self) -> list[str]:
        """Problems found in the catalog, each as a sentence; an empty list if it is sound."""
        problems: list[str] = []
        with self._reading("check") as db:
            for (message,) in db.execute("PRAGMA integrity_check"):
                if message != "ok":
                    problems.append(f"SQLite integrity check: {message}")
            for row in db.execute("PRAGMA foreign_key_check"):
                problems.append(f"A row of table {row[0]} belongs to no document (rowid {row[1]}).")
            expected = {
                r["id"]: (r["page_count"], r["char_count"], r["path"])
                for r in db.execute("SELECT id, page_count, char_count, path FROM documents")
            }
            seen: dict[int, tuple[int, int]] = {}  # doc id -> (pages seen, end of the last one)
            cursor = db.execute(
                'SELECT doc_id, number, "start", "end", text FROM pages ORDER BY doc_id, number'
            )
            for doc_id, number, start, end, text in cursor:
                count, last_end = seen.get(doc_id, (0, None))
                where = f"Document {doc_id}, page {number}"
                if number != count + 1:
                    problems.append(f"{where}: expected page {count + 1}.")
                want_start = 0 if last_end is None else last_end + len(documents.PAGE_SEPARATOR)
                if start != want_start or end - start != len(text):
                    problems.append(
                        f"{where}: span {start}-{end} does not match its text "
                        f"({len(text)} characters from {want_start})."
                    )
                seen[doc_id] = (count + 1, end)
            for doc_id, (page_count, char_count, path) in expected.items():
                count, last_end = seen.get(doc_id, (0, None))
                if count != page_count:
                    problems.append(
                        f"Document {doc_id} ({path}) has {count} pages stored, "
                        f"but its entry says {page_count}."
                    )
                elif (last_end or 0) != char_count:
                    problems.append(
                        f"Document {doc_id} ({path}) ends at character {last_end or 0}, "
                        f"but its entry says {char_count}."
                    )
        return problems

    # -- changing --------------------------------------------------------------------------

    def add(
        self,
        paths: PathLike | Iterable[PathLike],
        *,
        password: str | None = None,
        limits: Limits | None = None,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> AddReport:
        """Add files, and the documents found in folders (recursively), to the library.

        A file already in the library with the same content is left as it is; one whose
        content changed is read again and replaced (if it can no longer be read, its earlier
        version stays). A file that cannot be read is recorded in the report's `failed` with a
        message for the user, and the others are still added.
        `cancel` stops the work between files (and interrupts the file being read).
        """
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        report = AddReport()
        files = self._collect(paths, report)
        total = len(files)
        done = 0
        for path in files:
            if cancel is not None and cancel.is_set():
                report.cancelled = True
                break
            if on_progress is not None:
                on_progress(done, total, f"Reading {path.name}")
            try:
                self._add_file(path, report, password=password, limits=limits, cancel=cancel)
            except DocumentError as e:
                report.failed.append((str(path), str(e)))
            except InterruptedError:  # `cancel` was set while the file was being read
                report.cancelled = True
                break
            done += 1
        if on_progress is not None:
            on_progress(done, total, report.summary())
        return report

    def remove(self, id_or_path: int | PathLike) -> DocumentInfo:
        """Take a document (by id or path) out of the library; the file itself is not touched."""
        with self._writing("remove a document from") as db:
            info = self._find(db, id_or_path)
            if info is None:
                raise LibraryError(
                    f"“{id_or_path}” is not in the library, so it cannot be removed. "
                    "Use a document number or path from the list of documents."
                )
            db.execute("DELETE FROM documents WHERE id = ?", (info.id,))  # pages go by cascade
        return info

    # -- internals -------------------------------------------------------------------------

    def _collect(self, paths: Iterable[PathLike], report: AddReport) -> list[Path]:
        """The files to try, each once: those given, and the documents inside folders given."""
        files: list[Path] = []
        seen: set[Path] = set()
        for given in paths:
            path = Path(given).expanduser()
            found = self._walk(path, report) if path.is_dir() else [path]
            for file in found:
                file = file.resolve()
                if file not in seen:
                    seen.add(file)
                    files.append(file)
        return files

    @staticmethod
    def _walk(folder: Path, report: AddReport) -> list[Path]:
        found: list[Path] = []
        visited = {os.path.realpath(folder)}

        def unreadable(error: OSError) -> None:
            report.failed.append((error.filename, str(FileAccessError(error.filename))))

        # Links to folders are followed, but each real folder is walked once: no link loops.
        for root, dirnames, filenames in os.walk(folder, onerror=unreadable, followlinks=True):
            keep = []
            for name in sorted(dirnames):
                sub = os.path.join(root, name)
                real = os.path.realpath(sub)
                if _hidden(sub, name):
                    report.skipped.append(sub)
                elif real not in visited:
                    visited.add(real)
                    keep.append(name)
            dirnames[:] = keep
            for name in sorted(filenames):
                file = os.path.join(root, name)
                if _hidden(file, name) or not documents.is_supported(name):
                    report.skipped.append(file)
                else:
                    found.append(Path(file))
        return found

    def _add_file(
        self,
        path: Path,
        report: AddReport,
        *,
        password: str | None,
        limits: Limits | None,
        cancel: threading.Event | None,
    ) -> None:
        documents.check(path, limits)  # unsupported, missing, empty, too large: before hashing
        try:
            st = path.stat()
            digest = documents.file_sha256(path)
        except FileNotFoundError:
            raise FileMissingError(path) from None
        except PermissionError:
            raise FileAccessError(path) from None
        except OSError as e:
            raise NotAFileError(path, str(e)) from None
        key = str(path)
        with self._reading("look up a document in") as db:
            current = self._row(db, "path = ?", key)
            copies = [] if current else self._rows(db, "sha256 = ? ORDER BY id", digest)
        if current is not None and current.sha256 == digest:
            report.unchanged.append((key, current))
            return
        replacing = current
        if replacing is None and copies:
            if original := next((c for c in copies if os.path.exists(c.path)), None):
                report.unchanged.append((key, original))
                return
            # Its content is only known under paths that are gone: the file was moved or
            # renamed. Keep the document's id so what is stored under it stays valid.
            replacing = copies[0]
        doc = documents.load(path, password=password, limits=limits, cancel=cancel, sha256=digest)
        info = self._store(doc, st, replacing)
        (report.updated if replacing is not None else report.added).append(info)

    def _store(
        self, doc: Document, st: os.stat_result, replacing: DocumentInfo | None
    ) -> DocumentInfo:
        """Write a document and all its pages in one transaction, replacing an older version."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        char_count = doc.pages[-1].end if doc.pages else 0
        values = {
            "path": doc.path,
            "title": doc.title,
            "sha256": doc.sha256,
            "format": doc.format,
            "page_unit": doc.page_unit,
            "size": st.st_size,
            "mtime": st.st_mtime,
            "page_count": len(doc.pages),
            "char_count": char_count,
            "now": now,
        }
        with self._writing("save a document in") as db:
            # Looked up again under the write lock: another process may have added it since.
            row = db.execute("SELECT id FROM documents WHERE path = ?", (doc.path,)).fetchone()
            if row is None and replacing is not None:
                row = db.execute(
                    "SELECT id FROM documents WHERE id = ?", (replacing.id,)
                ).fetchone()
            if row is None:
                doc_id = db.execute(
                    "INSERT INTO documents (path, title, sha256, format, page_unit, size, mtime, "
                    "page_count, char_count, added_at, updated_at) VALUES (:path, :title, "
                    ":sha256, :format, :page_unit, :size, :mtime, :page_count, :char_count, "
                    ":now, :now)",
                    values,
                ).lastrowid
            else:
                doc_id = row[0]
                db.execute(
                    "UPDATE documents SET path = :path, title = :title, sha256 = :sha256, "
                    "format = :format, page_unit = :page_unit, size = :size, mtime = :mtime, "
                    "page_count = :page_count, char_count = :char_count, updated_at = :now "
                    "WHERE id = :id",
                    {**values, "id": doc_id},
                )
                db.execute("DELETE FROM pages WHERE doc_id = ?", (doc_id,))
            db.executemany(
                'INSERT INTO pages (doc_id, number, label, text, "start", "end") '
                "VALUES (?, ?, ?, ?, ?, ?)",
                ((doc_id, p.number, p.label, p.text, p.start, p.end) for p in doc.pages),
            )
            info = self._row(db, "id = ?", doc_id)
        doc.id = doc_id
        assert info is not None
        return info

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

    @contextlib.contextmanager
    def _reading(self, action: str) -> Iterator[sqlite3.Connection]:
        """A read transaction, so that several queries see one state of the catalog."""
        with self._transaction("BEGIN", action) as db:
            yield db

    @contextlib.contextmanager
    def _writing(self, action: str) -> Iterator[sqlite3.Connection]:
        """A write transaction: everything inside it is saved together, or not at all."""
        # IMMEDIATE takes the write lock now, so a busy catalog waits here rather than
        # failing half-way through.
        with self._transaction("BEGIN IMMEDIATE", action) as db:
            yield db

    @contextlib.contextmanager
    def _transaction(self, begin: str, action: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = self._db
            if db is None:
                raise LibraryError(f"The library in “{self.dir}” has been closed.")
            try:
                db.execute(begin)
                try:
                    yield db
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            except sqlite3.Error as e:
                if db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                raise self._error(action, e) from None

    def _error(self, action: str, error: sqlite3.Error) -> LibraryError:
        """A message for the user about a failure of the catalog itself."""
        code = getattr(error, "sqlite_errorname", "")
        if code in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or code.startswith("SQLITE_CORRUPT_"):
            return LibraryError(
                f"The library catalog “{self.catalog}” is damaged or is not a Longread catalog, "
                f"so Longread could not {action} the library in “{self.dir}”. Move that folder "
                "aside (or rename the catalog file) and add your documents again; "
                "the documents themselves are not affected."
            )
        if code == "SQLITE_FULL":
            reason = "the disk is full. Free some space and try again"
        elif code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            reason = "another program is using it. Close other Longread windows and try again"
        elif code.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN", "SQLITE_AUTH")):
            reason = "it may not be written there. Check the folder's permissions"
        else:
            reason = f"{error}"
        return LibraryError(f"Longread could not {action} the library in “{self.dir}”: {reason}.")


def _hidden(path: str, name: str) -> bool:
    """Hidden files and folders, and Office's "~$" lock files, which are not documents."""
    if name.startswith((".", "~$")):
        return True
    if os.name == "nt":
        try:
            attributes = os.stat(path, follow_symlinks=False).st_file_attributes
        except OSError:
            return False
        return bool(attributes & stat.FILE_ATTRIBUTE_HIDDEN)
    return False
