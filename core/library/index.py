"""The search index: each document's chunks with their vectors, kept in the catalog, and search.

The FAISS and BM25 files next to the catalog are derived from the chunks; they are written
atomically and brought back in step with the catalog whenever they lag (see core.retrieval).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.chunking import Chunk
from core.errors import LibraryError
from core.library.catalog import DocumentInfo, batches, bump_generation

if TYPE_CHECKING:
    import numpy as np

    from core.chunking import Chunker
    from core.embeddings import Embedder
    from core.library.ingest import FileProgress
    from core.retrieval import SearchIndex

BIG_INDEX = 10_000  # updating the search index of more chunks than this says so in the progress


@dataclass(frozen=True, slots=True)
class Passage:
    """A chunk found by `Library.search`: where it is, what it says, how well it matched.

    text is the document's own text at [start, end) of `Document.text`: a citation quotes it.
    """

    chunk_id: int
    doc_id: int
    title: str
    path: str
    page_unit: str  # "page", "chapter", ... (see core.documents.models)
    page_start: int  # page numbers, from 1
    page_end: int
    page_label: str  # the printed label of the first page ("iv", "12")
    page_end_label: str
    start: int
    end: int
    text: str
    score: float  # reciprocal-rank fusion of the two rankings below (higher is better)
    dense_rank: int | None  # rank by meaning (the vector index), None if not in its top
    keyword_rank: int | None  # rank by words (BM25), None if not in its top
    similarity: float | None = None  # cosine of passage and query, where dense_rank is set


class IndexMixin:
    """`Library`'s chunks, vectors and search index (set up by `Library.__init__`)."""

    _embedder: Embedder | None
    _chunker: Chunker | None
    _index_lock: threading.RLock  # the search index; taken before `_lock`
    _index: SearchIndex | None

    # -- searching -------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, doc_ids: Iterable[int] | None = None) -> list[Passage]:
        """The k passages that best match `query` by meaning and by words, best first.

        doc_ids: search only these documents. Raises ModelError if the embedding model cannot
        be loaded.
        """
        import numpy as np

        if not query.strip() or self._dimension() is None:
            return []
        self._check_embedder(None)  # a query must be embedded by the model of the passages
        with self._index_lock:
            index = self._search_index()
            allowed = None
            if doc_ids is not None:
                wanted = sorted({int(d) for d in doc_ids})
                with self._reading("search") as db:
                    allowed = np.array(
                        [
                            r[0]
                            for batch in batches(wanted)
                            for r in db.execute(
                                "SELECT id FROM chunks WHERE doc_id IN "
                                f"({','.join('?' * len(batch))})",
                                batch,
                            )
                        ],
                        dtype=np.int64,
                    )
                if not len(allowed):
                    return []
            if index.vectors is None or not len(index.vectors):
                return []
            vector = self.embedder.embed_query(query)
            hits = index.search(query, vector, k, allowed)
        return self._passages(hits)

    def pending(self) -> list[DocumentInfo]:
        """Documents in the catalog that search cannot find yet (added by an older version of
        Longread; `add` indexes them)."""
        with self._reading("list the documents of") as db:
            return self._rows(db, "indexed_with IS NULL ORDER BY id")

    def _passages(self, hits) -> list[Passage]:
        by_id: dict[int, sqlite3.Row] = {}
        ids = [h.chunk_id for h in hits]
        with self._reading("read passages from") as db:
            for batch in batches(ids):
                for row in db.execute(
                    'SELECT c.id, c.doc_id, c."start", c."end", c.page_start, c.page_end, '
                    "c.text, d.title, d.path, d.page_unit, p1.label AS label, "
                    "p2.label AS end_label FROM chunks c JOIN documents d ON d.id = c.doc_id "
                    "JOIN pages p1 ON p1.doc_id = c.doc_id AND p1.number = c.page_start "
                    "JOIN pages p2 ON p2.doc_id = c.doc_id AND p2.number = c.page_end "
                    f"WHERE c.id IN ({','.join('?' * len(batch))})",
                    batch,
                ):
                    by_id[row["id"]] = row
        return [
            Passage(
                chunk_id=h.chunk_id,
                doc_id=row["doc_id"],
                title=row["title"],
                path=row["path"],
                page_unit=row["page_unit"],
                page_start=row["page_start"],
                page_end=row["page_end"],
                page_label=row["label"],
                page_end_label=row["end_label"],
                start=row["start"],
                end=row["end"],
                text=row["text"],
                score=h.score,
                dense_rank=h.dense_rank,
                keyword_rank=h.keyword_rank,
                similarity=h.similarity,
            )
            for h in hits
            if (row := by_id.get(h.chunk_id)) is not None  # removed by another process meanwhile
        ]

    # -- chunks and their vectors ----------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from core.embeddings import default_embedder

            self._embedder = default_embedder()
        return self._embedder

    def chunker(self) -> Chunker:
        if self._chunker is None:
            self._chunker = self.embedder.chunker()
        return self._chunker

    def _index_document(
        self, info: DocumentInfo, cancel: threading.Event | None, stages: FileProgress
    ) -> bool:
        chunks = self.chunker().chunk(self.get(info.id))
        vectors = self._embed(chunks, cancel, stages)
        with self._writing("save the search index of") as db:
            current = db.execute("SELECT sha256 FROM documents WHERE id = ?", (info.id,)).fetchone()
            if current is None or current[0] != info.sha256:
                return False  # removed or replaced by another process meanwhile
            self._check_embedder(db)
            self._store_chunks(db, info.id, chunks, vectors)
        return True

    def _embed(
        self, chunks: list[Chunk], cancel: threading.Event | None, stages: FileProgress
    ) -> np.ndarray:
        """The chunks' vectors, embedding only chunks not seen before."""
        from core.embeddings import embed_cached

        self._check_embedder(None)
        vectors, _embedded = embed_cached(
            self.embedder,
            [c.text for c in chunks],
            [c.content_hash for c in chunks],
            self._stored_vectors,
            on_progress=stages.embedding,
            cancel=cancel,
        )
        return vectors

    def _stored_vectors(self, hashes: list[bytes]) -> dict[bytes, np.ndarray]:
        """The vectors the catalog already holds for these chunk contents (same model)."""
        import numpy as np

        found: dict[bytes, np.ndarray] = {}
        with self._reading("read the search index of") as db:
            for batch in batches(hashes):
                for digest, blob in db.execute(
                    f"SELECT hash, vector FROM chunks WHERE hash IN ({','.join('?' * len(batch))})",
                    batch,
                ):
                    found[digest] = np.frombuffer(blob, dtype=np.float32)
        return found

    def _check_embedder(self, db: sqlite3.Connection | None) -> None:
        """Refuse to mix vectors of two models in one library; record the model on first use."""
        key = self.embedder.key
        if db is None:
            with self._reading("read the search index of") as db:
                row = db.execute("SELECT value FROM search_state WHERE key = 'embedder'").fetchone()
            if row is not None and row[0] == key:
                return
            with self._writing("prepare the search index of") as db:
                return self._check_embedder(db)
        row = db.execute("SELECT value FROM search_state WHERE key = 'embedder'").fetchone()
        if row is not None and row[0] == key:
            return
        has_chunks = db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is not None
        if row is not None and has_chunks:
            raise LibraryError(
                f"The library in “{self.dir}” was indexed with the embedding model "
                f"“{row[0].split(':')[0]}”, not “{self.embedder.name}”, which Longread is set "
                "to use now. Choose that model again, or use another library folder for this one."
            )
        db.execute(
            "INSERT OR REPLACE INTO search_state (key, value) VALUES ('embedder', ?)", (key,)
        )

    def _store_chunks(
        self, db: sqlite3.Connection, doc_id: int, chunks: list[Chunk], vectors: np.ndarray
    ) -> None:
        db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        db.executemany(
            'INSERT INTO chunks (doc_id, seq, "start", "end", page_start, page_end, tokens, '
            "text, hash, vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    doc_id,
                    c.seq,
                    c.start,
                    c.end,
                    c.page_start,
                    c.page_end,
                    c.tokens,
                    c.text,
                    c.content_hash,
                    vectors[i].astype("<f4").tobytes(),
                )
                for i, c in enumerate(chunks)
            ),
        )
        db.execute(
            "UPDATE documents SET indexed_with = ? WHERE id = ?", (self.embedder.key, doc_id)
        )
        if len(vectors):
            db.execute(
                "INSERT OR REPLACE INTO search_state (key, value) VALUES ('dimension', ?)",
                (str(vectors.shape[1]),),
            )
        bump_generation(db)

    # -- the index files -------------------------------------------------------------------

    def _generation(self) -> int:
        with self._reading("read the search index of") as db:
            row = db.execute("SELECT value FROM search_state WHERE key = 'generation'").fetchone()
        return int(row[0])

    def _search_index(self) -> SearchIndex:
        """The search index, loaded on first use and brought in step with the catalog."""
        with self._index_lock:
            generation = self._generation()
            if self._index is not None and self._index.generation == generation:
                return self._index
            if self._index is None:
                from core.retrieval import SearchIndex

                dimension = self._dimension()
                assert dimension is not None, "nothing was ever indexed in this library"
                self._index = SearchIndex(self.dir, dimension)
            try:
                self._index.sync(self._chunk_ids(), self._vectors_for, self._texts_for, generation)
            except OSError as e:
                # The catalog is intact; the index is brought up to date on the next try.
                raise LibraryError(
                    f"Longread could not save the search index in “{self.dir}” "
                    f"({e.strerror or e}). Free some disk space, or check that you may write "
                    "there, then try again."
                ) from None
            return self._index

    def _update_search_index(self, say: Callable[[str], object] | None = None) -> None:
        """After a change: bring the index files up to date if they exist or if there is
        something to index (a library without any chunks keeps no index files)."""
        with self._index_lock:
            generation = self._generation()
            if self._index is not None and self._index.generation == generation:
                return
            if self._dimension() is None:
                return  # nothing was ever indexed here: no index files to keep
            if say is not None:
                with self._reading("read the search index of") as db:
                    count = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
                if count > BIG_INDEX:
                    say(f"Updating the search index ({count:,} passages)")
            self._search_index()

    def _dimension(self) -> int | None:
        """The length of the library's vectors; None if it never held any."""
        with self._reading("read the search index of") as db:
            row = db.execute("SELECT value FROM search_state WHERE key = 'dimension'").fetchone()
        return int(row[0]) if row is not None else None

    def _chunk_ids(self) -> np.ndarray:
        import numpy as np

        # Unordered, SQLite reads the ids from its small (doc_id, seq) index instead of every
        # row of the table (each of which holds a passage and its vector): 22 ms instead of
        # 125 ms for 95,149 passages (bench/scale.py's library), at every sync.
        with self._reading("read the search index of") as db:
            ids = np.fromiter((r[0] for r in db.execute("SELECT id FROM chunks")), np.int64)
        return np.sort(ids)

    def _vectors_for(self, ids: np.ndarray) -> np.ndarray:
        import numpy as np

        rows = self._chunk_columns(ids, "vector")
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([np.frombuffer(blob, dtype="<f4") for blob in rows]).astype(np.float32)

    def _texts_for(self, ids: np.ndarray) -> list[str]:
        return self._chunk_columns(ids, "text")

    def _chunk_columns(self, ids: np.ndarray, column: str) -> list:
        """One column of the chunks with these ids, in the order of `ids` (which must exist)."""
        wanted = [int(i) for i in ids]
        found: dict[int, object] = {}
        with self._reading("read the search index of") as db:
            if len(wanted) > 5000:  # most of the table: one scan beats many lookups
                want = set(wanted)
                for chunk_id, value in db.execute(f"SELECT id, {column} FROM chunks"):
                    if chunk_id in want:
                        found[chunk_id] = value
            else:
                for batch in batches(wanted):
                    found.update(
                        db.execute(
                            f"SELECT id, {column} FROM chunks WHERE id IN "
                            f"({','.join('?' * len(batch))})",
                            batch,
                        ).fetchall()
                    )
        missing = [i for i in wanted if i not in found]
        if missing:
            raise LibraryError(
                f"The library in “{self.dir}” changed while its search index was being "
                "updated. Try again."
            )
        return [found[i] for i in wanted]
