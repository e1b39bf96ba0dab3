"""Watched folders: what changed in them while Longread was closed is caught up with on start,
and what changes while it runs is noticed (once per burst of writes) and brought in."""

from __future__ import annotations

import os
import queue
import shutil
import time
from pathlib import Path

import pytest

from core.library import Library
from core.watch import FolderWatcher

QUIET_S = 0.4  # a short quiet time keeps the tests quick; the app waits longer


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def key(path: Path) -> str:
    return str(path.resolve())


@pytest.fixture
def lib(tmp_path):
    with Library(tmp_path / "lib") as library:
        yield library


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "notes"
    write(folder / "alpha.txt", "Alpha: the harbour opens at six.")
    write(folder / "sub" / "bravo.md", "# Bravo\n\nThe ferry leaves at noon.")
    write(folder / "charlie.txt", "Charlie: the lighthouse is closed on Mondays.")
    return folder


class Changes:
    """A running watcher, and the bursts of changes it reported."""

    def __init__(self, folders: list[Path], **kwargs) -> None:
        self.bursts: queue.Queue[set[str]] = queue.Queue()
        kwargs.setdefault("quiet_s", QUIET_S)
        self.watcher = FolderWatcher(self.bursts.put, **kwargs)
        self.watcher.watch([key(f) for f in folders])
        self.watcher.start()

    def next(self, timeout: float = 5.0) -> set[str]:
        return self.bursts.get(timeout=timeout)

    def none_within(self, seconds: float) -> bool:
        try:
            burst = self.bursts.get(timeout=seconds)
        except queue.Empty:
            return True
        pytest.fail(f"unexpected changes reported: {burst}")

    def stop(self) -> None:
        self.watcher.stop()


@pytest.fixture
def watching():
    started: list[Changes] = []

    def start(folders: list[Path], **kwargs) -> Changes:
        changes = Changes(folders, **kwargs)
        started.append(changes)
        return changes

    yield start
    for changes in started:
        changes.stop()


def test_changes_made_while_closed_are_caught_up_with_on_start(tmp_path, folder):
    with Library(tmp_path / "lib") as lib:
        assert lib.add(folder).ok
        assert lib.folders() == [key(folder)]
        renamed_id = lib.find(folder / "sub" / "bravo.md").id

    # Longread is closed: one file is new, one edited, one deleted, one renamed.
    write(folder / "delta.txt", "Delta: the market is on Saturdays.")
    write(folder / "alpha.txt", "Alpha: the harbour now opens at seven.")
    (folder / "charlie.txt").unlink()
    (folder / "sub" / "bravo.md").rename(folder / "sub" / "bravo-ferry.md")

    with Library(tmp_path / "lib") as lib:
        report = lib.sync()

        assert report.summary() == "1 added, 1 changed, 1 renamed or moved, 1 removed"
        assert [Path(d.path).name for d in report.added] == ["delta.txt"]
        assert [Path(d.path).name for d in report.removed] == ["charlie.txt"]
        [(old, moved)] = report.moved
        assert (old, moved.path, moved.id) == (
            key(folder / "sub" / "bravo.md"),
            key(folder / "sub" / "bravo-ferry.md"),
            renamed_id,  # the same document: what cited it still finds it
        )
        names = sorted(Path(d.path).name for d in lib.documents())
        assert names == ["alpha.txt", "bravo-ferry.md", "delta.txt"]
        assert "seven" in lib.get(lib.find(folder / "alpha.txt").id).text
        assert [p.path for p in lib.search("When is the market?", k=1)] == [
            key(folder / "delta.txt")
        ]
        # The removed file is gone from the catalog and from every result, not only the top one.
        gone = key(folder / "charlie.txt")
        assert gone not in {d.path for d in lib.documents()}
        hits = lib.search("lighthouse closed on Mondays", k=3)
        assert len(hits) == 3  # the three documents left, so the removed one had room to show
        assert gone not in {p.path for p in hits}
        assert lib.check_integrity() == []

        # Nothing changed since: nothing is read again.
        assert lib.sync().summary() == "no changes"


def test_the_watcher_reports_new_changed_deleted_and_renamed_files_not_temp_files(folder, watching):
    changes = watching([folder])

    new = write(folder / "sub" / "echo.txt", "Echo.")
    assert key(new) in changes.next()

    write(folder / "alpha.txt", "Alpha, edited.")
    assert key(folder / "alpha.txt") in changes.next()

    (folder / "charlie.txt").unlink()
    assert key(folder / "charlie.txt") in changes.next()

    (folder / "sub" / "bravo.md").rename(folder / "bravo.md")
    burst = changes.next()
    assert {key(folder / "sub" / "bravo.md"), key(folder / "bravo.md")} <= burst

    # Hidden files, hidden folders, lock files and an editor's scratch files are not documents.
    write(folder / ".hidden.txt", "hidden")
    write(folder / ".cache" / "page.txt", "cached")
    write(folder / "~$report.docx", "lock")
    write(folder / "alpha.txt.swp", "swap")
    write(folder / "alpha.txt~", "backup")
    write(folder / "download.pdf.part", "partial")
    assert changes.none_within(QUIET_S + 1.0)


def test_a_burst_of_writes_gives_one_update_after_the_folder_is_quiet(tmp_path, folder, watching):
    quiet = 1.0  # well above the 0.1 s between the writes, even on a busy machine
    changes = watching([folder], quiet_s=quiet)
    target = folder / "report.txt"
    started = time.monotonic()
    # As an editor saves: a scratch file, written in pieces, renamed over the document, and
    # its time set afterwards.
    for step in range(6):
        scratch = folder / ".report.txt.tmp"
        scratch.write_text(f"Report, version {step}.\n" * (step + 1), encoding="utf-8")
        os.replace(scratch, target)
        os.utime(target)
        time.sleep(0.1)

    burst = changes.next()
    waited = time.monotonic() - started
    assert burst == {key(target)}
    assert waited >= 0.5 + quiet * 0.9  # it waited for the writes to end
    assert changes.none_within(quiet + 0.5)  # and said it once


def test_what_the_watcher_reports_is_brought_into_the_library(lib, folder, watching):
    assert lib.add(folder).ok
    changes = watching([folder])

    write(folder / "sub" / "foxtrot.txt", "Foxtrot: the museum is free on Sundays.")
    (folder / "charlie.txt").unlink()
    time.sleep(0.05)
    write(folder / "alpha.txt", "Alpha: the harbour is closed for repairs.")
    burst = changes.next()
    while not {key(folder / "charlie.txt"), key(folder / "alpha.txt")} <= burst:
        burst |= changes.next()

    report = lib.sync(burst)

    assert report.summary() == "1 added, 1 changed, 1 removed"
    names = sorted(Path(d.path).name for d in lib.documents())
    assert names == ["alpha.txt", "bravo.md", "foxtrot.txt"]
    assert "repairs" in lib.get(lib.find(folder / "alpha.txt").id).text


def test_a_folder_that_disappears_is_reported_and_its_documents_are_kept(
    lib, tmp_path, folder, watching
):
    assert lib.add(folder).ok
    changes = watching([folder], check_s=0.2)
    aside = tmp_path / "aside"

    shutil.move(folder, aside)  # as when a drive is unplugged, or the folder moved away
    burst = changes.next()
    assert key(folder) in burst
    report = lib.sync(burst)
    assert report.missing == [key(folder)]
    assert report.removed == [] and report.summary() == "no changes"
    assert len(lib.documents()) == 3  # kept: the folder may come back
    assert lib.sync().missing == [key(folder)]  # on the next start too

    shutil.move(aside, folder)  # it is back, with a change made meanwhile
    (folder / "charlie.txt").unlink()
    burst = changes.next()
    assert key(folder) in burst  # looked for again and watched again
    assert changes.watcher.folders() == [key(folder)]
    report = lib.sync(burst)
    assert report.missing == [] and report.summary() == "1 removed"


def test_removed_documents_stay_out_and_unreadable_files_are_tried_once_until_changed(lib, folder):
    assert lib.add(folder).ok
    lib.remove(folder / "charlie.txt")  # the user does not want this one
    broken = folder / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really a PDF")

    report = lib.sync()
    assert [Path(p).name for p, _ in report.failed] == ["broken.pdf"]
    assert "broken.pdf" in report.failed[0][1]
    assert "charlie.txt" not in {Path(d.path).name for d in lib.documents()}

    assert lib.sync().summary() == "no changes"  # neither brought back nor tried again

    broken.write_text("not a PDF either, but a change", encoding="utf-8")
    assert len(lib.sync().failed) == 1  # changed: tried again

    lib.add(folder / "charlie.txt")  # added again by hand: watched again
    (folder / "charlie.txt").unlink()
    assert lib.sync().summary().startswith("1 removed")


def test_a_folder_no_longer_watched_keeps_its_documents_and_a_removed_one_loses_them(
    lib, tmp_path, folder
):
    other = tmp_path / "papers"
    write(other / "golf.txt", "Golf: the course opens in April.")
    assert lib.add([folder, other]).ok
    assert lib.folders() == sorted([key(folder), key(other)])

    assert lib.unwatch(folder) is True
    write(folder / "hotel.txt", "Hotel.")
    assert lib.folders() == [key(other)]
    assert lib.sync().summary() == "no changes"  # the folder's changes are not looked at
    assert len(lib.documents()) == 4

    removed = lib.remove_folder(other)
    assert [Path(d.path).name for d in removed] == ["golf.txt"]
    assert lib.folders() == [] and len(lib.documents()) == 3
    assert (other / "golf.txt").exists()  # the file itself stays
