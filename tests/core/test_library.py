"""The library: adding files and folders, updates, removal, bad files, reopening, crashes."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import core.documents
from core.errors import LibraryError
from core.library import AddReport, Library
from core.paths import default_library_dir, user_dir

HELPER = Path(__file__).with_name("crash_add_helper.py")


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def lib(tmp_path):
    with Library(tmp_path / "lib") as library:
        yield library


@pytest.fixture
def parses(monkeypatch):
    """The files the library actually parses (rather than recognises as already added)."""
    seen: list[str] = []
    real_load = core.documents.load

    def load(path, **kwargs):
        seen.append(Path(path).name)
        return real_load(path, **kwargs)

    monkeypatch.setattr(core.documents, "load", load)
    return seen


def names(paths) -> set[str]:
    return {Path(p).name for p in paths}


def assert_spans_match(doc) -> None:
    text = doc.text
    for page in doc.pages:
        assert text[page.start : page.end] == page.text


# -- adding ------------------------------------------------------------------------------------


def test_a_file_added_is_listed_with_its_title_and_pages(lib, tmp_path):
    file = write(tmp_path / "notes.md", "# Meeting notes\n\nFirst page.\fSecond page.\fThird.")

    report = lib.add(file)

    assert report.ok and not report.cancelled
    assert [d.path for d in report.added] == [str(file.resolve())]
    [info] = lib.documents()
    assert (info.title, info.format, info.page_unit, info.page_count) == (
        "Meeting notes",
        "md",
        "page",
        3,
    )
    doc = lib.get(info.id)
    assert doc.id == info.id
    assert [p.text for p in doc.pages] == [
        "# Meeting notes\n\nFirst page.",
        "Second page.",
        "Third.",
    ]
    assert [p.label for p in doc.pages] == ["1", "2", "3"]
    assert info.char_count == len(doc.text)
    assert_spans_match(doc)


def test_a_folder_is_added_recursively_skipping_hidden_and_unknown_files(lib, tmp_path):
    root = tmp_path / "docs"
    write(root / "a.txt", "Alpha")
    write(root / "b.md", "# Bravo\n\nText")
    write(root / "sub" / "c.txt", "Charlie")
    write(root / "sub" / "deeper" / "d.markdown", "Delta")
    write(root / ".hidden.txt", "secret")
    write(root / ".git" / "config.txt", "not a document")
    write(root / "image.png", b"\x89PNG\r\n\x1a\n")
    write(root / "sub" / "notes.xyz", "unknown format")
    write(root / "~$report.docx", b"\x00lock")  # Word's lock file next to an open document

    report = lib.add(root)

    assert report.ok, report.failed
    assert names(d.path for d in report.added) == {"a.txt", "b.md", "c.txt", "d.markdown"}
    assert names(report.skipped) == {
        ".hidden.txt",
        ".git",
        "image.png",
        "notes.xyz",
        "~$report.docx",
    }
    assert sorted(d.title for d in lib.documents()) == ["Bravo", "a", "c", "d"]


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs symlinks")
def test_linked_folders_are_followed_once_and_link_loops_end(lib, tmp_path):
    root = tmp_path / "docs"
    write(root / "a.txt", "Alpha")
    write(tmp_path / "elsewhere" / "e.txt", "Echo")
    os.symlink(tmp_path / "elsewhere", root / "linked")
    os.symlink(root, root / "loop")  # a link to its own parent

    report = lib.add(root)

    assert report.ok
    assert names(d.path for d in report.added) == {"a.txt", "e.txt"}
    assert len(lib.documents()) == 2


def test_adding_again_changes_nothing_and_parses_nothing(lib, tmp_path, parses):
    root = tmp_path / "docs"
    for i in range(3):
        write(root / f"f{i}.txt", f"file {i}")
    first = lib.add(root)
    before = lib.documents()
    parses.clear()

    again = lib.add(root)

    assert parses == []
    assert again.added == [] and again.updated == []
    assert names(path for path, _ in again.unchanged) == {"f0.txt", "f1.txt", "f2.txt"}
    assert lib.documents() == before
    assert {info.id for _, info in again.unchanged} == {d.id for d in first.added}


def test_a_changed_file_is_read_again_with_its_new_text_and_page_spans(lib, tmp_path):
    file = write(tmp_path / "draft.txt", "one\ftwo")
    [old] = lib.add(file).added
    write(file, "one, revised\ftwo\fthree is new")

    report = lib.add(file)

    [new] = report.updated
    assert report.added == [] and new.id == old.id and new.added_at == old.added_at
    assert new.sha256 != old.sha256
    assert (new.page_count, lib.find(file).page_count) == (3, 3)
    doc = lib.get(new.id)
    assert [p.text for p in doc.pages] == ["one, revised", "two", "three is new"]
    assert [(p.start, p.end) for p in doc.pages] == [(0, 12), (14, 17), (19, 31)]
    assert_spans_match(doc)
    assert lib.check_integrity() == []


def test_the_same_content_under_two_paths_is_stored_once(lib, tmp_path, parses):
    original = write(tmp_path / "report.txt", "quarterly figures")
    copy = write(tmp_path / "copies" / "report (1).txt", "quarterly figures")

    report = lib.add([original, copy])

    assert [d.path for d in report.added] == [str(original.resolve())]
    [(path, holder)] = report.unchanged
    assert path == str(copy.resolve()) and holder.path == str(original.resolve())
    assert len(lib.documents()) == 1
    assert parses == ["report.txt"]


def test_a_moved_file_keeps_its_document(lib, tmp_path):
    old = write(tmp_path / "old name.txt", "moving text")
    [before] = lib.add(old).added
    new = old.rename(tmp_path / "new name.txt")

    [after] = lib.add(new).updated

    assert after.id == before.id and after.path == str(new.resolve())
    assert after.title == "new name"
    assert lib.find(old) is None and len(lib.documents()) == 1


def test_a_folder_with_bad_files_adds_the_good_ones_and_names_the_bad(lib, tmp_path):
    root = tmp_path / "mixed"
    for i in range(3):
        write(root / f"good{i}.txt", f"good text {i}")
    write(root / "empty.txt", "")
    write(root / "blank.txt", "\n\n   \n")
    write(root / "binary.txt", bytes(range(256)) * 8)
    write(root / "z-last-good.md", "still added after the bad ones")

    report = lib.add(root)

    assert not report.ok
    assert names(d.path for d in report.added) == {
        "good0.txt",
        "good1.txt",
        "good2.txt",
        "z-last-good.md",
    }
    failed = {Path(path).name: message for path, message in report.failed}
    assert set(failed) == {"empty.txt", "blank.txt", "binary.txt"}
    for name, message in failed.items():
        assert f"“{name}”" in message
    assert "empty" in failed["empty.txt"]
    assert "no text" in failed["blank.txt"]
    assert "not text" in failed["binary.txt"]
    assert len(lib.documents()) == 4


def test_files_given_by_name_that_cannot_be_added_are_failures(lib, tmp_path):
    photo = write(tmp_path / "photo.png", b"\x89PNG\r\n\x1a\n")
    missing = tmp_path / "gone.txt"

    report = lib.add([photo, missing])

    failed = dict(report.failed)
    assert "is not a format Longread can read" in failed[str(photo.resolve())]
    assert "was not found" in failed[str(missing.resolve())]
    assert lib.documents() == []


def test_cancel_stops_between_files_and_a_later_add_finishes(lib, tmp_path):
    root = tmp_path / "docs"
    for i in range(5):
        write(root / f"f{i}.txt", f"text {i}")
    cancel = threading.Event()
    calls: list[tuple[int, int]] = []

    def on_progress(done: int, total: int, message: str) -> None:
        calls.append((done, total))
        if done == 2:
            cancel.set()

    report = lib.add(root, on_progress=on_progress, cancel=cancel)

    assert report.cancelled and len(report.added) == 2
    assert len(lib.documents()) == 2
    assert calls[0] == (0, 5) and calls[-1] == (2, 5)
    rest = lib.add(root)
    assert not rest.cancelled and len(rest.added) == 3 and len(rest.unchanged) == 2
    assert len(lib.documents()) == 5


def test_progress_counts_every_file_and_ends_with_a_summary(lib, tmp_path):
    root = tmp_path / "docs"
    for i in range(3):
        write(root / f"f{i}.txt", f"text {i}")
    calls: list[tuple[int, int, str]] = []

    report = lib.add(root, on_progress=lambda *call: calls.append(call))

    assert [c[:2] for c in calls] == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert calls[0][2] == "Reading f0.txt"
    assert calls[-1][2] == report.summary() == "3 added"


def test_each_file_is_followed_from_queued_to_ready_or_failed(lib, tmp_path):
    root = tmp_path / "docs"
    for i in range(3):
        write(root / f"f{i}.txt", f"text {i}")
    write(root / "empty.txt", "")
    states: dict[str, list[str]] = {}
    messages: dict[str, str] = {}

    def on_file(path: str, state: str, fraction, message: str) -> None:
        states.setdefault(Path(path).name, []).append(state)
        messages[Path(path).name] = message

    lib.add(root, on_file=on_file)
    again: dict[str, list[str]] = {}
    lib.add(
        root / "f0.txt", on_file=lambda p, s, f, m: again.setdefault(Path(p).name, []).append(s)
    )

    for name in ("f0.txt", "f1.txt", "f2.txt"):
        seen = [s for i, s in enumerate(states[name]) if i == 0 or states[name][i - 1] != s]
        assert seen == ["queued", "reading", "indexing", "ready"], name
    assert states["empty.txt"] == ["queued", "reading", "failed"]
    assert "empty" in messages["empty.txt"]
    assert again == {"f0.txt": ["queued", "reading", "ready"]}  # already there: nothing to do


def test_adding_from_another_thread_works(lib, tmp_path):
    # The window opens the library and adds documents from a worker thread.
    file = write(tmp_path / "a.txt", "threaded")
    reports: list[AddReport] = []
    worker = threading.Thread(target=lambda: reports.append(lib.add(file)))
    worker.start()
    worker.join(30)
    assert reports and reports[0].ok
    assert [d.title for d in lib.documents()] == ["a"]


# -- finding and removing ----------------------------------------------------------------------


def test_remove_by_id_by_number_and_by_path_keeps_the_files(lib, tmp_path):
    files = [write(tmp_path / f"f{i}.txt", f"text {i}") for i in range(3)]
    infos = lib.add(files).added

    assert lib.remove(infos[0].id).path == str(files[0].resolve())
    assert lib.remove(str(infos[1].id)).id == infos[1].id
    assert lib.remove(files[2]).id == infos[2].id

    assert lib.documents() == []
    assert all(f.exists() for f in files)
    with pytest.raises(LibraryError, match="not in the library"):
        lib.get(infos[0].id)


def test_find_accepts_an_id_a_number_or_a_path(lib, tmp_path):
    file = write(tmp_path / "a.txt", "findable")
    [info] = lib.add(file).added
    assert lib.find(info.id) == lib.find(str(info.id)) == lib.find(file) == info
    assert lib.find(str(file)) == info
    assert lib.find(999) is None and lib.find(tmp_path / "other.txt") is None


def test_removing_what_is_not_there_says_so(lib, tmp_path):
    with pytest.raises(LibraryError, match="“42” is not in the library"):
        lib.remove(42)
    with pytest.raises(LibraryError, match=r"nothing\.txt” is not in the library"):
        lib.remove(tmp_path / "nothing.txt")


# -- on disk -----------------------------------------------------------------------------------


def test_a_reopened_library_has_the_same_documents(tmp_path):
    root = write(tmp_path / "docs" / "a.txt", "alpha\fbeta").parent
    write(root / "b.md", "# B\n\nbravo")
    with Library(tmp_path / "lib") as first:
        first.add(root)
        listed = first.documents()
        texts = {d.id: first.get(d.id).text for d in listed}

    with Library(tmp_path / "lib") as second:
        assert second.documents() == listed
        assert {d.id: second.get(d.id).text for d in listed} == texts


def test_library_lives_in_longread_home_by_default(private_home, tmp_path, monkeypatch):
    file = write(tmp_path / "a.txt", "home")
    with Library() as lib:
        lib.add(file)
        assert lib.dir == private_home / "library" == default_library_dir()
    assert (private_home / "library" / "catalog.sqlite").is_file()

    monkeypatch.delenv("LONGREAD_HOME")
    from platformdirs import user_data_dir

    assert user_dir() == Path(user_data_dir("Longread", appauthor=False))


def test_a_catalog_that_is_not_a_database_is_refused_with_advice(tmp_path):
    folder = tmp_path / "lib"
    write(folder / "catalog.sqlite", os.urandom(4096))

    with pytest.raises(LibraryError) as caught:
        Library(folder)

    message = str(caught.value)
    assert str(folder) in message and "damaged" in message and "Move that folder aside" in message


def test_a_catalog_from_a_newer_version_is_refused(tmp_path):
    Library(tmp_path / "lib").close()
    with sqlite3.connect(tmp_path / "lib" / "catalog.sqlite") as db:
        db.execute("INSERT INTO _migrations VALUES ('m999_from_the_future', '2099-01-01')")

    with pytest.raises(LibraryError, match="newer version of Longread"):
        Library(tmp_path / "lib")


def test_a_library_folder_that_cannot_be_made_is_explained(tmp_path):
    blocker = write(tmp_path / "file", "a file where the folder should be")
    with pytest.raises(LibraryError, match="could not create its library folder"):
        Library(blocker / "lib")


def test_integrity_check_finds_damaged_pages(lib, tmp_path):
    lib.add([write(tmp_path / "a.txt", "one\ftwo\fthree"), write(tmp_path / "b.txt", "bee")])
    assert lib.check_integrity() == []
    with sqlite3.connect(lib.catalog) as db:
        db.execute('UPDATE pages SET "end" = "end" + 1 WHERE number = 2')
        db.execute("DELETE FROM pages WHERE doc_id = 2")

    problems = lib.check_integrity()

    assert any("Document 1, page 2" in p for p in problems)
    assert any("Document 2" in p and "0 pages" in p for p in problems)


# -- crash safety ------------------------------------------------------------------------------

# Where a kill can land inside an add (see crash_add_helper.py), and how many times each step
# happens at least while one batch below is added: the N-th time is always reached.
KILL_STEPS = {
    "read": 6,  # files in a batch
    "embed": 2,  # batches of passages embedded (32 each)
    "pages": 40,  # page rows written
    "chunks": 36,  # passage rows written
    "commit": 6,  # documents stored
    "vectors-save": 1,
    "keywords-save": 1,
}
KILLS = 20
TIMED_KILLS = 7  # killed after a random delay, wherever the add happens to be
WORDS = (
    "river stone lease contract tenant harbour ledger candle orchard violin meadow copper "
    "lantern pepper glacier census verdict parcel beacon falcon timber quarry saddle wool"
).split()
# What a library folder holds; anything else is left over from an interrupted write.
LIBRARY_FILES = {
    "catalog.sqlite",
    "catalog.sqlite-wal",
    "catalog.sqlite-shm",
    "vectors.faiss",
    "keywords",
    "keywords-recent",
}


class _AddServer:
    """crash_add_helper.py: the embedding model loaded once, an add forked per command."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HELPER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=HELPER.parents[2],
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert self.next(300) == "ready"

    def _read(self) -> None:
        for line in self.proc.stdout:
            if line.endswith("\n"):  # a whole line (the helper writes each in one go)
                self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next(self, timeout: float) -> str:
        line = self.lines.get(timeout=timeout)
        assert line is not None, f"the helper stopped (exit code {self.proc.poll()})"
        assert not line.startswith("error"), line
        return line

    def add(self, library: Path, paths: list[Path], hook: dict | None, delay: float | None):
        """Add `paths` in a child; kill it where `hook` stalls it or `delay` s after it was
        forked (neither: let it finish). Returns (killed, files stored before, seconds run)."""
        command = {"library": str(library), "paths": [str(p) for p in paths], "hook": hook}
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        forked = self.next(120)
        assert forked.startswith("forked "), forked
        pid, begun = int(forked.split()[1]), time.monotonic()
        stored: set[str] = set()
        killed = False
        while True:
            wait = 120.0 if delay is None else begun + delay - time.monotonic()
            try:
                line = self.next(max(wait, 0.0))
            except queue.Empty:
                assert delay is not None, f"no word from the add for 120 s (hook {hook})"
                line = "time"
            if line.startswith("stored "):
                stored.add(line.removeprefix("stored "))
                continue
            if line.startswith("started "):
                continue
            if line.startswith("finished"):
                assert hook is None, f"the add finished before reaching {hook}"
                break
            assert line == "time" or line.startswith("stalled "), line
            try:
                os.killpg(pid, signal.SIGKILL)  # the child and its parser process
            except ProcessLookupError:  # so early that it has no process group of its own yet
                os.kill(pid, signal.SIGKILL)
            killed = True
            break
        seconds = time.monotonic() - begun
        while not (line := self.next(60)).startswith("ended "):
            if line.startswith("stored "):  # printed before the kill, read after it
                stored.add(line.removeprefix("stored "))
        return killed, stored, seconds

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(30)


def _write_batch(folder: Path, number: int, rng: random.Random) -> dict[str, list[str]]:
    """Five small files and a long one; returns each file's pages, by resolved path."""
    files: dict[str, list[str]] = {}

    def page(i: int, words: int) -> str:
        return f"code{number}q{i} " + " ".join(rng.choice(WORDS) for _ in range(words))

    for i in range(6):
        count = 36 if i == 5 else rng.randint(1, 3)  # the long one: 36 pages, a passage each
        pages = [page(i, 110 if i == 5 else rng.randint(10, 60)) for _ in range(count)]
        path = write(folder / f"f{number:02}-{i}.txt", "\f".join(pages))
        files[str(path.resolve())] = pages
    return files


def _kill_plan(rng: random.Random) -> list[tuple[str, int] | None]:
    """KILLS moments: every step once, more steps at random, the rest timed (None)."""
    steps = list(KILL_STEPS)
    hooked = steps + rng.choices(steps, k=KILLS - TIMED_KILLS - len(steps))
    plan = [(step, rng.randint(1, KILL_STEPS[step])) for step in hooked]
    plan += [None] * TIMED_KILLS
    rng.shuffle(plan)
    return plan


def _check_after_kill(
    lib_dir: Path, files: dict[str, list[str]], before: set[str], rng: random.Random, context: str
) -> set[str]:
    """The library opens whole after a kill; returns the files it holds."""
    with contextlib.closing(sqlite3.connect(lib_dir / "catalog.sqlite")) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)], context
    with Library(lib_dir) as lib:
        assert lib.check_integrity() == [], context
        held = {d.path: d for d in lib.documents()}
        assert len(held) == len({d.sha256 for d in held.values()}), f"{context}: a duplicate"
        lost = before - held.keys()
        assert not lost, f"{context}: lost {sorted(lost)}"
        for path, info in held.items():  # those stored before, and any whole new one
            assert [p.text for p in lib.get(info.id).pages] == files[path], f"{context}: {path}"
        ids = lib._chunk_ids()
        if lib._dimension() is None:  # killed before its first passage was stored
            assert not held and not len(ids), context
            return set()
        # The two halves of search hold exactly the catalog's passages ...
        index = lib._search_index()
        assert list(index.vectors.ids()) == list(ids) == list(index.keywords.ids), context
        # ... and find a document by a word only it has.
        for path in rng.sample(sorted(held), min(2, len(held))):
            code = files[path][0].split()[0]
            by_word = [h.path for h in lib.search(code, k=5) if h.keyword_rank is not None]
            assert by_word and set(by_word) == {path}, f"{context}: {code}"
        leftovers = sorted(p.name for p in lib_dir.iterdir() if p.name not in LIBRARY_FILES)
        assert leftovers == [], f"{context}: left behind {leftovers}"
    return set(held)


@pytest.mark.skipif(os.name == "nt", reason="needs fork, SIGKILL and process groups")
def test_killing_an_add_at_any_moment_loses_nothing_added_before(tmp_path):
    seed = int(os.environ.get("LONGREAD_CRASH_SEED") or random.randrange(2**32))
    rng = random.Random(seed)
    plan = _kill_plan(rng)
    print(f"crash test seed {seed} (LONGREAD_CRASH_SEED={seed} replays it); kills: {plan}")
    lib_dir, root = tmp_path / "lib", tmp_path / "docs"
    files = _write_batch(root / "b00", 0, rng)
    server = _AddServer()
    try:
        # The very first add to a new library, killed: at the first time a step happens.
        first = {"step": rng.choice(list(KILL_STEPS)), "at": 1}
        print(f"seed {seed}, a new library: kill at {first}")
        killed, stored, _ = server.add(tmp_path / "new", [root / "b00"], first, None)
        assert killed
        context = f"seed {seed}, a new library, killed at {first}"
        held = _check_after_kill(tmp_path / "new", files, stored, rng, context)
        killed, stored, _ = server.add(tmp_path / "new", [root / "b00"], None, None)
        assert not killed and stored == set(files), context
        _check_after_kill(tmp_path / "new", files, set(files), rng, context)

        killed, stored, full = server.add(lib_dir, [root / "b00"], None, None)
        assert not killed and stored == set(files)
        held = _check_after_kill(lib_dir, files, set(files), rng, f"seed {seed}, first add")
        kills, tries, batch = 0, 0, 0
        while kills < KILLS:
            tries += 1
            assert tries <= KILLS + 10, f"seed {seed}: the timed kills keep missing the add"
            batch += 1
            folder = root / f"b{batch:02}"
            files |= _write_batch(folder, batch, rng)
            moment = plan[kills]
            hook = None if moment is None else {"step": moment[0], "at": moment[1]}
            delay = None if moment is not None else rng.uniform(0.0, full)
            previous = root / f"b{batch - 1:02}"  # with what the last kill left unfinished
            killed, stored, seconds = server.add(lib_dir, [previous, folder], hook, delay)
            context = f"seed {seed}, batch {batch}, kill {kills + 1}: {hook or delay}"
            print(f"{context}: {'killed' if killed else 'finished'} after {seconds:.2f} s")
            held = _check_after_kill(lib_dir, files, held | stored, rng, context)
            kills += killed
    finally:
        server.close()

    with Library(lib_dir) as lib:  # adding everything again finishes what was interrupted
        report = lib.add(root)
        assert report.ok and not report.cancelled, seed
        assert {d.path for d in report.added} == set(files) - held, seed
        assert {path for path, _ in report.unchanged} == held, seed
        assert lib.check_integrity() == [], seed
    _check_after_kill(lib_dir, files, set(files), rng, f"seed {seed}, after the last add")


def test_what_a_killed_save_left_neither_blocks_the_index_nor_stays(lib, tmp_path):
    lib.add(write(tmp_path / "a.txt", "the first document"))
    lib.close()
    # As a process killed while swapping in the keyword index left it, under this process's
    # id (ids come back after a restart), and a half-written vector file of a dead process.
    write(lib.dir / f".keywords.old-{os.getpid()}" / "chunk_ids.npy", b"old")
    write(lib.dir / ".vectors.faiss.999999999-k1ll3d.tmp", b"half a file")

    with Library(lib.dir) as again:
        report = again.add(write(tmp_path / "b.txt", "the second document"))
        assert report.ok
        assert again.search("second", k=1)[0].path == str((tmp_path / "b.txt").resolve())
        assert again.check_integrity() == []
    assert sorted(p.name for p in lib.dir.iterdir() if p.name.startswith(".")) == []


def test_check_finds_a_keyword_index_with_the_words_of_other_passages(lib, tmp_path):
    from core.retrieval import KeywordIndex

    lib.add([write(tmp_path / f"{name}.txt", f"all about {name}") for name in ("owl", "elk")])
    ids = lib._chunk_ids()
    texts = lib._texts_for(ids)
    lib.close()
    # Right passage ids, but each with the other one's words: a search for "owl" finds the elk.
    KeywordIndex.build(ids, texts[::-1]).save(lib.dir / "keywords")

    with Library(lib.dir) as again:
        problems = again.check_integrity()
    assert any("keyword index (on disk) has the words of other passages" in p for p in problems)
