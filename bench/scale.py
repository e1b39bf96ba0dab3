"""Longread at the size people bring: a library of thousands of documents, built and used.

The corpus (bench/scale_corpus.py): by default about 2,100 documents and 50,000 pages of real
text (the system's manual pages, rendered by groff) as PDF, Word, HTML, Markdown, text and
EPUB, in 20 folders. It is made once under bench/out/scale-corpus and reused.

The build adds the folders one after another with `Library.add` (what `longread add FOLDER`
runs), in this process, as a user adding one folder at a time would. Measured:

- pages/s over the first and the last 10 % of the pages (each document counts when it is
  stored; the time of each `add` ends when its search index is saved, so an index update that
  grows with the library shows in the last 10 %);
- peak RSS of this process and its children (the parser process), sampled every 0.2 s;
- disk used by the library folder per 1,000 pages;
- opening the library: `longread list` (a new process), and the window until it takes input
  (a new process on Qt's offscreen platform: from launch until it has shown the list and its
  event loop answers), and the longest event-loop gap while filtering and scrolling the list;
- search: p50/p99 of `Library.search` (query embedding included) over real queries (what
  each manual page's NAME line says it does, for pages in the corpus), after a first search
  that loads the index; recall@10 of the vector index against exact search of every vector;
- removing one document (until a search no longer finds it);
- re-adding one changed document (one page of a PDF rewritten): time, and passages embedded
  against the document's passages;
- re-syncing the unchanged watched folders;
- asking about the whole library (every document selected, as the window's "All documents"),
  with the built-in model and a cache folder of its own: seconds to the answer's first word
  (the model already loaded) for the first question and, median, for two later ones.

Run: python bench/scale.py [--pages 50000 --documents 2100] [--json FILE] [--reuse [--only STEPS]]
--reuse measures a library built before (bench/out/scale-home) without building it again;
--only open,search,change,sync,ask picks what is measured on it.
About 45-60 minutes at full size on 2 cores; --pages 2000 --documents 80 takes 2-3 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_corpus  # noqa: E402
from index_speed import PeakRSS  # noqa: E402

QUERIES = 300  # real queries timed (and checked for recall)
STEPS = ("open", "search", "change", "sync", "ask")  # what is measured on the built library
ASKED = ("rsync", "tar", "kill")  # manual pages asked about ("What does … do?"), if present


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


# -- the build -------------------------------------------------------------------------------


def build(library, corpus: Path, manifest: dict, say, folders: list[Path]) -> dict:
    """Add these folders of the corpus one by one; when each document was stored, and the
    memory peak."""
    pages_of = {str((corpus / f["file"]).resolve()): f["pages"] for f in manifest["files"]}
    stored: list[tuple[float, int]] = []  # (seconds since start, pages)
    adds: list[dict] = []
    rss = PeakRSS(every=0.2)

    def on_file(path: str, state: str, fraction, message: str) -> None:
        if state == "ready":
            stored.append((time.perf_counter() - start, pages_of.get(path, 0)))
        elif state == "failed":
            say(f"  failed: {path}: {message}")

    library.embedder.embed(["The model is loaded before the clock starts."])
    start = time.perf_counter()
    for folder in folders:
        began = time.perf_counter()
        report = library.add(folder, on_file=on_file)
        ended = time.perf_counter() - start
        adds.append(
            {
                "folder": folder.name,
                "seconds": round(time.perf_counter() - began, 2),
                "ended": round(ended, 2),
                "added": len(report.added),
                "failed": len(report.failed),
                "rss_mb": round(rss.sample() / 2**20),
                "load": round(os.getloadavg()[0], 1),
            }
        )
        done_pages = sum(p for _, p in stored)
        say(
            f"  {folder.name}: {len(report.added)} documents in {adds[-1]['seconds']:.0f} s "
            f"({done_pages:,} pages so far, {done_pages / ended:.1f} pages/s, "
            f"RSS {adds[-1]['rss_mb']} MB, load {adds[-1]['load']})"
        )
    total_s = time.perf_counter() - start
    peak = rss.stop()
    pages = sum(p for _, p in stored)
    tenth = pages / 10

    # The first 10 %: from the start until a tenth of the pages were stored. The last 10 %:
    # from when nine tenths were stored until the last `add` returned.
    running, first_s, last_from = 0, None, None
    for at, p in stored:
        running += p
        if first_s is None and running >= tenth:
            first_s = at
        if last_from is None and running >= pages - tenth:
            last_from = at
    # `last_from` is when the document crossing 90 % was stored: the pages after it are
    # those of the last tenth.
    after = sum(p for at, p in stored if at > last_from)
    return {
        "documents": len(stored),
        "pages": pages,
        "seconds": round(total_s, 1),
        "pages_per_s": round(pages / total_s, 2),
        "first_10pct_pages_per_s": round(tenth / first_s, 2),
        "last_10pct_pages_per_s": round(after / (total_s - last_from), 2),
        "peak_rss_mb": round(peak / 2**20),
        "adds": adds,
    }


# -- using the library -----------------------------------------------------------------------


def time_list(home: Path, library_dir: Path, repeats: int = 3) -> float:
    """Median wall time of `longread list` in a new process."""
    env = {**os.environ, "LONGREAD_HOME": str(home)}
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "app.entry", "list", "--library", str(library_dir)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - began)
    return statistics.median(times)


WINDOW_PROBE = r"""
import json, os, sys, time
started = float(sys.argv[1])
# What app.main.run_app does before its event loop, step by step.
from app.main import setup_environment, setup_logging
setup_environment()
from core.device import has_torch
if has_torch():
    import torch
from PySide6.QtCore import QElapsedTimer, QSettings, QTimer
from PySide6.QtWidgets import QApplication
setup_logging()
app = QApplication([])
app.setApplicationName("Longread"); app.setOrganizationName("Longread")
from app.collector import GuiThreadCollector
from app.theme import apply_theme
from app.window import MainWindow
GuiThreadCollector(app)
settings = QSettings()
apply_theme(app, str(settings.value("theme", "system")))
window = MainWindow(settings=settings)
window.show()
result = {}
panel = window.library_panel
gaps = []
clock = QElapsedTimer()

def tick():
    now = clock.elapsed()
    gaps.append(now - tick.last)
    tick.last = now

def usable():
    result["window_s"] = time.time() - started
    result["documents_listed"] = panel.document_count()
    clock.start(); tick.last = 0
    timer.start(5)
    steps = ["m", "ma", "man", "manu", "manua", "", "p", "pe", "per", "perl", "", "x", ""]
    for i, text in enumerate(steps):
        QTimer.singleShot(60 * (i + 1), lambda t=text: panel.filter.setText(t))
    bar = panel.tree.verticalScrollBar()
    for i in range(20):
        QTimer.singleShot(60 * len(steps) + 40 * (i + 1),
                          lambda i=i: bar.setValue(bar.maximum() * (i % 5) // 4))
    QTimer.singleShot(60 * len(steps) + 40 * 22, done)

def done():
    timer.stop()
    result["largest_gap_ms"] = max(gaps[1:]) if len(gaps) > 1 else None
    print("RESULT " + json.dumps(result), flush=True)
    app.quit()

timer = QTimer(); timer.timeout.connect(tick)
QTimer.singleShot(0, usable)
app.exec()
"""


def time_window(home: Path) -> dict:
    """Launch to a window that takes input, with the full library; event-loop gaps meanwhile."""
    env = {**os.environ, "LONGREAD_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-c", WINDOW_PROBE, repr(started)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    return {"error": (done.stderr or done.stdout)[-2000:]}


def queries_of(manifest: dict, count: int) -> list[str]:
    """What manual pages in the corpus say they do ("list directory contents"), each once."""
    import random

    seen, found = set(), []
    for f in manifest["files"]:
        for summary in f["summaries"].values():
            words = summary.split()
            if 3 <= len(words) <= 14 and summary.lower() not in seen:
                seen.add(summary.lower())
                found.append(summary)
    random.Random(7).shuffle(found)
    return found[:count]


def search_figures(library, queries: list[str]) -> dict:
    import numpy as np

    began = time.perf_counter()
    library.search(queries[0], k=10)
    first = time.perf_counter() - began
    times = []
    for query in queries:
        began = time.perf_counter()
        library.search(query, k=10)
        times.append((time.perf_counter() - began) * 1000)
    index = library._search_index()
    ids = library._chunk_ids()
    vectors = library._vectors_for(ids)
    recalls = []
    for query in queries:
        vector = library.embedder.embed_query(query)
        exact = ids[np.argsort(-(vectors @ vector), kind="stable")[:10]]
        found = [i for i, _ in index.vectors.search(vector, 10)]
        recalls.append(len(set(found) & set(exact.tolist())) / 10)
    return {
        "passages": len(ids),
        "vector_index": index.vectors.kind,
        "first_search_s": round(first, 2),
        "search_p50_ms": round(statistics.median(times), 1),
        "search_p99_ms": round(percentile(times, 99), 1),
        "recall_at_10": round(statistics.mean(recalls), 4),
        "queries": len(queries),
    }


class CountingEmbedder:
    """Counts the texts the library's embedder is asked to embed."""

    def __init__(self, embedder) -> None:
        self.embedder, self.count = embedder, 0
        self._embed = embedder.embed

        def embed(texts, *args, **kwargs):
            self.count += len(texts)
            return self._embed(texts, *args, **kwargs)

        embedder.embed = embed


def change_figures(library, corpus: Path) -> dict:
    """Remove one document; write one PDF again with a page changed and add it again."""
    figures: dict = {}
    candidate = scale_corpus.change_candidates(corpus)[0]
    path = (corpus / candidate.file).resolve()
    info = library.find(path)
    assert info is not None, f"{path} is not in the library"
    with library._reading("count") as db:
        passages = db.execute(
            "SELECT count(*) FROM chunks WHERE doc_id = ?", (info.id,)
        ).fetchone()[0]

    # Remove: until a search over the library no longer finds its passages.
    began = time.perf_counter()
    library.remove(info.id)
    figures["remove_s"] = round(time.perf_counter() - began, 3)
    began = time.perf_counter()
    hits = library.search(candidate.title.removeprefix("Manual: "), k=10)
    figures["first_search_after_remove_s"] = round(time.perf_counter() - began, 3)
    assert all(h.doc_id != info.id for h in hits)

    # Add it back (its passages' vectors went with it: all are embedded again), then change it.
    counter = CountingEmbedder(library.embedder)
    library.add(path)
    figures["readd_removed_embedded"] = counter.count
    page = candidate.pages[len(candidate.pages) // 2]
    changed = list(candidate.pages)
    changed[len(changed) // 2] = [
        *page[:10],
        "This paragraph was changed after the document was first added: the options below",
        "are described again for the new release, with two of them renamed.",
        *page[12:],
    ]
    original = path.read_bytes()
    try:
        scale_corpus.write_document(
            scale_corpus.Planned(candidate.file, "pdf", candidate.title, changed, [], {}), corpus
        )
        counter.count = 0
        began = time.perf_counter()
        report = library.add(path)
        figures["readd_changed_s"] = round(time.perf_counter() - began, 2)
        figures["readd_changed_embedded"] = counter.count
        figures["readd_changed_passages"] = passages
        assert report.updated, "the changed document was not read again"
    finally:
        tmp = path.with_name(".restore-" + path.name)
        tmp.write_bytes(original)
        os.replace(tmp, path)
    library.add(path)  # back as it was
    return figures


def sync_figures(library) -> dict:
    began = time.perf_counter()
    report = library.sync()
    seconds = time.perf_counter() - began
    changed = len(report.added) + len(report.changed) + len(report.moved) + len(report.removed)
    return {"resync_unchanged_s": round(seconds, 2), "resync_changes": changed}


def ask_figures(library, manifest: dict) -> dict:
    """Questions about every document, each as the window asks one: the documents read from the
    library, the mode chosen, passages found, the answer streamed. Seconds to its first word."""
    import tempfile

    from ask_twice import fresh_cache

    names = {name for f in manifest["files"] for name in f["summaries"]}
    asked = [n for n in ASKED if n in names] or sorted(names)[:3]
    kept = os.environ.get("LONGREAD_CACHE")
    with tempfile.TemporaryDirectory(prefix="longread-scale-ask-") as home:
        os.environ["LONGREAD_CACHE"] = str(fresh_cache(Path(home)))  # no counts kept from before
        try:
            from core.llm import get_backend
            from core.modes import Request, ask

            backend = get_backend("default")
            times, modes = [], []
            for name in asked:
                began = time.perf_counter()
                documents = [library.get(info.id) for info in library.documents()]
                first: list[float] = []

                def on_token(_piece: str, began=began, first=first) -> None:
                    if not first:
                        first.append(time.perf_counter() - began)

                request = Request(
                    f"What does {name} do?",
                    documents,
                    library,
                    max_new_tokens=40,
                    on_token=on_token,
                )
                answer = ask(request, backend)
                times.append(first[0] if first else time.perf_counter() - began)
                modes.append(answer.mode)
        finally:
            if kept is None:
                os.environ.pop("LONGREAD_CACHE", None)
            else:
                os.environ["LONGREAD_CACHE"] = kept
    return {
        "ask_first_s": round(times[0], 2),
        "ask_later_s": round(statistics.median(times[1:]), 2) if len(times) > 1 else None,
        "ask_modes": ", ".join(modes),
    }


# -- the table -------------------------------------------------------------------------------

ROWS = (
    ("device", "embedder runs on", "{}"),
    ("documents", "documents", "{:,}"),
    ("pages", "pages", "{:,}"),
    ("words_per_page", "words a page", "{:.0f}"),
    ("passages", "passages", "{:,}"),
    ("vector_index", "vector index", "{}"),
    ("seconds", "build, wall", "{:,.0f} s"),
    ("pages_per_s", "pages/s, whole build", "{:.1f}"),
    ("first_10pct_pages_per_s", "pages/s, first 10 %", "{:.1f}"),
    ("last_10pct_pages_per_s", "pages/s, last 10 %", "{:.1f}"),
    ("last_over_first", "last / first (target >= 0.9)", "{:.2f}"),
    ("peak_rss_mb", "peak RSS (target <= 2048)", "{:,} MB"),
    ("remove_folders_s", "removing folders (--readd)", "{:.1f} s"),
    ("readd_pages_per_s", "pages/s adding them again to the full library", "{:.1f}"),
    ("readd_peak_rss_mb", "  peak RSS meanwhile", "{:,} MB"),
    ("disk_mb_per_1000_pages", "disk per 1,000 pages", "{:.1f} MB"),
    ("library_mb", "library folder", "{:,.0f} MB"),
    ("list_s", "`longread list`", "{:.2f} s"),
    ("window_s", "launch to usable window (target <= 2)", "{:.2f} s"),
    ("largest_gap_ms", "longest event-loop gap, filter+scroll (<= 100)", "{:.0f} ms"),
    ("first_search_s", "first search (loads the index)", "{:.2f} s"),
    ("search_p50_ms", "search p50 (target <= 30)", "{:.1f} ms"),
    ("search_p99_ms", "search p99 (target <= 100)", "{:.1f} ms"),
    ("recall_at_10", "recall@10 vs exact (target >= 0.95)", "{:.3f}"),
    ("remove_s", "remove one document (target <= 1)", "{:.2f} s"),
    ("first_search_after_remove_s", "first search after removing", "{:.2f} s"),
    ("readd_changed_s", "re-add a changed document", "{:.1f} s"),
    ("readd_changed_embedded", "  passages embedded", "{}"),
    ("readd_changed_passages", "  of its passages", "{}"),
    ("resync_unchanged_s", "re-sync unchanged watched folders", "{:.2f} s"),
    ("resync_changes", "  changes found", "{}"),
    ("ask_first_s", "a question about every document: first word (model loaded)", "{:.1f} s"),
    ("ask_later_s", "  later questions (median)", "{:.1f} s"),
    ("ask_modes", "  modes chosen", "{}"),
)


def table(figures: dict) -> str:
    lines = ["| measure | value |", "| --- | --- |"]
    for key, label, fmt in ROWS:
        if figures.get(key) is not None:
            lines.append(f"| {label} | {fmt.format(figures[key])} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=50_000)
    parser.add_argument("--documents", type=int, default=2_100)
    parser.add_argument("--home", type=Path, default=OUT / "scale-home")
    parser.add_argument("--reuse", action="store_true", help="measure the library built before")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--folders", type=int, help="build from the first N of the corpus's 20 folders only"
    )
    parser.add_argument(
        "--readd",
        help="with --reuse: remove these folders (numbers, comma-separated) from the library "
        "and add them again, to compare with the same folders added to an empty library",
    )
    parser.add_argument(
        "--only", help=f"measure only these, comma-separated: {', '.join(STEPS)} (with --reuse)"
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ["LONGREAD_HOME"] = str(args.home)

    def say(message: str) -> None:
        print(message, flush=True)

    corpus = OUT / f"scale-corpus-{args.pages}-{args.documents}"
    manifest = scale_corpus.make(corpus, args.pages, args.documents, say)
    say(
        f"Corpus: {len(manifest['files']):,} documents, {manifest['pages_made']:,} pages "
        f"({manifest['sources']}) in {corpus}"
    )
    library_dir = args.home / "library"
    from core.library import Library

    figures: dict = {
        "words_per_page": sum(f["words"] for f in manifest["files"]) / manifest["pages_made"],
    }
    if not args.reuse:
        if args.home.exists():
            shutil.rmtree(args.home)
        args.home.mkdir(parents=True)
        library = Library(library_dir)
        say("Building the library, one folder at a time…")
        folders = sorted(p for p in corpus.iterdir() if p.is_dir())[: args.folders]
        figures.update(build(library, corpus, manifest, say, folders))
        figures["last_over_first"] = (
            figures["last_10pct_pages_per_s"] / figures["first_10pct_pages_per_s"]
        )
    size = folder_size(library_dir)
    figures["library_mb"] = size / 2**20
    figures["disk_mb_per_1000_pages"] = size / 2**20 / manifest["pages_made"] * 1000
    steps = set(args.only.split(",")) if args.only else set(STEPS)
    if "open" in steps:
        say("Opening the library…")
        figures["list_s"] = round(time_list(args.home, library_dir), 2)
        figures.update(time_window(args.home))
    library = Library(library_dir)
    if args.readd:
        wanted = {f"folder-{int(n):02d}" for n in args.readd.split(",")}
        folders = sorted(p.resolve() for p in corpus.iterdir() if p.name in wanted)
        say(f"Removing {', '.join(p.name for p in folders)} and adding them again…")
        began = time.perf_counter()
        for folder in folders:
            library.remove_folder(folder)
        figures["remove_folders_s"] = round(time.perf_counter() - began, 2)
        again = build(library, corpus, manifest, say, folders)
        figures["readd_pages_per_s"] = again["pages_per_s"]
        figures["readd_peak_rss_mb"] = again["peak_rss_mb"]
    if "search" in steps:
        say("Searching…")
        figures.update(search_figures(library, queries_of(manifest, QUERIES)))
        figures["device"] = library.embedder.device_label
    if "change" in steps:
        say("Removing and changing a document…")
        figures.update(change_figures(library, corpus))
    if "sync" in steps:
        say("Re-syncing the watched folders…")
        figures.update(sync_figures(library))
    if "ask" in steps:
        say("Asking about every document…")
        figures.update(ask_figures(library, manifest))
    print()
    print(table(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
