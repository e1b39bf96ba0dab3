"""The search index on its own: fusion, FAISS flat and HNSW, BM25, files, repair, filters.

Vectors here are random unit vectors: these tests are about bookkeeping (ids, files, removal,
switching kinds), not about how good the search is (see test_search.py for that).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from core import retrieval
from core.retrieval import KeywordIndex, SearchIndex, VectorIndex, fuse

DIM = 16


def unit(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


class Catalog:
    """Stands in for the library's chunk table: ids, vectors and texts, as the index reads them."""

    def __init__(self, n: int) -> None:
        self.vectors = {i: v for i, v in zip(range(1, n + 1), unit(n), strict=True)}
        self.texts = {i: f"passage {i} about topic{i % 7} and word{i}" for i in self.vectors}
        self.reads = 0

    def ids(self) -> np.ndarray:
        return np.array(sorted(self.vectors), dtype=np.int64)

    def vectors_for(self, ids):
        self.reads += len(ids)
        return np.stack([self.vectors[int(i)] for i in ids]) if len(ids) else np.zeros((0, DIM))

    def texts_for(self, ids):
        return [self.texts[int(i)] for i in ids]

    def add(self, start: int, n: int) -> None:
        for i, v in zip(range(start, start + n), unit(n, seed=start), strict=True):
            self.vectors[i] = v
            self.texts[i] = f"passage {i} about topic{i % 7} and word{i}"

    def remove(self, ids) -> None:
        for i in ids:
            del self.vectors[i], self.texts[i]

    def sync(self, index: SearchIndex) -> bool:
        return index.sync(self.ids(), self.vectors_for, self.texts_for)


def test_reciprocal_rank_fusion():
    fused = fuse([[1, 2, 3], [3, 1, 4]], k=60)
    scores = dict(fused)
    assert [i for i, _ in fused] == [1, 3, 2, 4]
    assert scores[1] == pytest.approx(1 / 61 + 1 / 62)
    assert scores[4] == pytest.approx(1 / 63)
    assert fuse([[], []]) == []


def test_flat_search_is_exact_and_honours_removal_and_filters():
    vectors = unit(200)
    ids = np.arange(1000, 1200, dtype=np.int64)
    index = VectorIndex.build(DIM, ids, vectors)
    assert index.kind == "flat"
    query = vectors[17]

    assert index.search(query, 3)[0] == (1017, pytest.approx(1.0, abs=1e-5))
    exact = np.argsort(-(vectors @ query))[:10] + 1000
    assert [i for i, _ in index.search(query, 10)] == list(exact)

    index.remove(np.array([1017]))
    assert 1017 not in [i for i, _ in index.search(query, 10)] and len(index) == 199
    allowed = np.array([1003, 1150, 1017, 5000])
    assert {i for i, _ in index.search(query, 10, allowed)} == {1003, 1150}


def test_many_vectors_use_hnsw_which_skips_removed_ones_and_searches_filters_exactly(
    monkeypatch,
):
    monkeypatch.setattr(retrieval, "FLAT_LIMIT", 300)
    vectors = unit(1000)
    ids = np.arange(1, 1001, dtype=np.int64)
    index = VectorIndex.build(DIM, ids, vectors)
    assert index.kind == "HNSW"

    # recall@10 against exact search (on random vectors: a lower bound for real ones)
    queries = unit(20, seed=5)
    found = 0
    for q in queries:
        exact = set(np.argsort(-(vectors @ q))[:10] + 1)
        found += len(exact & {i for i, _ in index.search(q, 10)})
    assert found / 200 >= 0.9

    index.remove(np.arange(1, 501))
    assert len(index) == 500
    assert all(i > 500 for q in queries for i, _ in index.search(q, 10))
    # A filter to a few ids walks no graph: those ids are scored one by one, exactly.
    allowed = np.array([3, 600, 601, 999])  # 3 was removed
    result = index.search(vectors[600], 10, allowed)
    assert result[0][0] == 601 and {i for i, _ in result} == {600, 601, 999}


def test_keyword_search_finds_rare_words_and_honours_filters():
    ids = np.array([10, 11, 12, 13])
    index = KeywordIndex.build(
        ids,
        [
            "the cat sat on the mat",
            "dogs chase cats in the park",
            "the Vellmar lighthouse keeper",
            "nothing of interest here",
        ],
    )
    assert index.search("Vellmar island", 5)[0][0] == 12
    assert index.search("unknownword", 5) == []
    assert index.search("the of and", 5) == []  # stopwords only
    assert [i for i, _ in index.search("cat dogs", 5, allowed=np.array([11]))] == [11]


def test_sync_builds_saves_adds_removes_and_switches_kind(tmp_path, monkeypatch):
    monkeypatch.setattr(retrieval, "FLAT_LIMIT", 100)
    catalog = Catalog(60)
    index = SearchIndex(tmp_path, DIM)

    assert catalog.sync(index)
    assert index.vectors.kind == "flat" and (tmp_path / "vectors.faiss").is_file()
    assert index.check(catalog.ids(), catalog.vectors_for) == []
    assert not catalog.sync(index)  # nothing changed: nothing rebuilt

    catalog.add(61, 20)
    catalog.reads = 0
    assert catalog.sync(index)
    assert catalog.reads == 20  # only the new vectors were read
    assert index.rebuilt == ["vectors: 20 added, 0 removed", "keywords: rebuilt"]

    catalog.add(81, 40)  # 120 chunks: over the flat limit
    catalog.sync(index)
    assert index.vectors.kind == "HNSW"
    catalog.remove(range(1, 11))
    catalog.sync(index)
    assert index.vectors.kind == "HNSW" and len(index.vectors) == 110
    assert index.check(catalog.ids(), catalog.vectors_for) == []

    # A reopened index works out which ids the saved graph holds that are gone.
    reopened = SearchIndex(tmp_path, DIM)
    assert not catalog.sync(reopened)
    assert len(reopened.vectors) == 110 and set(reopened.vectors.dead) == set(range(1, 11))
    hits = reopened.search("topic3", unit(1, seed=9)[0], k=50)
    assert hits and all(h.chunk_id > 10 for h in hits)

    catalog.remove(range(11, 41))  # too many dead nodes: rebuilt, and flat at this size
    catalog.sync(reopened)
    assert reopened.vectors.kind == "flat" and len(reopened.vectors) == 80
    assert reopened.check(catalog.ids(), catalog.vectors_for) == []


@pytest.mark.parametrize("damage", ["missing", "garbage", "truncated", "other dimension"])
def test_a_damaged_or_missing_vector_file_is_rebuilt_from_the_catalog(tmp_path, damage):
    catalog = Catalog(50)
    catalog.sync(SearchIndex(tmp_path, DIM))
    path = tmp_path / "vectors.faiss"
    if damage == "missing":
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(os.urandom(5000))
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:3000])
    else:
        VectorIndex.build(DIM + 1, np.array([1]), np.ones((1, DIM + 1))).save(path)

    index = SearchIndex(tmp_path, DIM)
    assert catalog.sync(index)

    assert index.rebuilt[0] == "vectors: missing or unreadable, rebuilt"
    assert index.check(catalog.ids(), catalog.vectors_for) == []


def test_a_stale_keyword_index_is_rebuilt_and_a_damaged_one_too(tmp_path):
    catalog = Catalog(30)
    catalog.sync(SearchIndex(tmp_path, DIM))
    catalog.add(31, 5)
    index = SearchIndex(tmp_path, DIM)
    catalog.sync(index)
    assert "keywords: rebuilt" in index.rebuilt
    assert index.keywords.search("word33", 3)[0][0] == 33

    (tmp_path / "keywords" / "chunk_ids.npy").write_bytes(b"junk")
    index = SearchIndex(tmp_path, DIM)
    catalog.sync(index)
    assert index.check(catalog.ids(), catalog.vectors_for) == []


def test_a_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    catalog = Catalog(20)
    catalog.sync(SearchIndex(tmp_path, DIM))
    before = (tmp_path / "vectors.faiss").read_bytes()
    import faiss

    def crash(index, name):
        with open(name, "wb") as f:
            f.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", crash)
    catalog.add(21, 5)
    with pytest.raises(OSError):
        catalog.sync(SearchIndex(tmp_path, DIM))

    assert (tmp_path / "vectors.faiss").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keywords", "vectors.faiss"]


def test_check_reports_an_index_that_disagrees_with_the_catalog(tmp_path):
    catalog = Catalog(20)
    index = SearchIndex(tmp_path, DIM)
    catalog.sync(index)
    catalog.add(21, 3)  # the catalog moved on; the index was not told

    problems = index.check(catalog.ids(), catalog.vectors_for)

    assert any("vector index (in memory)" in p and "3 passages missing" in p for p in problems)
    assert any("vector index (on disk)" in p for p in problems)
    assert any("keyword index" in p for p in problems)
