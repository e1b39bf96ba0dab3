"""Watching the library's folders: file events collected, and handed on once the folder is quiet.

Editors and copy tools write a file in several steps (a temporary file, a rename, a second
write), and a folder copied in arrives as hundreds of events. The watcher gathers the paths
that changed and calls back once nothing has happened for `quiet_s` (or, in a folder that
never goes quiet, every `longest_s`), with the set of paths: files and folders created,
changed, deleted, or moved (both the old and the new path). What to do with them is
`Library.sync`'s job. Hidden files and folders, Office's lock files and files that are not a
format Longread reads (an editor's "~" backups and ".swp" files, partial downloads) are left
out, as `Library.add` leaves them out of a folder.

Every `check_s` the watcher checks that each watched folder is still there (one moved
away sends no event) and looks again for those that were not (a drive not connected): a
folder that went, or came back, is reported as changed, so that a sync says it is missing or
brings it in step.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from core import documents
from core.library import hidden_inside, owning_folder

log = logging.getLogger("longread.watch")

QUIET_S = 1.5  # a burst of writes ends when nothing happened for this long
LONGEST_S = 10.0  # ... or, in a folder that never goes quiet, after this long anyway
CHECK_S = 30.0  # how often the watched folders are checked: still there, or back again

ChangeCallback = Callable[[set[str]], None]

_IGNORED_KINDS = {"opened", "closed_no_write"}


class FolderWatcher:
    """Watches folders (and everything inside them) and calls `on_change(paths)` after each
    burst of changes, on its own thread. Start with `start()`, end with `stop()`; `watch()`
    sets the folders at any time."""

    def __init__(
        self,
        on_change: ChangeCallback,
        *,
        quiet_s: float = QUIET_S,
        longest_s: float = LONGEST_S,
        check_s: float = CHECK_S,
    ) -> None:
        self.on_change = on_change
        self.quiet_s, self.longest_s, self.check_s = quiet_s, longest_s, check_s
        # watchdog calls back holding its own lock, so its observer is never asked anything
        # while `_condition` is held: `_scheduling` (taken first) guards the watches.
        self._condition = threading.Condition()  # _folders, _pending, _first, _last, _gone
        self._scheduling = threading.RLock()  # _observer, _watches, _missing
        self._folders: list[str] = []  # the folders asked for, outermost only
        self._pending: set[str] = set()
        self._first = self._last = 0.0  # when the pending burst began, and its latest event
        self._gone: set[str] = set()  # watched folders deleted or moved away
        self._observer: Observer | None = None
        self._watches: dict[str, object] = {}  # folder -> watchdog's ObservedWatch
        self._identities: dict[str, tuple[int, int] | None] = {}  # folder -> the one watched
        self._missing: set[str] = set()  # asked for, but not there: looked for again
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._next_check = 0.0

    # -- what its owner calls ---------------------------------------------------------------

    def start(self) -> None:
        with self._scheduling:
            if self._observer is not None:
                return
            with self._condition:
                self._stopped = False
                folders = list(self._folders)
            self._observer = Observer()
            self._observer.daemon = True
            self._observer.start()
            for folder in folders:
                self._schedule(folder)
            self._thread = threading.Thread(
                target=self._run, name="longread-folder-watch", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        with self._scheduling:
            observer, self._observer = self._observer, None
            thread, self._thread = self._thread, None
            self._watches.clear()
            self._identities.clear()
            with self._condition:
                self._stopped = True
                self._pending.clear()
                self._condition.notify_all()
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def watch(self, folders: Iterable[str]) -> None:
        """Watch these folders (full paths) from now on, and no others."""
        wanted = sorted({os.path.abspath(f) for f in folders})
        outermost = [f for f in wanted if owning_folder(f, [g for g in wanted if g != f]) is None]
        with self._scheduling:
            with self._condition:
                self._folders = outermost
                # Changes already gathered in a folder no longer watched are dropped.
                self._pending = {p for p in self._pending if owning_folder(p, outermost)}
            for folder in list(self._watches):
                if folder not in outermost:
                    self._unschedule(folder)
            self._missing &= set(outermost)
            if self._observer is not None:
                for folder in outermost:
                    if folder not in self._watches:
                        self._schedule(folder)

    def folders(self) -> list[str]:
        """The folders watched now (not those asked for that are not there)."""
        with self._scheduling:
            return sorted(self._watches)

    def missing(self) -> list[str]:
        """The folders asked for that are not there now."""
        with self._scheduling:
            return sorted(self._missing)

    # -- internals --------------------------------------------------------------------------

    def _schedule(self, folder: str) -> bool:
        """Watch one folder (with `_scheduling` held); False if it is not there."""
        assert self._observer is not None
        identity = _identity(folder)
        try:
            self._watches[folder] = self._observer.schedule(_Events(self), folder, recursive=True)
        except OSError as e:  # not there, not a folder, or not readable
            log.info("cannot watch %s for now: %s", folder, e)
            self._missing.add(folder)
            return False
        self._identities[folder] = identity
        self._missing.discard(folder)
        return True

    def _unschedule(self, folder: str) -> None:
        watch = self._watches.pop(folder, None)
        self._identities.pop(folder, None)
        if watch is not None and self._observer is not None:
            with contextlib.suppress(KeyError, OSError):  # its emitter ended already
                self._observer.unschedule(watch)

    def _event(self, event: FileSystemEvent) -> None:
        """On watchdog's thread: keep the paths of an event that can matter to the library."""
        if event.event_type in _IGNORED_KINDS:
            return
        if event.is_directory and event.event_type in ("modified", "attrib", "closed"):
            return  # a folder's own time changes with its files: those are reported anyway
        paths = [os.fsdecode(event.src_path)]
        if event.dest_path:
            paths.append(os.fsdecode(event.dest_path))
        with self._condition:
            kept = [p for p in paths if self._matters(p, event.is_directory)]
            if not kept:
                return
            if event.event_type in ("deleted", "moved"):
                # The watched folder itself went: its watch has ended with it.
                self._gone.update(p for p in paths[:1] if p in self._folders)
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._last = now
            self._pending.update(kept)
            self._condition.notify_all()

    def _matters(self, path: str, is_directory: bool) -> bool:
        folder = owning_folder(path, self._folders)
        if folder is None or hidden_inside(path, folder):
            return False
        return is_directory or path == folder or documents.is_supported(path)

    def _run(self) -> None:
        """Hand on each burst of changes once it has ended; every `check_s`, see that each
        watched folder is still there (one moved away sends no event) and look again for
        those that were not."""
        while True:
            batch: set[str] = set()
            check = False
            with self._condition:
                while not self._stopped and not self._gone:
                    now = time.monotonic()
                    if now >= self._next_check:
                        self._next_check = now + self.check_s
                        check = True
                        break
                    wait = self._next_check - now
                    if self._pending:
                        due = min(self._last + self.quiet_s, self._first + self.longest_s)
                        if now >= due:
                            batch, self._pending = self._pending, set()
                            break
                        wait = min(wait, due - now)
                    self._condition.wait(wait)
                if self._stopped:
                    return
                gone, self._gone = self._gone, set()
            with self._scheduling:
                if self._observer is None:
                    return
                if check:
                    gone |= {f for f, seen in self._identities.items() if _identity(f) != seen}
                for folder in gone:
                    self._unschedule(folder)
                    self._missing.add(folder)
                back = [
                    f
                    for f in (sorted(self._missing - gone) if check else [])
                    if os.path.isdir(f) and self._schedule(f)
                ]
            if gone or back:  # a sync says the folder is missing, or catches up with it
                with self._condition:
                    self._pending.update(gone | set(back))
                    self._first = self._last = time.monotonic() - self.quiet_s
                    self._condition.notify_all()
            if batch:
                try:
                    self.on_change(batch)
                except Exception:  # the owner's callback: a bug there must not end the watching
                    log.exception("handling changes in the watched folders failed")


def _identity(folder: str) -> tuple[int, int] | None:
    """Which folder is at this path (None: none), to tell one moved away or replaced."""
    try:
        st = os.stat(folder)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if os.path.isdir(folder) else None


class _Events(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher) -> None:
        super().__init__()
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.watcher._event(event)
