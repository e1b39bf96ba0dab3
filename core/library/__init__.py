"""The on-disk library: `Library`, put together from one class per job, each in its own file.

- catalog.py: the SQLite catalog of documents and their pages; reading and removing them
- ingest.py: `add`: finding files, reading them, embedding their chunks, storing documents
- index.py: chunks and their vectors, the search index, `search` and its passages
- folders.py: watched folders and `sync`
- integrity.py: `check_integrity`
- reports.py: what `add` and `sync` did
- migrations.py, transactions.py: the catalog's schema changes, and transactions on it
- conversations.py: the saved chat conversations, kept in the library folder

Crash safety comes from SQLite's write-ahead log and from writing each document (its row, all
of its pages, and its chunks with their vectors) in one transaction: a process killed at any
moment leaves every document that was committed before intact and searchable, and none
half-written. The FAISS and BM25 files next to the catalog are derived from it; they are
written atomically and brought back in step with it whenever they lag (see core.retrieval).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from core.library.catalog import Catalog, DocumentInfo, PathLike
from core.library.folders import FoldersMixin, hidden_inside, owning_folder
from core.library.index import IndexMixin, Passage
from core.library.ingest import FileCallback, IngestMixin, ProgressCallback
from core.library.integrity import IntegrityMixin
from core.library.reports import AddReport, SyncReport

if TYPE_CHECKING:
    from core.embeddings import Embedder

__all__ = [
    "AddReport",
    "DocumentInfo",
    "FileCallback",
    "Library",
    "Passage",
    "PathLike",
    "ProgressCallback",
    "SyncReport",
    "hidden_inside",
    "owning_folder",
]


class Library(IngestMixin, FoldersMixin, IndexMixin, IntegrityMixin, Catalog):
    """The documents a user has added, stored in `dir` (default: the per-user library folder).

    Safe to share between threads (each call takes the connection's lock; parsing runs
    outside it) and between processes (SQLite's locking, with a busy timeout).
    """

    def __init__(self, dir: PathLike | None = None, *, embedder: Embedder | None = None) -> None:
        """dir: the library folder (default: the one chosen in Settings, else the user folder's);
        embedder: the model that embeds chunks and queries (default: the built-in one, on the
        device in the settings, loaded on first use; a library keeps the vectors of one model
        only)."""
        self._embedder = embedder
        self._chunker = None
        self._index_lock = threading.RLock()  # the search index; taken before `_lock`
        self._index = None
        super().__init__(dir)
