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
    assert index.rebuilt == ["vectors: 20 added, 0 removed", "keywords: 20 recent"]

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
    assert "keywords: 5 recent" in index.rebuilt
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


def same_length_texts(start: int, n: int) -> dict[int, str]:
    """Passages of equal length (so BM25's length normalisation is the same in any segment)."""
    topics = ["harbour", "lighthouse", "ferry", "tide", "pier", "quay", "beacon"]
    return {
        i: f"note {i} the {topics[i % 7]} report word{i} about {topics[(i * 3) % 7]} duty"
        for i in range(start, start + n)
    }


def test_passages_added_later_are_scored_as_if_indexed_with_the_rest(tmp_path):
    """A passage added after the keyword index was built scores about as it would in a full
    build (the words' rarity is that of all passages), so where it was indexed does not change
    what ranks first."""
    first, later = same_length_texts(1, 300), same_length_texts(301, 40)
    everything = {**first, **later}
    ids = np.array(sorted(everything))
    full = KeywordIndex.build(ids, [everything[i] for i in ids])

    catalog = Catalog(0)
    catalog.texts = dict(first)
    catalog.vectors = {i: unit(1, seed=i)[0] for i in first}
    index = SearchIndex(tmp_path, DIM)
    catalog.sync(index)
    catalog.texts.update(later)
    catalog.vectors.update({i: unit(1, seed=i)[0] for i in later})
    catalog.sync(index)

    assert index.keywords.recent is not None and len(index.keywords.recent.ids) == 40
    for query in ["word305 harbour", "lighthouse ferry word12", "tide word330"]:
        split = dict(index.keywords.search(query, 10))
        whole = dict(full.search(query, 10))
        assert next(iter(split)) == next(iter(whole))
        for chunk_id in set(split) & set(whole):
            assert split[chunk_id] == pytest.approx(whole[chunk_id], rel=0.03)


def test_adding_and_removing_passages_rewrites_only_what_changed(tmp_path):
    catalog = Catalog(3000)
    index = SearchIndex(tmp_path, DIM)
    catalog.sync(index)
    main_file = tmp_path / "keywords" / "chunk_ids.npy"
    built = main_file.stat().st_mtime_ns

    catalog.add(3001, 30)
    catalog.sync(index)
    assert "keywords: 30 recent" in index.rebuilt
    assert (tmp_path / "keywords-recent").is_dir()
    assert index.keywords.search("word3017", 3)[0][0] == 3017

    catalog.remove([5, 3017])
    catalog.sync(index)
    assert not any(step.startswith("keywords") for step in index.rebuilt)  # only skipped
    assert main_file.stat().st_mtime_ns == built
    assert index.keywords.search("word3017", 3) == []
    assert all(i != 5 for i, _ in index.keywords.search("word5 topic5", 50))

    # Reopened from disk: the removed passages are worked out again from the catalog.
    reopened = SearchIndex(tmp_path, DIM)
    assert not catalog.sync(reopened)
    assert reopened.keywords.search("word3017", 3) == []
    assert reopened.check(catalog.ids(), catalog.vectors_for, catalog.texts_for) == []
    assert main_file.stat().st_mtime_ns == built


def test_the_recent_keywords_are_merged_once_they_grow(tmp_path, monkeypatch):
    monkeypatch.setattr(retrieval, "RECENT_MIN", 50)
    catalog = Catalog(200)
    index = SearchIndex(tmp_path, DIM)
    catalog.sync(index)
    catalog.add(201, 40)
    catalog.sync(index)
    assert index.keywords.recent is not None

    catalog.add(241, 40)  # 80 recent passages: over 10 % of 280 and over the minimum
    catalog.sync(index)
    assert "keywords: rebuilt" in index.rebuilt
    assert index.keywords.recent is None and not (tmp_path / "keywords-recent").exists()
    assert index.keywords.main.rows() == 280
    assert index.check(catalog.ids(), catalog.vectors_for, catalog.texts_for) == []


def test_a_recent_segment_left_by_an_unfinished_merge_is_ignored(tmp_path):
    catalog = Catalog(100)
    index = SearchIndex(tmp_path, DIM)
    catalog.sync(index)
    catalog.add(101, 10)
    catalog.sync(index)
    saved_recent = index.keywords.recent
    # The merge wrote the main segment with every passage, then stopped before the recent
    # folder was removed.
    KeywordIndex.build(catalog.ids(), catalog.texts_for(catalog.ids())).save(tmp_path / "keywords")
    saved_recent.save(tmp_path / "keywords-recent")

    reopened = SearchIndex(tmp_path, DIM)
    catalog.sync(reopened)
    assert reopened.keywords.recent is None
    assert reopened.check(catalog.ids(), catalog.vectors_for, catalog.texts_for) == []
    assert [i for i, _ in reopened.keywords.search("word105", 5)][:1] == [105]
