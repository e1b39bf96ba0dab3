"""The library of files asked about directly (`longread ask FILE`, `longread chat FILE`).

Each file is read and embedded once: it is kept in a library of its own in the user cache
folder, and a file with the same content (at any path) is found there by its SHA-256, so the
second question about a 1,000-page manual starts answering in seconds instead of reading and
embedding it again. It is an ordinary Library (the same crash safety), kept under
ASKED_CACHE_CHARS of text (with its passages' vectors, about 2.5 bytes on disk a character):
past that, the documents asked about longest ago are removed.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from core.library import Library

ASKED_CACHE_CHARS = 800_000_000  # ~2 GB on disk; a 1,000-page manual is ~3 million
FOLDER = "asked-files"
USED = "last-used.json"  # document id -> when a question last used it


def folder() -> Path:
    from core.llm.transformers_backend import cache_root

    return cache_root() / FOLDER


def open_asked() -> Library:
    return Library(folder())


def used(library: Library, ids: list[int]) -> None:
    """Record that a question used these documents, then keep the cache under its cap by
    removing the documents used longest ago (never these)."""
    path = library.dir / USED
    try:
        record = {int(k): float(v) for k, v in json.loads(path.read_text()).items()}
    except (OSError, ValueError, AttributeError):
        record = {}
    now = time.time()
    record.update({doc_id: now for doc_id in ids})
    chars = {info.id: info.char_count for info in library.documents()}
    record = {k: v for k, v in record.items() if k in chars}
    for doc_id in sorted(set(chars) - set(record)):
        record[doc_id] = 0.0  # asked about before the record was kept: the first to go
    total = sum(chars.values())
    for doc_id in sorted(record, key=record.get):
        if total <= ASKED_CACHE_CHARS:
            break
        if doc_id in ids:
            continue
        library.remove(doc_id)
        total -= chars[doc_id]
        del record[doc_id]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({str(k): v for k, v in record.items()}))
    os.replace(tmp, path)
