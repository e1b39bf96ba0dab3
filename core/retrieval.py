"""Hybrid search over a library's chunks: FAISS vectors and BM25 keywords, fused by rank.

The catalog (SQLite) holds every chunk with its text and vector and is the only source of
truth. The two indexes here are derived from it and kept as files next to it:

- `vectors.faiss`: inner product over unit vectors (= cosine), keyed by chunk id. Exact (flat)
  up to FLAT_LIMIT chunks; HNSW above, where exact search would be too slow.
- `keywords/` and `keywords-recent/`: bm25s indexes of the chunks' text, with the chunk id of
  every row: one of the passages there were when it was last built, one of those added since
  (see KeywordIndex).

Both are written under a temporary name and renamed into place, so a crash leaves the old
file or the new one, never half of one (the keyword folder, which takes two renames, may be
missing instead). Whatever is on disk, `SearchIndex.sync` compares the ids it holds with the
catalog's and brings it in step: vectors are added from the catalog and removed; a missing,
unreadable or foreign file is rebuilt from the catalog. The temporary files and folders of a
process that was killed while writing are removed the next time the index is loaded.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

VECTORS_FILE = "vectors.faiss"
KEYWORDS_DIR = "keywords"
RECENT_KEYWORDS_DIR = "keywords-recent"
STOPWORDS = "en"

FLAT_LIMIT = 50_000  # exact search up to here: at 100k chunks it takes ~15 ms a query on 2 cores
HNSW_M = 32  # graph degree: more links, better recall, more memory (M * 8 bytes a vector)
HNSW_EF_CONSTRUCTION = 80  # candidates kept while linking a new vector
HNSW_EF_SEARCH = 512  # candidates kept while searching (recall@10 0.99+ at 100k, ~1 ms a query)
EXACT_FILTER_LIMIT = 20_000  # a filter to fewer chunks than this is searched exactly
MAX_DEAD_FRACTION = 0.2  # HNSW and BM25 cannot delete: removed ids are skipped until this many
RECENT_FRACTION = 0.1  # BM25 of passages added since the last full build: merged past this share
RECENT_MIN = 2_000  # ... and this many passages
RRF_K = 60  # reciprocal-rank fusion's constant (Cormack et al., 2009)
CANDIDATES = 50  # each index proposes at least this many chunks to the fusion


@dataclass(frozen=True, slots=True)
class ScoredChunk:
    """A chunk found by `SearchIndex.search`; ranks are 1-based, None where not proposed."""

    chunk_id: int
    score: float  # the fused score: the sum of 1 / (RRF_K + rank) over the two rankings
    dense_rank: int | None
    keyword_rank: int | None
    similarity: float | None = None  # cosine with the query, where the vector index proposed it


def fuse(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal-rank fusion: (id, score) best first; ties go to the id ranked first earlier."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


# Temporary files and folders are named ".NAME.PID-RANDOM.tmp" (and a keyword folder being
# swapped out ".keywords.PID-RANDOM.old"), so that leftovers of a process that was killed can be
# told from those of one still writing.
_TEMPORARY = re.compile(r"^\.(?:vectors\.faiss|keywords(?:-recent)?)\.(?:(\d+)-)?\w+\.(?:tmp|old)$")
_LEGACY_OLD = re.compile(r"^\.keywords\.old-(\d+)$")  # the swapped-out folder of older versions
_in_flight: set[str] = set()  # temporary paths this process is writing now
_in_flight_lock = threading.Lock()
LEFTOVER_AGE_S = 24 * 3600  # where it cannot be told whether a process lives: this old


@contextlib.contextmanager
def _temporary(make: Callable[..., str], parent: Path, name: str) -> Iterator[str]:
    """A new temporary file or folder (`make` is mkstemp or mkdtemp) for NAME in `parent`,
    known as this process's while the block runs."""
    with _in_flight_lock:  # made and claimed at once: `remove_leftovers` never sees it unclaimed
        made = make(prefix=f".{name}.{os.getpid()}-", suffix=".tmp", dir=parent)
        tmp = made[1] if isinstance(made, tuple) else made
        _in_flight.add(tmp)
    if isinstance(made, tuple):
        os.close(made[0])
    try:
        yield tmp
    finally:
        with _in_flight_lock:
            _in_flight.discard(tmp)


def _process_gone(pid: int) -> bool:
    if pid == os.getpid():
        return True  # only what is not in _in_flight is asked about
    if os.name == "nt":  # os.kill would end the process there, not ask about it
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # alive, another user's
    return False


def remove_leftovers(folder: Path) -> list[str]:
    """Remove the temporary files and folders that a process killed while saving the index
    left in `folder` (those of a process still writing are kept); returns their names."""
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMPORARY.match(entry.name) or _LEGACY_OLD.match(entry.name)
        if match is None:
            continue
        with _in_flight_lock:
            if entry.path in _in_flight:
                continue
        pid = match.group(1)
        try:
            old = time.time() - entry.stat(follow_symlinks=False).st_mtime > LEFTOVER_AGE_S
        except OSError:
            continue
        if not old and (pid is None or not _process_gone(int(pid))):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
        removed.append(entry.name)
    return removed


def _replace_file(path: Path, write: Callable[[str], None]) -> None:
    """Write a file under a temporary name in the same folder, flush it to disk, rename it."""
    with _temporary(tempfile.mkstemp, path.parent, path.name) as tmp:
        try:
            write(tmp)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


@contextlib.contextmanager
def _one_thread():
    """One query runs on one thread. FAISS splits even a single query over its OpenMP threads,
    and on 2 cores that made it slower, not faster: flat search of 100k vectors took 56 ms on
    two threads and 16 ms on one, an HNSW search 8 ms and 0.3 ms (measured)."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


# -- vectors ---------------------------------------------------------------------------------


class VectorIndex:
    """FAISS inner-product search over unit vectors, keyed by chunk id (an IndexIDMap2)."""

    def __init__(self, index, dead: np.ndarray | None = None) -> None:
        import numpy as np

        self.index = index
        # HNSW cannot delete: ids removed since the graph was built are skipped at search time.
        self.dead = dead if dead is not None else np.zeros(0, dtype=np.int64)

    @classmethod
    def build(cls, dim: int, ids: np.ndarray, vectors: np.ndarray) -> VectorIndex:
        """A new index of the right kind for this many vectors."""
        import faiss

        if len(ids) > FLAT_LIMIT:
            inner = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            inner.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            inner = faiss.IndexFlatIP(dim)
        index = cls(faiss.IndexIDMap2(inner))
        index.add(ids, vectors)
        return index

    @classmethod
    def load(cls, path: Path, dim: int) -> VectorIndex | None:
        """The index in `path`, or None if it is missing, unreadable or of another dimension."""
        import faiss

        if not path.is_file():
            return None
        try:
            index = faiss.read_index(str(path))
        except Exception:  # damaged or foreign: it is rebuilt from the catalog
            return None
        if not isinstance(index, faiss.IndexIDMap2) or index.d != dim:
            return None
        return cls(index)

    def save(self, path: Path) -> None:
        import faiss

        _replace_file(path, lambda tmp: faiss.write_index(self.index, tmp))

    @property
    def hnsw(self) -> bool:
        import faiss

        return isinstance(faiss.downcast_index(self.index.index), faiss.IndexHNSWFlat)

    @property
    def kind(self) -> str:
        return "HNSW" if self.hnsw else "flat"

    def stored_ids(self) -> np.ndarray:
        """Every id in the FAISS index, removed ones included (HNSW), sorted."""
        import faiss
        import numpy as np

        return np.sort(faiss.vector_to_array(self.index.id_map).astype(np.int64))

    def ids(self) -> np.ndarray:
        """The ids that searches can return, sorted."""
        import numpy as np

        return np.setdiff1d(self.stored_ids(), self.dead, assume_unique=True)

    def __len__(self) -> int:
        return int(self.index.ntotal) - len(self.dead)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        import numpy as np

        if len(ids):
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)
            self.index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))

    def remove(self, ids: np.ndarray) -> None:
        import numpy as np

        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return
        if self.hnsw:
            self.dead = np.union1d(self.dead, ids)
        else:
            import faiss

            self.index.remove_ids(faiss.IDSelectorBatch(ids))

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        import numpy as np

        return self.index.reconstruct_batch(np.asarray(ids, dtype=np.int64))

    def search(
        self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Up to k (id, cosine) pairs, best first, among `allowed` ids if given."""
        import faiss
        import numpy as np

        if allowed is not None:
            allowed = np.intersect1d(np.asarray(allowed, dtype=np.int64), self.ids())
            if not len(allowed):
                return []
            if self.hnsw and len(allowed) <= EXACT_FILTER_LIMIT:
                # A graph walk that may only visit a few nodes misses most of them: score
                # the allowed vectors directly instead.
                scores = self.vectors(allowed) @ vector
                top = np.argsort(-scores, kind="stable")[:k]
                return [(int(allowed[i]), float(scores[i])) for i in top]
            selector = faiss.IDSelectorBatch(allowed)
        elif len(self.dead):
            selector = faiss.IDSelectorNot(faiss.IDSelectorBatch(self.dead))
        else:
            selector = None
        k = min(k, len(self))
        if k <= 0:
            return []
        if self.hnsw:
            params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, k))
            if selector is not None:
                params.sel = selector
        else:
            params = faiss.SearchParameters(sel=selector) if selector is not None else None
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        with _one_thread():
            scores, ids = self.index.search(query, k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]


# -- keywords --------------------------------------------------------------------------------


class _Segment:
    """One bm25s index over some passages, the chunk id of each row, and the rows removed
    from the library since it was built (skipped in searches: bm25s cannot delete)."""

    def __init__(self, retriever, ids: np.ndarray) -> None:
        import numpy as np

        self.retriever, self.ids = retriever, np.asarray(ids, dtype=np.int64)
        self.dead = np.zeros(0, dtype=np.int64)
        self._alive: np.ndarray | None = None  # 1.0 for the rows searches may return

    @classmethod
    def build(
        cls, ids: np.ndarray, texts: Sequence[str], reference: _Segment | None = None
    ) -> _Segment:
        """A segment of these passages. With a `reference` segment, the words' rarity (idf)
        is that of both segments together, so that scores of the two can be compared."""
        import bm25s

        retriever = bm25s.BM25()
        if len(texts):
            # Equal passages (repeated headers, boilerplate) are tokenized once.
            row_of: dict[str, int] = {}
            rows = [row_of.setdefault(text, len(row_of)) for text in texts]
            tokens = bm25s.tokenize(list(row_of), stopwords=STOPWORDS, show_progress=False)
            tokens = bm25s.tokenization.Tokenized([tokens.ids[r] for r in rows], tokens.vocab)
            retriever.index(tokens, show_progress=False)
        segment = cls(retriever, ids)
        if reference is not None and len(texts) and reference.rows():
            segment._share_rarity(reference)
        return segment

    def _share_rarity(self, reference: _Segment) -> None:
        """Rescale each word's scores from this segment's idf to that of both segments."""
        import numpy as np

        assert self.retriever.method == "lucene", "the rescaling below is Lucene's idf"
        scores = self.retriever.scores
        indptr = np.asarray(scores["indptr"])
        own_df = np.diff(indptr).astype(np.float64)
        ref_df_by_id = np.diff(np.asarray(reference.retriever.scores["indptr"]))
        ref_vocab = reference.retriever.vocab_dict
        ref_df = np.zeros(len(own_df))
        for word, own_id in self.retriever.vocab_dict.items():
            ref_id = ref_vocab.get(word)
            if ref_id is not None and own_id < len(ref_df):
                ref_df[own_id] = ref_df_by_id[ref_id]
        own_n = float(self.rows())
        both_n = own_n + reference.rows()
        own_idf = np.log(1 + (own_n - own_df + 0.5) / (own_df + 0.5))
        both_idf = np.log(1 + (both_n - (own_df + ref_df) + 0.5) / (own_df + ref_df + 0.5))
        factor = np.divide(both_idf, own_idf, out=np.ones_like(own_idf), where=own_idf > 0)
        data = np.asarray(scores["data"])
        scores["data"] = (data * np.repeat(factor, np.diff(indptr))).astype(data.dtype)

    @classmethod
    def load(cls, folder: Path) -> _Segment | None:
        import bm25s
        import numpy as np

        try:
            ids = np.load(folder / "chunk_ids.npy")
            if not len(ids):
                return cls(bm25s.BM25(), ids)
            return cls(bm25s.BM25.load(str(folder)), ids)
        except Exception:  # missing, damaged or foreign: it is rebuilt from the catalog
            return None

    def save(self, folder: Path) -> None:
        """Write into a fresh folder, then swap it in for the old one."""
        import numpy as np

        with _temporary(tempfile.mkdtemp, folder.parent, folder.name) as made:
            tmp = Path(made)
            # The old folder moves aside under a name of its own: a fixed one could be taken
            # by what a killed process left (a process id comes back after a restart).
            old = tmp.with_suffix(".old")
            with _in_flight_lock:
                _in_flight.add(str(old))
            try:
                if len(self.ids):
                    self.retriever.save(str(tmp))
                with open(tmp / "chunk_ids.npy", "wb") as f:
                    np.save(f, self.ids)
                    f.flush()
                    os.fsync(f.fileno())
                moved = False
                if folder.exists():
                    os.replace(folder, old)
                    moved = True
                try:
                    os.replace(tmp, folder)
                except BaseException:
                    if moved:  # put the old one back rather than leave none
                        with contextlib.suppress(OSError):
                            os.replace(old, folder)
                    raise
                shutil.rmtree(old, ignore_errors=True)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            finally:
                with _in_flight_lock:
                    _in_flight.discard(str(old))

    def rows(self) -> int:
        """How many passages the BM25 statistics were computed over."""
        return int(self.retriever.scores["num_docs"]) if len(self.ids) else 0

    def live_ids(self) -> np.ndarray:
        import numpy as np

        return np.setdiff1d(self.ids, self.dead)

    def kill(self, ids: np.ndarray) -> None:
        """Skip these rows from now on."""
        import numpy as np

        if len(ids):
            self.dead = np.union1d(self.dead, ids)
            self._alive = None

    def search(
        self, words: list[list[str]], k: int, allowed: np.ndarray | None
    ) -> list[tuple[int, float]]:
        import numpy as np

        if not len(self.ids) or not any(w in self.retriever.vocab_dict for w in words[0]):
            return []
        mask = None
        if len(self.dead):
            if self._alive is None:
                self._alive = (~np.isin(self.ids, self.dead)).astype(np.float32)
            mask = self._alive
        if allowed is not None:
            wanted = np.isin(self.ids, allowed).astype(np.float32)
            mask = wanted if mask is None else mask * wanted
        if mask is not None and not mask.any():
            return []
        rows, scores = self.retriever.retrieve(
            words, k=min(k, len(self.ids)), show_progress=False, weight_mask=mask
        )
        return [
            (int(self.ids[r]), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if s > 0
        ]

    def mismatched(self, ids: np.ndarray, texts: Sequence[str]) -> list[int]:
        """Of these chunk ids (rows of this segment), those whose indexed words are not the
        words of `texts` (the catalog's text of each)."""
        import bm25s
        import numpy as np

        position = {int(i): r for r, i in enumerate(self.ids.tolist())}
        rows = np.array([position[int(i)] for i in ids], dtype=np.int64)
        scores = self.retriever.scores
        indptr = np.asarray(scores["indptr"])
        doc_rows = np.asarray(scores["indices"])
        tokens = bm25s.tokenize(
            list(texts), stopwords=STOPWORDS, show_progress=False, return_ids=False
        )
        vocab = self.retriever.vocab_dict
        # The score matrix is stored by word: the entries of word w are indptr[w]:indptr[w + 1].
        entries = np.flatnonzero(np.isin(doc_rows, rows))
        words = np.searchsorted(indptr, entries, side="right") - 1
        indexed_words: dict[int, set[int]] = {}
        for row, word in zip(doc_rows[entries].tolist(), words.tolist(), strict=True):
            indexed_words.setdefault(row, set()).add(word)
        bad = []
        for chunk_id, row, words_of_text in zip(ids.tolist(), rows.tolist(), tokens, strict=True):
            indexed = indexed_words.get(row, set())
            expected = {vocab.get(w, -1) for w in words_of_text}
            if indexed != expected:
                bad.append(int(chunk_id))
        return bad


class KeywordIndex:
    """BM25 over the chunks' text (bm25s), kept in two segments so that a change costs what
    changed, not the whole library:

    - `main`: every passage there was when it was last built, in `keywords/`;
    - `recent`: the passages added since, in `keywords-recent/`, with the words' rarity of both
      segments together (so their scores compare), built again as passages are added;
    - in each, the passages removed since are skipped (bm25s cannot delete a row).

    Both are built again into one `main` once `recent` holds more than RECENT_FRACTION of the
    passages or the removed ones more than MAX_DEAD_FRACTION: BM25's statistics (how rare each
    word is, how long passages are) are then those of the library as it is.
    """

    def __init__(self, main: _Segment, recent: _Segment | None = None) -> None:
        self.main, self.recent = main, recent

    @property
    def segments(self) -> list[_Segment]:
        return [self.main] + ([self.recent] if self.recent is not None else [])

    @property
    def ids(self) -> np.ndarray:
        """The chunk ids that searches can return, sorted."""
        import numpy as np

        live = [s.live_ids() for s in self.segments]
        return np.unique(np.concatenate(live)) if live else np.zeros(0, dtype=np.int64)

    @classmethod
    def build(cls, ids: np.ndarray, texts: Sequence[str]) -> KeywordIndex:
        return cls(_Segment.build(ids, texts))

    @classmethod
    def load(cls, folder: Path, recent_folder: Path | None = None) -> KeywordIndex | None:
        """The index saved in these folders, or None if the main one is missing or unreadable.
        A recent segment that overlaps the main one (a merge that was not finished) is left out:
        what it lacks is added again from the catalog."""
        import numpy as np

        main = _Segment.load(folder)
        if main is None:
            return None
        recent = _Segment.load(recent_folder) if recent_folder is not None else None
        if recent is not None and (
            not len(recent.ids) or np.intersect1d(main.ids, recent.ids).size
        ):
            recent = None
        return cls(main, recent)

    def save(self, folder: Path, recent_folder: Path | None = None) -> None:
        """Write the main segment to `folder`, and the recent one, if any, to `recent_folder`
        (an old recent folder is removed after the main one is in place: a process killed in
        between leaves one that overlaps the main segment, which `load` leaves out)."""
        self.main.save(folder)
        if recent_folder is not None:
            self.save_recent(recent_folder)

    def save_recent(self, recent_folder: Path) -> None:
        if self.recent is not None and len(self.recent.ids):
            self.recent.save(recent_folder)
        else:
            shutil.rmtree(recent_folder, ignore_errors=True)

    def rows(self) -> int:
        """How many passages the BM25 statistics were computed over (both segments)."""
        return sum(s.rows() for s in self.segments)

    def stored_rows(self) -> int:
        """How many rows the segments' id lists name (removed ones included)."""
        return sum(len(s.ids) for s in self.segments)

    def update(self, catalog_ids: np.ndarray, texts_for: Callable[[np.ndarray], list[str]]):
        """Bring the index in step with the catalog's chunk ids by skipping removed rows and
        building the recent segment again with the new ones. Returns whether the recent segment
        was built again, or None where the whole index must be built again instead."""
        import numpy as np

        held = np.concatenate([s.ids for s in self.segments])
        missing = np.setdiff1d(catalog_ids, held)
        main_gone = np.setdiff1d(self.main.live_ids(), catalog_ids)
        recent_live = self.recent.live_ids() if self.recent is not None else held[:0]
        recent_gone = np.setdiff1d(recent_live, catalog_ids)
        recent_ids = np.union1d(np.setdiff1d(recent_live, recent_gone), missing)
        live = max(len(catalog_ids), 1)
        dead = len(held) - len(catalog_ids) + len(missing)  # rows held that are gone
        if len(recent_ids) > RECENT_FRACTION * live and len(recent_ids) > RECENT_MIN:
            return None
        if dead > MAX_DEAD_FRACTION * live:
            return None
        self.main.kill(main_gone)
        if not len(missing):
            if self.recent is not None:
                self.recent.kill(recent_gone)
            return False
        self.recent = _Segment.build(recent_ids, texts_for(recent_ids), reference=self.main)
        return True

    def mismatched(self, ids: np.ndarray, texts: Sequence[str]) -> list[int]:
        """Of these chunk ids, those whose indexed words are not the words of `texts` (the
        catalog's text of each)."""
        import numpy as np

        ids = np.asarray(ids, dtype=np.int64)
        text_of = dict(zip(ids.tolist(), texts, strict=True))
        bad: list[int] = []
        for segment in self.segments:
            mine = ids[np.isin(ids, segment.ids)]
            if len(mine):
                bad += segment.mismatched(mine, [text_of[int(i)] for i in mine])
        return sorted(bad)

    def search(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Up to k (id, BM25 score) pairs with at least one query word, best first."""
        import bm25s

        if not any(len(s.ids) for s in self.segments):
            return []
        words = bm25s.tokenize([query], stopwords=STOPWORDS, show_progress=False, return_ids=False)
        hits = [hit for s in self.segments for hit in s.search(words, k, allowed)]
        hits.sort(key=lambda hit: -hit[1])
        return hits[:k]


# -- both, on disk ---------------------------------------------------------------------------


class SearchIndex:
    """A library's vector and keyword indexes, kept in its folder and in step with its catalog.

    Not thread-safe by itself: the library serialises calls.
    """

    def __init__(self, folder: Path, dim: int) -> None:
        self.folder, self.dim = Path(folder), dim
        self.vectors: VectorIndex | None = None
        self.keywords: KeywordIndex | None = None
        self.generation: int | None = None  # the catalog generation last synced with
        self.rebuilt: list[str] = []  # what sync rebuilt or repaired, for logs and tests

    @property
    def vectors_path(self) -> Path:
        return self.folder / VECTORS_FILE

    @property
    def keywords_path(self) -> Path:
        return self.folder / KEYWORDS_DIR

    @property
    def recent_keywords_path(self) -> Path:
        return self.folder / RECENT_KEYWORDS_DIR

    def sync(
        self,
        catalog_ids: np.ndarray,
        vectors_for: Callable[[np.ndarray], np.ndarray],
        texts_for: Callable[[np.ndarray], list[str]],
        generation: int | None = None,
    ) -> bool:
        """Bring both indexes in step with the catalog's chunk ids (sorted); save what changed.

        `vectors_for(ids)` and `texts_for(ids)` read the catalog. Returns whether anything changed.
        """
        import numpy as np

        catalog_ids = np.asarray(catalog_ids, dtype=np.int64)
        self.rebuilt = []
        if self.vectors is None and self.keywords is None:  # first loaded by this process
            self.rebuilt += [f"removed {name}" for name in remove_leftovers(self.folder)]
        changed_vectors = self._sync_vectors(catalog_ids, vectors_for)
        changed_keywords = self._sync_keywords(catalog_ids, texts_for)
        if changed_vectors:
            self.vectors.save(self.vectors_path)
        if changed_keywords == "main":
            self.keywords.save(self.keywords_path, self.recent_keywords_path)
        elif changed_keywords == "recent":
            self.keywords.save_recent(self.recent_keywords_path)
        self.generation = generation
        return changed_vectors or changed_keywords is not None

    def _sync_vectors(self, catalog_ids, vectors_for) -> bool:
        """Returns whether the file needs writing."""
        import numpy as np

        if self.vectors is None:
            self.vectors = VectorIndex.load(self.vectors_path, self.dim)
            if self.vectors is None:
                if not len(catalog_ids) and not self.vectors_path.exists():
                    self.vectors = self._build_vectors(catalog_ids, vectors_for)
                    return False
                self.rebuilt.append("vectors: missing or unreadable, rebuilt")
                self.vectors = self._build_vectors(catalog_ids, vectors_for)
                return True
        index = self.vectors
        missing = np.setdiff1d(catalog_ids, index.stored_ids(), assume_unique=True)
        extra = np.setdiff1d(index.ids(), catalog_ids, assume_unique=True)
        if not len(extra) and not len(missing):
            return False
        live = len(catalog_ids)
        wrong_kind = index.hnsw != (live > FLAT_LIMIT) and (
            live > FLAT_LIMIT or live < FLAT_LIMIT // 2  # some slack, not to flip back and forth
        )
        too_dead = index.hnsw and len(index.dead) + len(extra) > MAX_DEAD_FRACTION * max(live, 1)
        if wrong_kind or too_dead:
            self.vectors = self._build_vectors(catalog_ids, vectors_for)
            self.rebuilt.append(f"vectors: rebuilt ({self.vectors.kind})")
            return True
        index.remove(extra)
        index.add(missing, vectors_for(missing))
        self.rebuilt.append(f"vectors: {len(missing)} added, {len(extra)} removed")
        # Removing from HNSW only marks ids as dead, which the next load works out again.
        return bool(len(missing)) or (bool(len(extra)) and not index.hnsw)

    def _build_vectors(self, ids: np.ndarray, vectors_for) -> VectorIndex:
        import numpy as np

        vectors = vectors_for(ids) if len(ids) else np.zeros((0, self.dim), dtype=np.float32)
        return VectorIndex.build(self.dim, ids, vectors)

    def _sync_keywords(self, catalog_ids, texts_for) -> str | None:
        """Returns what needs writing: "main" (all of it), "recent", or None."""
        import numpy as np

        if self.keywords is None:
            self.keywords = KeywordIndex.load(self.keywords_path, self.recent_keywords_path)
        if self.keywords is not None:
            if np.array_equal(self.keywords.ids, catalog_ids):
                return None
            recent_built = self.keywords.update(catalog_ids, texts_for)
            if recent_built is not None:
                if not recent_built:
                    return None  # rows removed: skipped, which the next load works out again
                recent = self.keywords.recent
                self.rebuilt.append(f"keywords: {len(recent.ids) if recent else 0} recent")
                return "recent"
        if self.keywords_path.exists() or len(catalog_ids):
            self.rebuilt.append("keywords: rebuilt")
        self.keywords = KeywordIndex.build(catalog_ids, texts_for(catalog_ids))
        return "main"

    def search(
        self,
        query: str,
        query_vector: np.ndarray,
        k: int = 10,
        allowed: np.ndarray | None = None,
    ) -> list[ScoredChunk]:
        """The k best chunks for the query by both indexes, fused; only `allowed` ids if given."""
        assert self.vectors is not None and self.keywords is not None, "sync() first"
        depth = max(CANDIDATES, 4 * k)
        dense_hits = self.vectors.search(query_vector, depth, allowed)
        dense = [i for i, _ in dense_hits]
        keyword = [i for i, _ in self.keywords.search(query, depth, allowed)]
        dense_rank = {i: r for r, i in enumerate(dense, start=1)}
        keyword_rank = {i: r for r, i in enumerate(keyword, start=1)}
        similarity = dict(dense_hits)
        return [
            ScoredChunk(i, score, dense_rank.get(i), keyword_rank.get(i), similarity.get(i))
            for i, score in fuse([dense, keyword])[:k]
        ]

    def check(
        self,
        catalog_ids: np.ndarray,
        vectors_for: Callable[[np.ndarray], np.ndarray],
        texts_for: Callable[[np.ndarray], list[str]] | None = None,
    ) -> list[str]:
        """Problems between the indexes (in memory, and as saved) and the catalog: the chunk ids
        each holds, and for a sample of chunks, their vectors and (given `texts_for`) words."""
        import numpy as np

        problems: list[str] = []
        catalog_ids = np.asarray(catalog_ids, dtype=np.int64)
        saved = VectorIndex.load(self.vectors_path, self.dim)
        for where, index in (("in memory", self.vectors), ("on disk", saved)):
            if index is None:
                if where == "in memory" or len(catalog_ids):
                    problems.append(f"The vector index ({where}) is missing or unreadable.")
                continue
            # A saved HNSW graph still holds the ids removed since it was built; they are
            # skipped once it is loaded. Any other difference is a fault.
            held = index.ids() if where == "in memory" else index.stored_ids()
            missing = np.setdiff1d(catalog_ids, held)
            extra = np.setdiff1d(held, catalog_ids)
            if len(missing) or (len(extra) and not (where == "on disk" and index.hnsw)):
                problems.append(
                    f"The vector index ({where}) does not match the catalog: "
                    f"{len(missing)} passages missing, {len(extra)} extra."
                )
            elif len(catalog_ids):
                sample = catalog_ids[:: max(1, len(catalog_ids) // 500)]
                if not np.allclose(index.vectors(sample), vectors_for(sample), atol=1e-6):
                    problems.append(
                        f"The vector index ({where}) has vectors that differ from the catalog's."
                    )
        for where, keywords in (
            ("in memory", self.keywords),
            ("on disk", KeywordIndex.load(self.keywords_path, self.recent_keywords_path)),
        ):
            if keywords is None:
                problems.append(f"The keyword index ({where}) is missing or unreadable.")
                continue
            # As saved, the keyword index still holds the passages removed since it was last
            # written; they are skipped once it is loaded. Any other difference is a fault.
            if where == "in memory":
                held = keywords.ids
            else:
                held = np.unique(np.concatenate([s.ids for s in keywords.segments]))
            missing = np.setdiff1d(catalog_ids, held)
            extra = np.setdiff1d(held, catalog_ids)
            if len(missing) or (len(extra) and where == "in memory"):
                problems.append(
                    f"The keyword index ({where}) does not match the catalog: it holds "
                    f"{len(held)} passages, the catalog {len(catalog_ids)}."
                )
            elif keywords.rows() != keywords.stored_rows():
                problems.append(
                    f"The keyword index ({where}) is inconsistent: its statistics cover "
                    f"{keywords.rows()} passages, its list names {keywords.stored_rows()}."
                )
            elif texts_for is not None and len(catalog_ids):
                sample = catalog_ids[:: max(1, len(catalog_ids) // 200)]
                bad = keywords.mismatched(sample, texts_for(sample))
                if bad:
                    problems.append(
                        f"The keyword index ({where}) has the words of other passages than the "
                        f"catalog's for {len(bad)} of the {len(sample)} passages checked."
                    )
        return problems
