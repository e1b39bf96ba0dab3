"""Read and write transactions on one shared SQLite connection, and closing it, for the
stores that keep one (the library catalog, the saved conversations)."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Self

from core.errors import LibraryError, LongreadError


class Transactions:
    """`_reading` and `_writing` for a store that holds `_db` (opened with isolation_level=None,
    None once closed) and `_lock`; the store says what a closed store and a failed statement
    mean for the user (`_closed_error`, `_error`)."""

    _db: sqlite3.Connection | None
    _lock: threading.RLock

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _closed_error(self) -> LongreadError:
        raise NotImplementedError

    def _connect(
        self,
        path: Path,
        busy_timeout_s: float,
        steps: Sequence | None,
        too_new: Callable[[list[str]], str],
    ) -> sqlite3.Connection:
        """The store's file opened for these transactions (autocommit: every transaction is an
        explicit BEGIN ... COMMIT), in WAL mode, each commit synced to disk, and brought up to
        date with its migrations (`steps`). A file made by a newer version is left as it is:
        LibraryError(too_new(the changes it has that this version does not know))."""
        from core.library import migrations

        try:
            db = sqlite3.connect(
                path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as e:
            raise self._error("open", e) from None
        try:
            # A file that is not SQLite fails here, on the first read, before anything is
            # written to it: it is reported and left as it is.
            db.execute("PRAGMA journal_mode=WAL")
            # FULL: what the user was told is saved survives a power cut too, not just a
            # crash; one fsync per document or message is nothing next to making it.
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            if newer := migrations.unknown(db, steps):
                raise LibraryError(too_new(newer))
            migrations.migrate(db, steps)
        except sqlite3.Error as e:
            db.close()
            raise self._error("open", e) from None
        except BaseException:
            db.close()
            raise
        return db

    def _error(self, action: str, error: sqlite3.Error) -> LongreadError:
        raise NotImplementedError

    @contextlib.contextmanager
    def _reading(self, action: str) -> Iterator[sqlite3.Connection]:
        """A read transaction, so that several queries see one state of the file."""
        with self._transaction("BEGIN", action) as db:
            yield db

    @contextlib.contextmanager
    def _writing(self, action: str) -> Iterator[sqlite3.Connection]:
        """A write transaction: everything inside it is saved together, or not at all."""
        # IMMEDIATE takes the write lock now, so a busy file waits here rather than failing
        # half-way through.
        with self._transaction("BEGIN IMMEDIATE", action) as db:
            yield db

    @contextlib.contextmanager
    def _transaction(self, begin: str, action: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = self._db
            if db is None:
                raise self._closed_error()
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


def failure_kind(error: sqlite3.Error) -> str:
    """What went wrong, in the terms a message to the user needs: "damaged", "full", "busy",
    "not writable", or "other"."""
    code = getattr(error, "sqlite_errorname", "")
    if code in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or code.startswith("SQLITE_CORRUPT_"):
        return "damaged"
    if code == "SQLITE_FULL":
        return "full"
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return "busy"
    if code.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN", "SQLITE_AUTH")):
        return "not writable"
    return "other"
