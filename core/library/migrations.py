"""Numbered changes to the library catalog's schema, applied in order, each in its own transaction.

A released migration is never edited: a schema change is a new `mNNN_...` function appended
below. The `_migrations` table records which ones ran, so a catalog made by a newer Longread
(one with names this version does not know) can be recognised and left alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

Migration = Callable[[sqlite3.Connection], None]

MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    """Register `fn` as the next migration."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_create_tables(db: sqlite3.Connection) -> None:
    # AUTOINCREMENT: an id is never reused after a removal, so files kept outside the catalog
    # (indexes keyed by document id) can never be mistaken for a newer document's.
    db.execute(
        """
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            path TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            format TEXT NOT NULL,
            page_unit TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime REAL NOT NULL,
            page_count INTEGER NOT NULL,
            char_count INTEGER NOT NULL,
            added_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX documents_sha256 ON documents(sha256)")
    db.execute(
        """
        CREATE TABLE pages (
            doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            label TEXT NOT NULL,
            text TEXT NOT NULL,
            "start" INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            PRIMARY KEY (doc_id, number)
        )
        """
    )


def known() -> list[str]:
    """The names of the migrations this version of Longread knows, in order."""
    return [fn.__name__ for fn in MIGRATIONS]


def applied(db: sqlite3.Connection) -> set[str]:
    """The names of the migrations already applied to `db` (reads only)."""
    has_table = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
    ).fetchone()
    if not has_table:
        return set()
    return {row[0] for row in db.execute("SELECT name FROM _migrations")}


def unknown(db: sqlite3.Connection, steps: Sequence[Migration] | None = None) -> list[str]:
    """Migrations applied to `db` that this version does not know (of `steps`, by default the
    catalog's): the file was made by a newer Longread."""
    names = known() if steps is None else [fn.__name__ for fn in steps]
    return sorted(applied(db) - set(names))


def migrate(db: sqlite3.Connection, steps: Sequence[Migration] | None = None) -> list[str]:
    """Apply the pending migrations (of `steps`, by default the catalog's) in order, each in
    its own transaction; returns the names of those applied.

    `db` must be in autocommit mode (`isolation_level=None`) so that each migration's
    BEGIN/COMMIT here is the only transaction control.
    """
    if db.isolation_level is not None:
        raise ValueError("migrate() needs a connection opened with isolation_level=None")
    done = applied(db)
    pending = [fn for fn in (MIGRATIONS if steps is None else steps) if fn.__name__ not in done]
    if not pending:
        return []
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    ran: list[str] = []
    for fn in pending:
        db.execute("BEGIN IMMEDIATE")
        try:
            # Asked again under the write lock: another process may have just applied it.
            again = db.execute("SELECT 1 FROM _migrations WHERE name = ?", (fn.__name__,))
            if again.fetchone() is None:
                fn(db)
                db.execute(
                    "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                    (fn.__name__, datetime.now(UTC).isoformat(timespec="seconds")),
                )
                ran.append(fn.__name__)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
    return ran


@migration
def m002_create_search_index(db: sqlite3.Connection) -> None:
    # Each chunk keeps its text and vector: the FAISS and BM25 files next to the catalog are
    # derived from these rows and rebuilt from them whenever they are missing or out of step.
    # AUTOINCREMENT: a chunk id is never reused, so an id in an index file always means the
    # same passage.
    db.execute(
        """
        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            "start" INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            page_start INTEGER NOT NULL,
            page_end INTEGER NOT NULL,
            tokens INTEGER NOT NULL,
            text TEXT NOT NULL,
            hash BLOB NOT NULL,
            vector BLOB NOT NULL,
            UNIQUE (doc_id, seq)
        )
        """
    )
    db.execute("CREATE INDEX chunks_hash ON chunks(hash)")
    # The embedding model whose vectors a document's chunks hold; NULL: not indexed yet
    # (documents added before this migration, or whose indexing was interrupted).
    db.execute("ALTER TABLE documents ADD COLUMN indexed_with TEXT")
    # key -> value: "embedder" (the model all vectors come from), "dimension", and
    # "generation" (counts changes to the chunks, so an open index knows it is behind).
    db.execute("CREATE TABLE search_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO search_state (key, value) VALUES ('generation', '0')")


@migration
def m003_create_folders(db: sqlite3.Connection) -> None:
    # The folders the user added: watched, so files changed in them are read again, new ones
    # added and deleted ones removed (see Library.sync).
    db.execute("CREATE TABLE folders (path TEXT PRIMARY KEY, added_at TEXT NOT NULL)")
    # Files in watched folders that a sync leaves alone: those the user removed from the library
    # (size and mtime NULL: always), and those that could not be read (while their size and
    # mtime stay the same, so an unreadable file is not tried again at every start).
    db.execute(
        """
        CREATE TABLE folder_skips (
            path TEXT PRIMARY KEY,
            size INTEGER,
            mtime REAL,
            reason TEXT NOT NULL
        )
        """
    )
