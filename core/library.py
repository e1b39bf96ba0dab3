"""The on-disk library: a SQLite catalog of the documents a user has added, with their pages
and their chunks, and the search index built from those chunks.

Crash safety comes from SQLite's write-ahead log and from writing each document (its row, all
of its pages, and its chunks with their vectors) in one transaction: a process killed at any
moment leaves every document that was committed before intact and searchable, and none
half-written. The FAISS and BM25 files next to the catalog are derived from it; they are
written atomically and brought back in step with it whenever they lag (see core.retrieval).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core import documents, migrations
from core.chunking import Chunk, content_hash
from core.documents import Document, Limits, Page, ocr
from core.errors import (
    DocumentError,
    FileAccessError,
    FileMissingError,
    FileNameError,
    LibraryError,
    NotAFileError,
    displayable,
)
from core.paths import default_library_dir
from core.transactions import Transactions, failure_kind

if TYPE_CHECKING:
    import numpy as np

    from core.chunking import Chunker
    from core.embeddings import Embedder
    from core.retrieval import SearchIndex

CATALOG_NAME = "catalog.sqlite"
BUSY_TIMEOUT_S = 30.0  # how long to wait for another process that is writing to the catalog
PROGRESS_EVERY_S = 0.5  # at most this often a progress message within one file
BIG_INDEX = 10_000  # updating the search index of more chunks than this says so in the progress
EMBED_TOGETHER = 64  # chunks of small files read one after another are embedded in one go

ProgressCallback = Callable[[int, int, str], None]
# on_file(path, state, fraction, message): where one file of an `add` is. state is "queued",
# "reading", "indexing" (fraction: how much of its text is embedded, when known), "ready" or
# "failed" (message: why, for the user). The window shows it beside each file.
FileCallback = Callable[[str, str, float | None, str], None]
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


@dataclass(frozen=True, slots=True)
class Passage:
    """A chunk found by `Library.search`: where it is, what it says, how well it matched.

    text is the document's own text at [start, end) of `Document.text`: a citation quotes it.
    """

    chunk_id: int
    doc_id: int
    title: str
    path: str
    page_unit: str  # "page", "chapter", ... (see core.documents.models)
    page_start: int  # page numbers, from 1
    page_end: int
    page_label: str  # the printed label of the first page ("iv", "12")
    page_end_label: str
    start: int
    end: int
    text: str
    score: float  # reciprocal-rank fusion of the two rankings below (higher is better)
    dense_rank: int | None  # rank by meaning (the vector index), None if not in its top
    keyword_rank: int | None  # rank by words (BM25), None if not in its top
    similarity: float | None = None  # cosine of passage and query, where dense_rank is set


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


@dataclass
class SyncReport:
    """What `Library.sync` found changed in the watched folders, and what it did about it."""

    added: list[DocumentInfo] = field(default_factory=list)
    changed: list[DocumentInfo] = field(default_factory=list)  # read again: new content
    # (the path it had, the document under its new path): renamed or moved, same content
    moved: list[tuple[str, DocumentInfo]] = field(default_factory=list)
    removed: list[DocumentInfo] = field(default_factory=list)  # their files were deleted
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, message for the user)
    # watched folders that are not there (a drive not connected, a folder moved or deleted):
    # nothing in them was removed
    missing: list[str] = field(default_factory=list)
    cancelled: bool = False

    @property
    def changes(self) -> int:
        return len(self.added) + len(self.changed) + len(self.moved) + len(self.removed)

    def summary(self) -> str:
        """One line for a status bar, e.g. "1 added, 1 changed, 1 removed"."""
        parts = [
            f"{len(items)} {word}"
            for items, word in (
                (self.added, "added"),
                (self.changed, "changed"),
                (self.moved, "renamed or moved"),
                (self.removed, "removed"),
                (self.failed, "failed"),
            )
            if items
        ]
        text = ", ".join(parts) or "no changes"
        return f"{text} (stopped before the end)" if self.cancelled else text


class Library(Transactions):
    """The documents a user has added, stored in `dir` (default: the per-user library folder).

    Safe to share between threads (each call takes the connection's lock; parsing runs
    outside it) and between processes (SQLite's locking, with a busy timeout).
    """

    def __init__(self, dir: PathLike | None = None, *, embedder: Embedder | None = None) -> None:
        """embedder: the model that embeds chunks and queries (default: the built-in one,
        loaded on first use; a library keeps the vectors of one model only)."""
        folder = Path(dir).expanduser() if dir is not None else default_library_dir()
        self.dir = folder.absolute()  # messages name the folder in full
        self.catalog = self.dir / CATALOG_NAME
        self._lock = threading.RLock()
        self._embedder = embedder
        self._chunker: Chunker | None = None
        self._index_lock = threading.RLock()  # the search index; taken before `_lock`
        self._index: SearchIndex | None = None
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

    # -- (closing and `with`: core.transactions) --------------------------------------------

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
            problems += self._check_chunks(db)
        problems += self._check_search_index()
        return problems

    def _check_chunks(self, db: sqlite3.Connection) -> list[str]:
        """Each chunk quotes its document exactly, on the pages it names, with a whole vector."""
        problems: list[str] = []
        row = db.execute("SELECT value FROM search_state WHERE key = 'dimension'").fetchone()
        vector_bytes = int(row[0]) * 4 if row is not None else None
        doc: Document | None = None
        text = ""
        expected_seq = 0
        for c in db.execute(
            'SELECT id, doc_id, seq, "start", "end", page_start, page_end, text, hash, '
            "length(vector) AS size FROM chunks ORDER BY doc_id, seq"
        ):
            if doc is None or doc.id != c["doc_id"]:
                doc = Document(path="", title="", sha256="", format="", page_unit="")
                doc.id = c["doc_id"]
                doc.pages = [
                    Page(number=r[0], text=r[1], start=r[2], end=r[3])
                    for r in db.execute(
                        'SELECT number, text, "start", "end" FROM pages WHERE doc_id = ? '
                        "ORDER BY number",
                        (doc.id,),
                    )
                ]
                text, expected_seq = doc.text, 0
            where = f"Document {c['doc_id']}, passage {c['seq']}"
            if c["seq"] != expected_seq:
                problems.append(f"{where}: expected passage {expected_seq}.")
            expected_seq = c["seq"] + 1
            if not doc.pages or text[c["start"] : c["end"]] != c["text"]:
                problems.append(f"{where}: its text is not the document's at {c['start']}.")
                continue
            pages = (doc.page_at(c["start"]).number, doc.page_at(c["end"] - 1).number)
            if pages != (c["page_start"], c["page_end"]):
                problems.append(f"{where}: says pages {c['page_start']}-{c['page_end']}.")
            if c["hash"] != content_hash(c["text"]):
                problems.append(f"{where}: its content hash does not match its text.")
            if vector_bytes is None or c["size"] != vector_bytes:
                problems.append(f"{where}: its vector has {c['size']} bytes.")
        return problems

    def _check_search_index(self) -> list[str]:
        """The search index, brought in step as on a search, agrees with the catalog."""
        with self._index_lock:
            if self._dimension() is None:
                return []
            try:
                index = self._search_index()
                return index.check(self._chunk_ids(), self._vectors_for, self._texts_for)
            except (LibraryError, ValueError) as e:  # e.g. a stored vector of the wrong size
                return [f"The search index could not be checked: {e}"]

    # -- changing --------------------------------------------------------------------------

    def add(
        self,
        paths: PathLike | Iterable[PathLike],
        *,
        password: str | None = None,
        limits: Limits | None = None,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        on_file: FileCallback | None = None,
    ) -> AddReport:
        """Add files, and the documents found in folders (recursively), to the library.

        A file already in the library with the same content is left as it is; one whose
        content changed is read again and replaced (if it can no longer be read, its earlier
        version stays). A file that cannot be read is recorded in the report's `failed` with a
        message for the user, and the others are still added.
        Each document is chunked and embedded as it is added, and the search index is brought
        up to date at the end (documents added by older versions are indexed then too).
        `on_progress(done, total, message)` counts files; within a long file the message says
        how far reading and embedding have got.
        `cancel` stops the work between files (and interrupts the file being read or embedded).
        `on_file` follows each file from queued to ready or failed (see FileCallback).
        Raises ModelError if the embedding model cannot be loaded.
        """
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        paths = list(paths)
        report = AddReport()
        files = self._collect(paths, report)
        total = len(files)
        done = 0
        tell = on_file or _no_file_callback
        for path in files:
            tell(str(path), "queued", None, "")
        pipeline = _Pipeline(self, report, cancel, tell)
        try:
            for path in files:
                if cancel is not None and cancel.is_set():
                    report.cancelled = True
                    break
                if on_progress is not None:
                    on_progress(done, total, f"Reading {path.name}")
                tell(str(path), "reading", None, "")
                stages = _FileProgress(on_progress, done, total, path.name, tell, [str(path)])
                try:
                    read = self._read_file(
                        path,
                        report,
                        pipeline,
                        password=password,
                        limits=limits,
                        cancel=cancel,
                        stages=stages,
                    )
                    if read is not None:
                        tell(str(path), "indexing", None, "")
                        pipeline.put(read, stages)
                    else:
                        tell(str(path), "ready", 1.0, "already in the library")
                except DocumentError as e:
                    report.failed.append((str(path), str(e)))
                    tell(str(path), "failed", None, str(e))
                done += 1
            pipeline.finish()
        except InterruptedError:  # `cancel` was set while a file was being read or embedded
            report.cancelled = True
        finally:
            pipeline.stop()
        if report.cancelled:
            # The files read but not yet embedded are a few small ones (a long file is embedded
            # as soon as it is read): keep them, it takes a moment.
            pipeline.cancel = None
            pipeline.finish()
            finished = {i.path for i in (*report.added, *report.updated)}
            finished |= {p for p, _ in report.unchanged} | {p for p, _ in report.failed}
            for path in files:
                if str(path) not in finished:
                    tell(str(path), "failed", None, "Stopped before it was added.")
        try:
            for info in [] if report.cancelled else self.pending():
                if cancel is not None and cancel.is_set():
                    raise InterruptedError("cancelled")
                stages = _FileProgress(on_progress, done, total, info.name)
                self._index_document(info, cancel, stages)
        except InterruptedError:
            report.cancelled = True

        def say(message: str) -> None:
            if on_progress is not None:
                on_progress(done, total, message)

        self._update_search_index(say)
        if not report.cancelled:
            self._watch_added(paths, report)
        if on_progress is not None:
            on_progress(done, total, report.summary())
        return report

    def index(
        self,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> list[DocumentInfo]:
        """Chunk and embed the documents that search cannot find yet (added by an older
        version of Longread), then update the search index; returns those documents.
        `add` does this too. Raises InterruptedError if `cancel` is set."""
        pending = self.pending()
        indexed: list[DocumentInfo] = []
        try:
            for number, info in enumerate(pending):
                if cancel is not None and cancel.is_set():
                    raise InterruptedError("cancelled")
                if on_progress is not None:
                    on_progress(number, len(pending), f"Indexing {info.name}")
                stages = _FileProgress(on_progress, number, len(pending), info.name)
                if self._index_document(info, cancel, stages):
                    indexed.append(info)
        finally:
            self._update_search_index()
        if on_progress is not None:
            on_progress(len(pending), len(pending), f"{len(indexed)} indexed")
        return indexed

    def _index_document(
        self, info: DocumentInfo, cancel: threading.Event | None, stages: _FileProgress
    ) -> bool:
        chunks = self.chunker().chunk(self.get(info.id))
        vectors = self._embed(chunks, cancel, stages)
        with self._writing("save the search index of") as db:
            current = db.execute("SELECT sha256 FROM documents WHERE id = ?", (info.id,)).fetchone()
            if current is None or current[0] != info.sha256:
                return False  # removed or replaced by another process meanwhile
            self._check_embedder(db)
            self._store_chunks(db, info.id, chunks, vectors)
        return True

    def search(self, query: str, k: int = 5, doc_ids: Iterable[int] | None = None) -> list[Passage]:
        """The k passages that best match `query` by meaning and by words, best first.

        doc_ids: search only these documents. Raises ModelError if the embedding model cannot
        be loaded.
        """
        import numpy as np

        if not query.strip() or self._dimension() is None:
            return []
        self._check_embedder(None)  # a query must be embedded by the model of the passages
        with self._index_lock:
            index = self._search_index()
            allowed = None
            if doc_ids is not None:
                wanted = sorted({int(d) for d in doc_ids})
                with self._reading("search") as db:
                    allowed = np.array(
                        [
                            r[0]
                            for batch in _batches(wanted)
                            for r in db.execute(
                                "SELECT id FROM chunks WHERE doc_id IN "
                                f"({','.join('?' * len(batch))})",
                                batch,
                            )
                        ],
                        dtype=np.int64,
                    )
                if not len(allowed):
                    return []
            if index.vectors is None or not len(index.vectors):
                return []
            vector = self.embedder.embed_query(query)
            hits = index.search(query, vector, k, allowed)
        return self._passages(hits)

    def pending(self) -> list[DocumentInfo]:
        """Documents in the catalog that search cannot find yet (see `index`)."""
        with self._reading("list the documents of") as db:
            return self._rows(db, "indexed_with IS NULL ORDER BY id")

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
            _bump_generation(db)
            # Removed from a watched folder: a sync must not bring it back.
            if owning_folder(info.path, self._folders(db)) is not None:
                db.execute(
                    "INSERT OR REPLACE INTO folder_skips (path, size, mtime, reason) "
                    "VALUES (?, NULL, NULL, 'removed')",
                    (info.path,),
                )
        self._update_search_index()
        return info

    # -- watched folders -------------------------------------------------------------------

    def folders(self) -> list[str]:
        """The folders the user added, which are watched for changes (full paths, sorted)."""
        with self._reading("list the folders of") as db:
            return self._folders(db)

    def unwatch(self, folder: PathLike) -> bool:
        """Stop watching a folder; its documents stay in the library as they are.
        False if it was not watched."""
        key = _folder_key(folder)
        with self._writing("change the folders of") as db:
            forgotten = db.execute("DELETE FROM folders WHERE path = ?", (key,)).rowcount
            self._forget_skips(db, key)
        return bool(forgotten)

    def remove_folder(self, folder: PathLike) -> list[DocumentInfo]:
        """Take a folder out of the library: it is no longer watched, and the documents of the
        files in it are removed (the files themselves are not touched). Returns those."""
        key = _folder_key(folder)
        with self._writing("remove a folder from") as db:
            db.execute("DELETE FROM folders WHERE path = ?", (key,))
            self._forget_skips(db, key)
            gone = self._rows(db, "path = ? OR substr(path, 1, length(?)) = ?", *_under(key))
            self._delete(db, gone)
        self._update_search_index()
        return gone

    def sync(
        self,
        changed: Iterable[PathLike] | None = None,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        on_file: FileCallback | None = None,
    ) -> SyncReport:
        """Bring the library in step with its watched folders: files new in them are added,
        files whose size or modification time changed are read again (a file whose content
        is the same is left as it is), and the documents of files that are gone are removed.
        A renamed or moved file keeps its document.

        changed: look only at these files and folders (as a watcher reports them; paths
        outside the watched folders are ignored); by default every watched folder, whole.
        A watched folder that is not there (a drive not connected, a folder moved or deleted)
        is reported in `missing` and its documents are kept; so are those in a sub-folder
        that cannot be listed. Files the user removed from the library are not added again,
        and a file that could not be read is tried again only once it changes.
        on_progress, cancel, on_file: as for `add`.
        """
        report = SyncReport()
        folders = self.folders()
        roots: list[tuple[str, str]] = []  # (a file or folder to look at, its watched folder)
        for given in folders if changed is None else changed:
            path = os.path.abspath(os.path.expanduser(os.fspath(given)))
            owner = owning_folder(path, folders)
            if owner is not None and not hidden_inside(path, owner):
                roots.append((path, owner))
        for owner in sorted({owner for _, owner in roots}):
            if not os.path.isdir(owner):
                report.missing.append(owner)
        roots = [r for r in roots if r[1] not in report.missing]
        # Nested roots are looked at once, as part of the outer one.
        paths = sorted({path for path, _ in roots})
        paths = [p for p in paths if owning_folder(p, [q for q in paths if q != p]) is None]

        listing = AddReport()
        on_disk: dict[str, os.stat_result] = {}
        for path in paths:
            if os.path.isdir(path):
                found = self._walk(Path(path), listing)
            elif os.path.isfile(path) and documents.is_supported(path):
                found = [Path(path)]
            else:
                found = []
            for file in found:
                try:
                    on_disk[str(file.resolve())] = file.stat()
                except OSError:
                    continue  # gone again already: the next event says so
        unlisted = [p for p, _ in listing.failed if p and os.path.isdir(p)]

        with self._reading("compare the watched folders with") as db:
            known = {
                r["path"]: (r["id"], r["size"], r["mtime"])
                for r in db.execute("SELECT id, path, size, mtime FROM documents")
            }
            skips = {
                r["path"]: (r["size"], r["mtime"])
                for r in db.execute("SELECT path, size, mtime FROM folder_skips")
            }
        to_read = []
        for path, st in on_disk.items():
            if (skip := skips.get(path)) is not None and (
                skip[0] is None or skip == (st.st_size, st.st_mtime)
            ):
                continue
            entry = known.get(path)
            if entry is None or entry[1:] != (st.st_size, st.st_mtime):
                to_read.append(path)
        if to_read:
            paths_before = {doc_id: path for path, (doc_id, _, _) in known.items()}
            added = self.add(to_read, on_progress=on_progress, cancel=cancel, on_file=on_file)
            report.added = added.added
            for info in added.updated:
                before = paths_before.get(info.id, info.path)
                if before != info.path:
                    report.moved.append((before, info))
                else:
                    report.changed.append(info)
            report.failed = added.failed
            report.cancelled = added.cancelled
            # Touched, or written again with the same content: remember the file's new time so
            # that it is not hashed again at every sync.
            with self._writing("update the documents of") as db:
                for file, info in added.unchanged:
                    if file == info.path and (st := on_disk.get(file)) is not None:
                        db.execute(
                            "UPDATE documents SET size = ?, mtime = ? WHERE id = ?",
                            (st.st_size, st.st_mtime, info.id),
                        )
        if report.cancelled:
            return report

        with self._writing("remove documents from") as db:
            candidates = [
                info
                for path in paths
                for info in self._rows(
                    db, "path = ? OR substr(path, 1, length(?)) = ?", *_under(path)
                )
            ]
            gone = [
                info
                for info in candidates
                if info.path not in on_disk
                and not os.path.exists(info.path)
                and owning_folder(info.path, unlisted) is None
            ]
            self._delete(db, gone)
        if gone:
            self._update_search_index()
        report.removed = gone
        return report

    @staticmethod
    def _folders(db: sqlite3.Connection) -> list[str]:
        return [r[0] for r in db.execute("SELECT path FROM folders ORDER BY path")]

    @staticmethod
    def _delete(db: sqlite3.Connection, gone: list[DocumentInfo]) -> None:
        """Delete these documents (their pages and chunks go with them) in the transaction."""
        for batch in _batches([info.id for info in gone]):
            db.execute(f"DELETE FROM documents WHERE id IN ({','.join('?' * len(batch))})", batch)
        if gone:
            _bump_generation(db)

    def _forget_skips(self, db: sqlite3.Connection, folder: str) -> None:
        """Forget the files a sync of `folder` skipped, unless another watched folder holds them."""
        others = self._folders(db)
        for (path,) in db.execute(
            "SELECT path FROM folder_skips WHERE substr(path, 1, length(?)) = ?",
            _under(folder)[1:],
        ).fetchall():
            if owning_folder(path, others) is None:
                db.execute("DELETE FROM folder_skips WHERE path = ?", (path,))

    def _watch_added(self, given: list[PathLike], report: AddReport) -> None:
        """After an add: the folders given are watched from now on; files and folders given
        are no longer skipped by a sync (the user added them again); files of watched folders
        that could not be read are tried again only once they change."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._writing("remember the folders of") as db:
            for item in given:
                path = Path(item).expanduser()
                key = _folder_key(path)
                if path.is_dir():
                    db.execute(
                        "INSERT OR IGNORE INTO folders (path, added_at) VALUES (?, ?)", (key, now)
                    )
                    db.execute(
                        "DELETE FROM folder_skips WHERE path = ? OR substr(path, 1, length(?)) = ?",
                        _under(key),
                    )
                else:
                    db.execute("DELETE FROM folder_skips WHERE path = ?", (key,))
            folders = self._folders(db)
            for file, message in report.failed:
                if not file or owning_folder(file, folders) is None:
                    continue
                try:
                    st = os.stat(file)
                except OSError:
                    continue
                if not stat.S_ISREG(st.st_mode):
                    continue
                db.execute(
                    "INSERT OR REPLACE INTO folder_skips (path, size, mtime, reason) "
                    "VALUES (?, ?, ?, ?)",
                    (file, st.st_size, st.st_mtime, message),
                )

    # -- the search index ------------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from core.embeddings import default_embedder

            self._embedder = default_embedder()
        return self._embedder

    def chunker(self) -> Chunker:
        if self._chunker is None:
            self._chunker = self.embedder.chunker()
        return self._chunker

    def _embed(
        self, chunks: list[Chunk], cancel: threading.Event | None, stages: _FileProgress
    ) -> np.ndarray:
        """The chunks' vectors, embedding only chunks not seen before."""
        from core.embeddings import embed_cached

        self._check_embedder(None)
        vectors, _embedded = embed_cached(
            self.embedder,
            [c.text for c in chunks],
            [c.content_hash for c in chunks],
            self._stored_vectors,
            on_progress=stages.embedding,
            cancel=cancel,
        )
        return vectors

    def _stored_vectors(self, hashes: list[bytes]) -> dict[bytes, np.ndarray]:
        """The vectors the catalog already holds for these chunk contents (same model)."""
        import numpy as np

        found: dict[bytes, np.ndarray] = {}
        with self._reading("read the search index of") as db:
            for batch in _batches(hashes):
                for digest, blob in db.execute(
                    f"SELECT hash, vector FROM chunks WHERE hash IN ({','.join('?' * len(batch))})",
                    batch,
                ):
                    found[digest] = np.frombuffer(blob, dtype=np.float32)
        return found

    def _check_embedder(self, db: sqlite3.Connection | None) -> None:
        """Refuse to mix vectors of two models in one library; record the model on first use."""
        key = self.embedder.key
        if db is None:
            with self._reading("read the search index of") as db:
                row = db.execute("SELECT value FROM search_state WHERE key = 'embedder'").fetchone()
            if row is not None and row[0] == key:
                return
            with self._writing("prepare the search index of") as db:
                return self._check_embedder(db)
        row = db.execute("SELECT value FROM search_state WHERE key = 'embedder'").fetchone()
        if row is not None and row[0] == key:
            return
        has_chunks = db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is not None
        if row is not None and has_chunks:
            raise LibraryError(
                f"The library in “{self.dir}” was indexed with the embedding model "
                f"“{row[0].split(':')[0]}”, not “{self.embedder.name}”, which Longread is set "
                "to use now. Choose that model again, or use another library folder for this one."
            )
        db.execute(
            "INSERT OR REPLACE INTO search_state (key, value) VALUES ('embedder', ?)", (key,)
        )

    def _store_chunks(
        self, db: sqlite3.Connection, doc_id: int, chunks: list[Chunk], vectors: np.ndarray
    ) -> None:
        db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        db.executemany(
            'INSERT INTO chunks (doc_id, seq, "start", "end", page_start, page_end, tokens, '
            "text, hash, vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    doc_id,
                    c.seq,
                    c.start,
                    c.end,
                    c.page_start,
                    c.page_end,
                    c.tokens,
                    c.text,
                    c.content_hash,
                    vectors[i].astype("<f4").tobytes(),
                )
                for i, c in enumerate(chunks)
            ),
        )
        db.execute(
            "UPDATE documents SET indexed_with = ? WHERE id = ?", (self.embedder.key, doc_id)
        )
        if len(vectors):
            db.execute(
                "INSERT OR REPLACE INTO search_state (key, value) VALUES ('dimension', ?)",
                (str(vectors.shape[1]),),
            )
        _bump_generation(db)

    def _generation(self) -> int:
        with self._reading("read the search index of") as db:
            row = db.execute("SELECT value FROM search_state WHERE key = 'generation'").fetchone()
        return int(row[0])

    def _search_index(self) -> SearchIndex:
        """The search index, loaded on first use and brought in step with the catalog."""
        with self._index_lock:
            generation = self._generation()
            if self._index is not None and self._index.generation == generation:
                return self._index
            if self._index is None:
                from core.retrieval import SearchIndex

                dimension = self._dimension()
                assert dimension is not None, "nothing was ever indexed in this library"
                self._index = SearchIndex(self.dir, dimension)
            try:
                self._index.sync(self._chunk_ids(), self._vectors_for, self._texts_for, generation)
            except OSError as e:
                # The catalog is intact; the index is brought up to date on the next try.
                raise LibraryError(
                    f"Longread could not save the search index in “{self.dir}” "
                    f"({e.strerror or e}). Free some disk space, or check that you may write "
                    "there, then try again."
                ) from None
            return self._index

    def _update_search_index(self, say: Callable[[str], object] | None = None) -> None:
        """After a change: bring the index files up to date if they exist or if there is
        something to index (a library without any chunks keeps no index files)."""
        with self._index_lock:
            generation = self._generation()
            if self._index is not None and self._index.generation == generation:
                return
            if self._dimension() is None:
                return  # nothing was ever indexed here: no index files to keep
            if say is not None:
                with self._reading("read the search index of") as db:
                    count = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
                if count > BIG_INDEX:
                    say(f"Updating the search index ({count:,} passages)")
            self._search_index()

    def _dimension(self) -> int | None:
        """The length of the library's vectors; None if it never held any."""
        with self._reading("read the search index of") as db:
            row = db.execute("SELECT value FROM search_state WHERE key = 'dimension'").fetchone()
        return int(row[0]) if row is not None else None

    def _chunk_ids(self) -> np.ndarray:
        import numpy as np

        with self._reading("read the search index of") as db:
            ids = [r[0] for r in db.execute("SELECT id FROM chunks ORDER BY id")]
        return np.array(ids, dtype=np.int64)

    def _vectors_for(self, ids: np.ndarray) -> np.ndarray:
        import numpy as np

        rows = self._chunk_columns(ids, "vector")
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([np.frombuffer(blob, dtype="<f4") for blob in rows]).astype(np.float32)

    def _texts_for(self, ids: np.ndarray) -> list[str]:
        return self._chunk_columns(ids, "text")

    def _chunk_columns(self, ids: np.ndarray, column: str) -> list:
        """One column of the chunks with these ids, in the order of `ids` (which must exist)."""
        wanted = [int(i) for i in ids]
        found: dict[int, object] = {}
        with self._reading("read the search index of") as db:
            if len(wanted) > 5000:  # most of the table: one scan beats many lookups
                want = set(wanted)
                for chunk_id, value in db.execute(f"SELECT id, {column} FROM chunks"):
                    if chunk_id in want:
                        found[chunk_id] = value
            else:
                for batch in _batches(wanted):
                    found.update(
                        db.execute(
                            f"SELECT id, {column} FROM chunks WHERE id IN "
                            f"({','.join('?' * len(batch))})",
                            batch,
                        ).fetchall()
                    )
        missing = [i for i in wanted if i not in found]
        if missing:
            raise LibraryError(
                f"The library in “{self.dir}” changed while its search index was being "
                "updated. Try again."
            )
        return [found[i] for i in wanted]

    def _passages(self, hits) -> list[Passage]:
        by_id: dict[int, sqlite3.Row] = {}
        ids = [h.chunk_id for h in hits]
        with self._reading("read passages from") as db:
            for batch in _batches(ids):
                for row in db.execute(
                    'SELECT c.id, c.doc_id, c."start", c."end", c.page_start, c.page_end, '
                    "c.text, d.title, d.path, d.page_unit, p1.label AS label, "
                    "p2.label AS end_label FROM chunks c JOIN documents d ON d.id = c.doc_id "
                    "JOIN pages p1 ON p1.doc_id = c.doc_id AND p1.number = c.page_start "
                    "JOIN pages p2 ON p2.doc_id = c.doc_id AND p2.number = c.page_end "
                    f"WHERE c.id IN ({','.join('?' * len(batch))})",
                    batch,
                ):
                    by_id[row["id"]] = row
        return [
            Passage(
                chunk_id=h.chunk_id,
                doc_id=row["doc_id"],
                title=row["title"],
                path=row["path"],
                page_unit=row["page_unit"],
                page_start=row["page_start"],
                page_end=row["page_end"],
                page_label=row["label"],
                page_end_label=row["end_label"],
                start=row["start"],
                end=row["end"],
                text=row["text"],
                score=h.score,
                dense_rank=h.dense_rank,
                keyword_rank=h.keyword_rank,
                similarity=h.similarity,
            )
            for h in hits
            if (row := by_id.get(h.chunk_id)) is not None  # removed by another process meanwhile
        ]

    # -- internals -------------------------------------------------------------------------

    def _collect(self, paths: Iterable[PathLike], report: AddReport) -> list[Path]:
        """The files to try, each once: those given, and the documents inside folders given."""
        files: list[Path] = []
        seen: set[Path] = set()
        for given in paths:
            path = Path(given).expanduser()
            found = self._walk(path, report) if path.is_dir() else [path]
            for file in found:
                file = _resolved(file)
                if file in seen:
                    continue
                seen.add(file)
                if displayable(str(file)) != str(file):  # the catalog cannot store its name
                    report.failed.append((displayable(str(file)), str(FileNameError(file))))
                else:
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

    def _read_file(
        self,
        path: Path,
        report: AddReport,
        pipeline: _Pipeline,
        *,
        password: str | None,
        limits: Limits | None,
        cancel: threading.Event | None,
        stages: _FileProgress,
    ) -> _Read | None:
        """Read a new or changed file and cut it into chunks; None if the library has it."""
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
        if digest in pipeline.digests():  # a copy of a file read just before: store that first
            pipeline.finish()
        with self._reading("look up a document in") as db:
            current = self._row(db, "path = ?", key)
            copies = [] if current else self._rows(db, "sha256 = ? ORDER BY id", digest)
        if current is not None and current.sha256 == digest:
            report.unchanged.append((key, current))
            return None
        replacing = current
        if replacing is None and copies:
            if original := next((c for c in copies if os.path.exists(c.path)), None):
                report.unchanged.append((key, original))
                return None
            # Its content is only known under paths that are gone: the file was moved or
            # renamed. Keep the document's id so what is stored under it stays valid.
            replacing = copies[0]
        doc = documents.load(
            path,
            password=password,
            limits=limits,
            cancel=cancel,
            sha256=digest,
            on_progress=stages.reading,
        )
        return _Read(doc, st, replacing, self.chunker().chunk(doc))

    def _store(
        self,
        doc: Document,
        st: os.stat_result,
        replacing: DocumentInfo | None,
        chunks: list[Chunk],
        vectors: np.ndarray,
    ) -> DocumentInfo:
        """Write a document, all its pages and all its chunks in one transaction, replacing an
        older version."""
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
            self._check_embedder(db)
            self._store_chunks(db, doc_id, chunks, vectors)
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


@dataclass(slots=True)
class _Read:
    """A document read from a file, cut into chunks, waiting for its vectors to be stored."""

    doc: Document
    st: os.stat_result
    replacing: DocumentInfo | None
    chunks: list[Chunk]


class _Pipeline:
    """Files read are embedded in a background thread while the next files are read.

    Reading happens mostly in the parser process and embedding in the model's kernels, so the
    two overlap on two cores. Small files wait until EMBED_TOGETHER chunks have gathered and are
    embedded together (one model call for many files). Each document is stored, in its own
    transaction, by the thread that reads, in the order the files were read.
    """

    def __init__(
        self,
        library: Library,
        report: AddReport,
        cancel: threading.Event | None,
        tell: FileCallback,
    ) -> None:
        self.library, self.report, self.cancel, self.tell = library, report, cancel, tell
        self.waiting: list[_Read] = []  # read, not yet being embedded
        self.batch: list[_Read] = []  # being embedded by `thread`
        self.thread: threading.Thread | None = None
        self.outcome: dict[str, object] = {}
        self.stages: _FileProgress | None = None

    def digests(self) -> set[str]:
        return {r.doc.sha256 for r in (*self.waiting, *self.batch)}

    def put(self, read: _Read, stages: _FileProgress) -> None:
        self.waiting.append(read)
        self.stages = stages
        if sum(len(r.chunks) for r in self.waiting) >= EMBED_TOGETHER:
            self._store_batch()
            self._start()

    def finish(self) -> None:
        """Embed and store everything read so far."""
        self._store_batch()
        self._start()
        self._store_batch()

    def stop(self) -> None:
        """Wait for the background thread, if any, and store its batch if it was embedded."""
        if self.thread is not None:
            self.thread.join()
            if "vectors" in self.outcome:
                self._store_batch()
            self.thread, self.batch, self.outcome = None, [], {}

    def _start(self) -> None:
        if not self.waiting:
            return
        self.batch, self.waiting = self.waiting, []
        stages = self.stages or _FileProgress(None, 0, 0, "")
        stages.paths = [r.doc.path for r in self.batch]
        if len(self.batch) > 1:
            stages.name = f"{Path(self.batch[0].doc.path).name} and {len(self.batch) - 1} more"
        chunks = [c for r in self.batch for c in r.chunks]
        self.outcome = {}

        def embed() -> None:
            try:
                self.outcome["vectors"] = self.library._embed(chunks, self.cancel, stages)
            except BaseException as e:  # raised again by the reading thread
                self.outcome["error"] = e

        self.thread = threading.Thread(target=embed, name="longread-embed", daemon=True)
        self.thread.start()

    def _store_batch(self) -> None:
        """Wait for the batch being embedded and store its documents."""
        if self.thread is None:
            return
        self.thread.join()
        batch, outcome = self.batch, self.outcome
        self.thread, self.batch, self.outcome = None, [], {}
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        vectors = outcome["vectors"]
        offset = 0
        for read in batch:
            count = len(read.chunks)
            info = self.library._store(
                read.doc, read.st, read.replacing, read.chunks, vectors[offset : offset + count]
            )
            offset += count
            (self.report.updated if read.replacing is not None else self.report.added).append(info)
            self.tell(read.doc.path, "ready", 1.0, "")


class _FileProgress:
    """Progress within one file (pages read, passages embedded), as messages on the file's
    step of `on_progress`, at most every PROGRESS_EVERY_S and never for the last unit."""

    def __init__(
        self,
        on_progress: ProgressCallback | None,
        done: int,
        total: int,
        name: str,
        on_file: FileCallback | None = None,
        paths: list[str] | None = None,
    ):
        self.on_progress, self.done, self.total, self.name = on_progress, done, total, name
        self.on_file, self.paths = on_file, paths or []  # the files being embedded
        self.last = time.monotonic()
        self.first_batch: tuple[float, int] | None = None  # (when, passages) of the first batch

    def _say(self, message: str, *, always: bool = False) -> None:
        now = time.monotonic()
        if self.on_progress is not None and (always or now - self.last >= PROGRESS_EVERY_S):
            self.last = now
            self.on_progress(self.done, self.total, message)

    def reading(self, page: int, pages: int, message: str = "") -> None:
        if message.startswith(ocr.PROGRESS_START):  # OCR of a scanned page: seconds each
            self._say(f"Reading {self.name}: {message}", always=True)
        elif page < pages:
            self._say(f"Reading {self.name}: page {page:,} of {pages:,}")

    def embedding(self, count: int, of: int, _message: str = "") -> None:
        if self.on_file is not None and of:
            for path in self.paths:
                self.on_file(path, "indexing", count / of, "")
        if count == 0:  # starting
            self.first_batch = None
            if of > EMBED_TOGETHER:  # a long file: say so before the first batch (and the model)
                # A new step is always said, however recent the last message was.
                self._say(f"Embedding {self.name}: {of:,} passages", always=True)
            return
        # The rate is measured from the end of the first batch, which may include loading
        # the model.
        now = time.monotonic()
        if self.first_batch is None:
            self.first_batch = (now, count)
            return
        since, first = self.first_batch
        if first < count < of:
            left = (now - since) / (count - first) * (of - count)
            self._say(
                f"Embedding {self.name}: {count:,} of {of:,} passages, {_duration(left)} left"
            )


def _no_file_callback(path: str, state: str, fraction: float | None, message: str) -> None:
    pass


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _batches(items: list, size: int = 500) -> Iterator[list]:
    """Slices of `items` small enough for one SQL statement's parameters."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _bump_generation(db: sqlite3.Connection) -> None:
    db.execute(
        "UPDATE search_state SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
    )


def _folder_key(folder: PathLike) -> str:
    """How a folder is named in the catalog: its full, resolved path."""
    return str(Path(folder).expanduser().resolve())


def _under(folder: str) -> tuple[str, str, str]:
    """SQL parameters for `path = ? OR substr(path, 1, length(?)) = ?`: the folder itself,
    and everything inside it (not a sibling whose name merely starts the same)."""
    prefix = folder if folder.endswith(os.sep) else folder + os.sep
    return folder, prefix, prefix


def owning_folder(path: str, folders: Iterable[str]) -> str | None:
    """The outermost of `folders` that is `path` or holds it, if any."""
    holders = [
        f for f in folders if path == f or path.startswith(f if f.endswith(os.sep) else f + os.sep)
    ]
    return min(holders, key=len) if holders else None


def hidden_inside(path: str, folder: str) -> bool:
    """Whether a file or folder inside `folder` is hidden, or inside a hidden folder there."""
    relative = os.path.relpath(path, folder)
    if relative == os.curdir:
        return False
    here = folder
    for name in relative.split(os.sep):
        here = os.path.join(here, name)
        if _hidden(here, name):
            return True
    return False


def _resolved(path: Path) -> Path:
    """The file's real path; for a link that leads nowhere (dangling, or a loop), the link's
    own path, so the report names the file the user sees."""
    try:
        return path.resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, on Python before 3.13
        return Path(os.path.realpath(path.parent)) / path.name


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
