"""Searching a library as a user does: real PDFs, the real embedding model, the real command.

One 300-page PDF with a sentence planted on page 217 is added once, through `longread add`,
and the tests below search it in-process and through `longread search`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from core.embeddings import Embedder, bundled_model_path
from core.errors import LibraryError
from core.library import Library, migrations
from tests.core import prose
from tests.core.documents import files
from tests.core.test_cli import longread

pytestmark = pytest.mark.slow

PLANTED_PAGE = 217
PLANTED = (
    "Every Tuesday the keeper of the Vellmar lighthouse feeds sardines to his three ginger cats."
)
# ...in a paragraph of its own, as a fact in a real document is (one sentence alone among
# 240-token passages of unrelated text is diluted in the passage's vector).
PLANTED_PARAGRAPH = (
    PLANTED + " The cats wait for him on the stone steps below the lamp room, and he saves the "
    "best fish for the oldest one."
)
PARAPHRASE = "What does the lighthouse warden give his pets to eat?"
HELPER = Path(__file__).with_name("crash_add_helper.py")


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory) -> Path:
    pages = prose.pages(300, chars=900)
    paragraphs = pages[PLANTED_PAGE - 1].split("\n\n")
    paragraphs.insert(1, PLANTED_PARAGRAPH)
    pages[PLANTED_PAGE - 1] = "\n\n".join(paragraphs)
    folder = tmp_path_factory.mktemp("pdf")
    return files.write_pdf(folder / "harbour-records.pdf", pages, title="Harbour Records")


@pytest.fixture(scope="module")
def added(long_pdf, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A library to which `longread add` added the long PDF."""
    library = tmp_path_factory.mktemp("lib") / "library"
    result = longread("add", "--library", str(library), str(long_pdf), timeout=300)
    return library, result


@pytest.fixture
def lib(added, tmp_path):
    """A private copy of the module's library, so tests may change it."""
    copy = shutil.copytree(added[0], tmp_path / "library")
    with Library(copy) as library:
        yield library


# -- finding things ----------------------------------------------------------------------------


def test_longread_add_then_search_returns_the_planted_page(added):
    library, result = added
    assert result.returncode == 0, result.stderr
    assert "1 added" in result.stdout

    found = longread("search", "--library", str(library), PARAPHRASE)
    assert found.returncode == 0, found.stderr
    first = found.stdout.split("\n\n")[0]
    assert first.startswith("1. Harbour Records — page") and str(PLANTED_PAGE) in first
    assert "Vellmar lighthouse" in flat(found.stdout)

    data = json.loads(longread("search", "--library", str(library), "--json", "Vellmar").stdout)
    top = data[0]
    assert top["page"] <= PLANTED_PAGE <= top["page_end"] and top["title"] == "Harbour Records"
    assert PLANTED in flat(top["quote"])
    assert {"document", "path", "page_label", "start", "end", "score"} <= set(top)


def test_a_planted_sentence_is_in_the_top_five_by_meaning_and_by_its_rare_word(lib):
    [doc] = lib.documents()
    text = lib.get(doc.id).text

    for query, rank in ((PARAPHRASE, "dense_rank"), ("Vellmar", "keyword_rank")):
        passages = lib.search(query, k=5)
        hit = next(p for p in passages if PLANTED in flat(p.text))
        assert getattr(hit, rank) is not None and getattr(hit, rank) <= 5, query
        # A similarity exactly where the passage was found by meaning, and a cosine one then.
        assert (hit.similarity is None) == (hit.dense_rank is None), hit
        if hit.dense_rank is not None:
            assert 0.0 < hit.similarity <= 1.0, hit
        assert hit.page_start <= PLANTED_PAGE <= hit.page_end
        assert hit.text == text[hit.start : hit.end]  # the quote is the document's own text
        assert (hit.title, hit.doc_id, hit.page_unit) == ("Harbour Records", doc.id, "page")
    assert PLANTED in flat(lib.search("Vellmar", k=1)[0].text)
    assert PLANTED in flat(lib.search(PARAPHRASE, k=1)[0].text)


def test_search_within_chosen_documents(lib, tmp_path):
    other = files.write_pdf(
        tmp_path / "cats.pdf", ["A note on cats: they like sardines and sleeping in the sun."]
    )
    [info] = lib.add(other).added
    [harbour] = [d for d in lib.documents() if d.id != info.id]

    assert lib.search("cats sardines", k=3, doc_ids=[info.id])[0].doc_id == info.id
    assert {p.doc_id for p in lib.search("cats sardines", k=20, doc_ids=[harbour.id])} == {
        harbour.id
    }
    assert lib.search("cats", doc_ids=[999]) == []
    assert lib.search("   ") == []


# -- keeping the index in step -----------------------------------------------------------------


def test_removing_a_document_removes_its_chunks_from_both_indexes(lib, tmp_path):
    note = files.write_text(tmp_path / "note.txt", "Quixotic zephyrs vex the harbour master.")
    [info] = lib.add(note).added
    assert lib.search("quixotic zephyrs")[0].doc_id == info.id
    chunk_ids = {
        r[0]
        for r in sqlite3.connect(lib.catalog).execute(
            "SELECT id FROM chunks WHERE doc_id = ?", (info.id,)
        )
    }

    lib.remove(info.id)

    assert all(p.doc_id != info.id for p in lib.search("quixotic zephyrs", k=50))
    index = lib._search_index()
    assert not chunk_ids & set(index.vectors.ids()) and not chunk_ids & set(index.keywords.ids)
    assert lib.check_integrity() == []
    reopened = Library(lib.dir)  # and on disk, as another process sees it
    assert all(p.doc_id != info.id for p in reopened.search("quixotic zephyrs", k=50))
    assert reopened.check_integrity() == []


def test_a_changed_file_embeds_only_its_changed_passages(lib, tmp_path):
    pages = prose.pages(12, chars=1200, start=40)
    doc = files.write_text(tmp_path / "notes.txt", "\f".join(pages))
    calls: list[int] = []
    real_embed = lib.embedder.embed

    def counting(texts, **kwargs):
        calls.append(len(texts))
        return real_embed(texts, **kwargs)

    lib.embedder.embed = counting
    try:
        first = lib.add(doc)
        chunks_before = sqlite3.connect(lib.catalog).execute("SELECT count(*) FROM chunks")
        chunks_before = chunks_before.fetchone()[0]
        pages[-1] = "A new last page about Vellmar's second lighthouse, built in 1911."
        files.write_text(doc, "\f".join(pages))
        calls.clear()

        again = lib.add(doc)
    finally:
        del lib.embedder.embed
    assert len(first.added) == 1 and len(again.updated) == 1
    # The passages around the new page, and only those: the rest came from the catalog.
    assert 1 <= sum(calls) <= 2, calls
    assert chunks_before > 10
    assert "1911" in lib.search("when was the second lighthouse built", k=1)[0].text
    assert lib.check_integrity() == []


def test_the_integrity_check_finds_passages_that_do_not_match_their_document(lib):
    assert lib.check_integrity() == []
    with sqlite3.connect(lib.catalog) as db:
        db.execute("UPDATE chunks SET text = 'tampered' WHERE seq = 3")
        db.execute("UPDATE chunks SET page_end = page_end + 1 WHERE seq = 5")
        db.execute("UPDATE chunks SET vector = x'00000000' WHERE seq = 7")

    problems = lib.check_integrity()

    assert any("passage 3: its text is not the document's" in p for p in problems), problems
    assert any("passage 5: says pages" in p for p in problems)
    assert any("passage 7: its vector has 4 bytes" in p for p in problems)
    assert any("search index could not be checked" in p for p in problems)


@pytest.mark.parametrize("damage", ["deleted", "garbage"])
def test_index_files_that_are_gone_or_damaged_are_rebuilt(lib, damage):
    before = lib.search(PARAPHRASE, k=5)
    lib.close()
    vectors, keywords = lib.dir / "vectors.faiss", lib.dir / "keywords"
    if damage == "deleted":
        vectors.unlink()
        shutil.rmtree(keywords)
    else:
        vectors.write_bytes(os.urandom(2000))
        for f in keywords.iterdir():
            f.write_bytes(b"{not json")

    with Library(lib.dir) as reopened:
        after = reopened.search(PARAPHRASE, k=5)
        assert [p.chunk_id for p in after] == [p.chunk_id for p in before]
        assert reopened.check_integrity() == []
    assert vectors.is_file() and (keywords / "chunk_ids.npy").is_file()


def test_documents_added_before_search_existed_are_indexed_by_the_next_add(tmp_path):
    # A catalog as Longread made it before this version: migration m001 only, one document.
    folder = tmp_path / "old"
    folder.mkdir()
    db = sqlite3.connect(folder / "catalog.sqlite", isolation_level=None)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    migrations.m001_create_tables(db)
    db.execute("INSERT INTO _migrations VALUES ('m001_create_tables', '2025-01-01')")
    text = "The old library remembers the Vellmar lighthouse."
    db.execute(
        "INSERT INTO documents VALUES (1, '/gone/old.txt', 'old', 'ab', 'txt', 'block', 1, 0, 1, "
        "?, '2025-01-01', '2025-01-01')",
        (len(text),),
    )
    db.execute("INSERT INTO pages VALUES (1, 1, '1', ?, 0, ?)", (text, len(text)))
    db.close()

    with Library(folder) as lib:
        assert [d.title for d in lib.pending()] == ["old"]
        assert lib.search("Vellmar") == []
        report = lib.add(files.write_text(tmp_path / "new.txt", "A new note."))
        assert len(report.added) == 1 and lib.pending() == []
        assert lib.search("Vellmar")[0].title == "old"
        assert lib.check_integrity() == []


def test_a_library_indexed_with_another_model_says_so(lib, tmp_path):
    other = shutil.copytree(bundled_model_path(), tmp_path / "other-model")
    config = json.loads((other / "config.json").read_text())
    config["note"] = "a different model"
    (other / "config.json").write_text(json.dumps(config))

    with Library(lib.dir, embedder=Embedder(other)) as mismatched:
        with pytest.raises(LibraryError, match="indexed with the embedding model"):
            mismatched.search("anything")
        with pytest.raises(LibraryError, match="all-MiniLM-L6-v2"):
            mismatched.add(files.write_text(tmp_path / "n.txt", "new"))


# -- long work ---------------------------------------------------------------------------------


def test_adding_a_long_pdf_reports_pages_read_and_passages_embedded(
    long_pdf, tmp_path, monkeypatch
):
    # Messages are spaced in time; on a fast machine the whole file takes less than the spacing.
    monkeypatch.setattr("core.library.ingest.PROGRESS_EVERY_S", 0.0)
    monkeypatch.setattr("core.documents.pdf._PROGRESS_EVERY_S", 0.0)
    messages: list[str] = []
    with Library(tmp_path / "lib") as lib:
        lib.add(long_pdf, on_progress=lambda done, total, message: messages.append(message))
    reading = [m for m in messages if m.startswith("Reading harbour-records.pdf: page")]
    embedding = [m for m in messages if m.startswith("Embedding harbour-records.pdf:")]
    assert reading and embedding, messages
    assert " of 300" in reading[0]
    assert embedding[0].endswith(" passages")  # before the first batch (the model loads)
    assert " of " in embedding[-1] and embedding[-1].endswith(" s left")
    assert messages[-1] == "1 added"


def test_cancelling_while_embedding_stores_nothing_of_that_file(long_pdf, tmp_path):
    cancel = threading.Event()

    def on_progress(done, total, message):
        if message.startswith("Embedding"):
            cancel.set()

    with Library(tmp_path / "lib") as lib:
        report = lib.add(long_pdf, on_progress=on_progress, cancel=cancel)
        assert report.cancelled and report.added == [] and lib.documents() == []
        assert lib.check_integrity() == []
        assert len(lib.add(long_pdf).added) == 1


@pytest.mark.skipif(os.name == "nt", reason="needs SIGKILL and process groups")
def test_a_killed_add_leaves_an_index_that_reopens_and_matches_the_catalog(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, paragraph in enumerate(prose.paragraphs()[:40]):
        files.write_text(folder / f"note{i:02}.txt", f"Codeword zebra{i}. {paragraph}")
    library = tmp_path / "lib"
    # The helper stops inside the transaction of the 25th document: 24 are committed, with
    # their chunks, and the index files (written at the end of an add) are not there yet.
    proc = subprocess.Popen(
        [sys.executable, str(HELPER), str(library), str(folder), "25"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=HELPER.parents[2],
    )
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line.strip())
            if lines[-1] in ("stalled", "finished"):
                break
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    assert lines[-1] == "stalled"
    assert not (library / "vectors.faiss").exists()

    with Library(library) as lib:
        stored = {d.title for d in lib.documents()}
        assert len(stored) == 24
        assert lib.check_integrity() == []
        for title in sorted(stored)[:3]:
            i = int(title.removeprefix("note"))
            assert lib.search(f"zebra{i}", k=1)[0].title == title
        missing = f"zebra{39}"
        assert all(p.title != "note39" for p in lib.search(missing, k=5))
        assert len(lib.add(folder).added) == 40 - len(stored)
        assert lib.search("zebra39", k=1)[0].title == "note39"
