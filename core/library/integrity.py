"""Checking a library: the catalog's pages and chunks agree with each other and with the index."""

from __future__ import annotations

import sqlite3

from core import documents
from core.chunking import content_hash
from core.documents import Document, Page
from core.errors import LibraryError


class IntegrityMixin:
    """`Library.check_integrity`."""

    def check_integrity(self) -> list[str]:
        """Problems found in the catalog, each as a sentence; an empty list if it is sound."""
        problems: list[str] = []
        with self._reading("check") as db:
            for (message,) in db.execute("PRAGMA integrity_check"):
                if message != "ok":
                    problems.append(f"SQLite integrity check: {message}")
            for row in db.execute("PRAGMA foreign_key_check"):
                problems.append(f"A row of table {row[0]} belongs to no document (rowid {row[1]}).")
            expected = {
                r["id"]: (r["page_count"], r["char_count"], r["path"])
                for r in db.execute("SELECT id, page_count, char_count, path FROM documents")
            }
            seen: dict[int, tuple[int, int]] = {}  # doc id -> (pages seen, end of the last one)
            cursor = db.execute(
                'SELECT doc_id, number, "start", "end", text FROM pages ORDER BY doc_id, number'
            )
            for doc_id, number, start, end, text in cursor:
                count, last_end = seen.get(doc_id, (0, None))
                where = f"Document {doc_id}, page {number}"
                if number != count + 1:
                    problems.append(f"{where}: expected page {count + 1}.")
                want_start = 0 if last_end is None else last_end + len(documents.PAGE_SEPARATOR)
                if start != want_start or end - start != len(text):
                    problems.append(
                        f"{where}: span {start}-{end} does not match its text "
                        f"({len(text)} characters from {want_start})."
                    )
                seen[doc_id] = (count + 1, end)
            for doc_id, (page_count, char_count, path) in expected.items():
                count, last_end = seen.get(doc_id, (0, None))
                if count != page_count:
                    problems.append(
                        f"Document {doc_id} ({path}) has {count} pages stored, "
                        f"but its entry says {page_count}."
                    )
                elif (last_end or 0) != char_count:
                    problems.append(
                        f"Document {doc_id} ({path}) ends at character {last_end or 0}, "
                        f"but its entry says {char_count}."
                    )
            problems += self._check_chunks(db)
        problems += self._check_search_index()
        return problems

    def _check_chunks(self, db: sqlite3.Connection) -> list[str]:
        """Each chunk quotes its document exactly, on the pages it names, with a whole vector."""
        problems: list[str] = []
        row = db.execute("SELECT value FROM search_state WHERE key = 'dimension'").fetchone()
        vector_bytes = int(row[0]) * 4 if row is not None else None
        doc: Document | None = None
        text = ""
        expected_seq = 0
        for c in db.execute(
            'SELECT id, doc_id, seq, "start", "end", page_start, page_end, text, hash, '
            "length(vector) AS size FROM chunks ORDER BY doc_id, seq"
        ):
            if doc is None or doc.id != c["doc_id"]:
                doc = Document(path="", title="", sha256="", format="", page_unit="")
                doc.id = c["doc_id"]
                doc.pages = [
                    Page(number=r[0], text=r[1], start=r[2], end=r[3])
                    for r in db.execute(
                        'SELECT number, text, "start", "end" FROM pages WHERE doc_id = ? '
                        "ORDER BY number",
                        (doc.id,),
                    )
                ]
                text, expected_seq = doc.text, 0
            where = f"Document {c['doc_id']}, passage {c['seq']}"
            if c["seq"] != expected_seq:
                problems.append(f"{where}: expected passage {expected_seq}.")
            expected_seq = c["seq"] + 1
            if not doc.pages or text[c["start"] : c["end"]] != c["text"]:
                problems.append(f"{where}: its text is not the document's at {c['start']}.")
                continue
            pages = (doc.page_at(c["start"]).number, doc.page_at(c["end"] - 1).number)
            if pages != (c["page_start"], c["page_end"]):
                problems.append(f"{where}: says pages {c['page_start']}-{c['page_end']}.")
            if c["hash"] != content_hash(c["text"]):
                problems.append(f"{where}: its content hash does not match its text.")
            if vector_bytes is None or c["size"] != vector_bytes:
                problems.append(f"{where}: its vector has {c['size']} bytes.")
        return problems

    def _check_search_index(self) -> list[str]:
        """The search index, brought in step as on a search, agrees with the catalog."""
        with self._index_lock:
            if self._dimension() is None:
                return []
            try:
                index = self._search_index()
                return index.check(self._chunk_ids(), self._vectors_for, self._texts_for)
            except (LibraryError, ValueError) as e:  # e.g. a stored vector of the wrong size
                return [f"The search index could not be checked: {e}"]
