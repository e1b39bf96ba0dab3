"""Watched folders: the folders a user added, and syncing the library with what is in them."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from core import documents
from core.library.catalog import DocumentInfo, PathLike
from core.library.ingest import FileCallback, ProgressCallback, is_hidden
from core.library.reports import AddReport, SyncReport


class FoldersMixin:
    """`Library`'s watched folders: listing, unwatching and removing them, and `sync`."""

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

    def _forget_skips(self, db: sqlite3.Connection, folder: str) -> None:
        """Forget the files a sync of `folder` skipped, unless another watched folder holds them."""
        others = self._folders(db)
        for (path,) in db.execute(
            "SELECT path FROM folder_skips WHERE substr(path, 1, length(?)) = ?",
            _under(folder)[1:],
        ).fetchall():
            if owning_folder(path, others) is None:
                db.execute("DELETE FROM folder_skips WHERE path = ?", (path,))

    def _keep_removed(self, db: sqlite3.Connection, info: DocumentInfo) -> None:
        """A document removed from a watched folder (in the transaction that removes it):
        a sync must not bring it back."""
        if owning_folder(info.path, self._folders(db)) is not None:
            db.execute(
                "INSERT OR REPLACE INTO folder_skips (path, size, mtime, reason) "
                "VALUES (?, NULL, NULL, 'removed')",
                (info.path,),
            )

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
        if is_hidden(here, name):
            return True
    return False


def _folder_key(folder: PathLike) -> str:
    """How a folder is named in the catalog: its full, resolved path."""
    return str(Path(folder).expanduser().resolve())


def _under(folder: str) -> tuple[str, str, str]:
    """SQL parameters for `path = ? OR substr(path, 1, length(?)) = ?`: the folder itself,
    and everything inside it (not a sibling whose name merely starts the same)."""
    prefix = folder if folder.endswith(os.sep) else folder + os.sep
    return folder, prefix, prefix
