"""Adding files: finding them, reading them, embedding their chunks and storing each document.

Each document (its row, all of its pages, and its chunks with their vectors) is written in one
transaction, so a process killed at any moment leaves none half-written.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core import documents
from core.chunking import Chunk
from core.documents import Document, Limits, ocr
from core.errors import (
    DocumentError,
    FileAccessError,
    FileMissingError,
    FileNameError,
    NotAFileError,
    displayable,
)
from core.library.catalog import DocumentInfo, PathLike
from core.library.reports import AddReport

if TYPE_CHECKING:
    import numpy as np

    from core.library import Library

PROGRESS_EVERY_S = 0.5  # at most this often a progress message within one file
EMBED_TOGETHER = 64  # chunks of small files read one after another are embedded in one go

ProgressCallback = Callable[[int, int, str], None]
# on_file(path, state, fraction, message): where one file of an `add` is. state is "queued",
# "reading", "indexing" (fraction: how much of its text is embedded, when known), "ready" or
# "failed" (message: why, for the user). The window shows it beside each file.
FileCallback = Callable[[str, str, float | None, str], None]


class IngestMixin:
    """`Library.add`: files and folders in, documents stored with their chunks and vectors."""

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
                stages = FileProgress(on_progress, done, total, path.name, tell, [str(path)])
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
                stages = FileProgress(on_progress, done, total, info.name)
                self._index_document(info, cancel, stages)
        except InterruptedError:
            report.cancelled = True

        def say(message: str) -> None:
            if on_progress is not None:
                on_progress(done, total, message)

        self._update_search_index(say)
        if not report.cancelled:
            self._watch_added(paths, report)
        if report.added or report.updated:  # reading and embedding freed hundreds of MB
            from core.memory import release_freed_memory

            release_freed_memory()
        if on_progress is not None:
            on_progress(done, total, report.summary())
        return report

    # -- finding the files -----------------------------------------------------------------

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
                if is_hidden(sub, name):
                    report.skipped.append(sub)
                elif real not in visited:
                    visited.add(real)
                    keep.append(name)
            dirnames[:] = keep
            for name in sorted(filenames):
                file = os.path.join(root, name)
                if is_hidden(file, name) or not documents.is_supported(name):
                    report.skipped.append(file)
                else:
                    found.append(Path(file))
        return found

    # -- reading and storing one file ------------------------------------------------------

    def _read_file(
        self,
        path: Path,
        report: AddReport,
        pipeline: _Pipeline,
        *,
        password: str | None,
        limits: Limits | None,
        cancel: threading.Event | None,
        stages: FileProgress,
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
        self.stages: FileProgress | None = None

    def digests(self) -> set[str]:
        return {r.doc.sha256 for r in (*self.waiting, *self.batch)}

    def put(self, read: _Read, stages: FileProgress) -> None:
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
        stages = self.stages or FileProgress(None, 0, 0, "")
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


class FileProgress:
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


def is_hidden(path: str, name: str) -> bool:
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


def _resolved(path: Path) -> Path:
    """The file's real path; for a link that leads nowhere (dangling, or a loop), the link's
    own path, so the report names the file the user sees."""
    try:
        return path.resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, on Python before 3.13
        return Path(os.path.realpath(path.parent)) / path.name


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
