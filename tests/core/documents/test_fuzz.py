"""A bounded, deterministic fuzz test of the document readers.

Valid seed files of every format are mutated (bits flipped, cut short, pieces spliced in from
elsewhere in the file or from another seed; for DOCX and EPUB also inside the zipped XML, so the
mutation reaches the parser and not only the archive's checksums). Whatever the bytes, the user
must get a Document or a DocumentError: in this process (`read`) no other exception may escape
a reader, and through the parser process (`load`) the same outcome arrives within its time limit,
without a crash of the reader.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.documents import FORMATS as READERS
from core.documents import Document, Limits, file_sha256, load, read
from core.errors import (
    CorruptFileError,
    DocumentError,
    ParserCrashedError,
    ParseTimeoutError,
)
from tests.core.documents import files
from tests.core.documents.checks import assert_user_message, assert_well_formed
from tests.corpus import make_corpus as corpus

# Per format (8 of them): about 15 s in all on 2 cores. A longer hunt, off the normal run:
# LONGREAD_FUZZ_EXAMPLES=2000 pytest tests/core/documents/test_fuzz.py
EXAMPLES = int(os.environ.get("LONGREAD_FUZZ_EXAMPLES", "50"))
HANG_S = 10.0  # no small input may take longer than this to read


@functools.cache
def _pdf_seed() -> bytes:
    return files.pdf_bytes(
        ["A seed page about tides.\n\nSecond paragraph.", "Page two mentions herons."],
        title="Seed",
    )


def _docx_xml() -> bytes:
    return corpus.docx_xml("Seed paragraph about orchards.", "A second paragraph.").encode()


def _epub_chapter() -> bytes:
    return corpus.xhtml("<h1>Seed</h1><p>A chapter about lanterns.</p><p>More.</p>").encode()


def _zipped_docx(document: bytes) -> bytes:
    return corpus._zip(corpus.docx_members(document))


def _zipped_epub(chapter: bytes) -> bytes:
    members = corpus.epub_members({"c1.xhtml": "x"})
    members[-1] = corpus._member("OEBPS/c1.xhtml", chapter)
    return corpus._zip(members)


HTML = (
    b"<!DOCTYPE html><html><head><title>Seed</title><script>var x = 1;</script></head>"
    b"<body><nav>menu</nav><main><h1>Seed</h1><p>A page about <b>kites</b>.</p>"
    b"<table><tr><td>a</td><td>b</td></tr></table></main></body></html>"
)
TEXT = "Seed text about rivers.\n\nCafé, naïve, 12 €.\n\fSecond page.\n".encode()
CSV = b"name,city,note\r\nAda,London,\"quoted, comma\"\r\nGrace,New York,x\r\n"

# format -> (file extension, seed bytes, how the mutated bytes become the file)
FORMATS = {
    "pdf": (".pdf", _pdf_seed, None),
    "docx": (".docx", lambda: _zipped_docx(_docx_xml()), None),
    "docx-xml": (".docx", _docx_xml, _zipped_docx),
    "epub": (".epub", lambda: _zipped_epub(_epub_chapter()), None),
    "epub-xhtml": (".epub", _epub_chapter, _zipped_epub),
    "html": (".html", lambda: HTML, None),
    "txt": (".txt", lambda: TEXT, None),
    "csv": (".csv", lambda: CSV, None),
}
SPLICE_FROM = [HTML, TEXT, CSV, b"\x00" * 64, b"\xff\xfe", b"%PDF-1.7\n", b"PK\x03\x04",
               b"<div>" * 50, b" 0 R ", b"<< /Type /Pages /Count 99999999 >>", b"]]>", b"&#0;"]

# One mutation: (kind, where as a fraction of the length, a number, a splice source).
mutation = st.tuples(
    st.sampled_from(["flip", "cut", "splice", "delete", "repeat", "insert"]),
    st.floats(0, 1, allow_nan=False),
    st.integers(0, 4096),
    st.integers(0, len(SPLICE_FROM) - 1),
)


def mutate(data: bytes, mutations) -> bytes:
    data = bytearray(data)
    for kind, where, number, source in mutations:
        at = min(int(where * len(data)), max(len(data) - 1, 0))
        if kind == "flip" and data:
            data[at] ^= 1 << (number % 8)
        elif kind == "cut":
            del data[at:]
        elif kind == "splice":  # overwrite with a piece of this file from elsewhere
            start = number % max(len(data), 1)
            piece = data[start : start + 1 + number % 64]
            data[at : at + len(piece)] = piece
        elif kind == "delete":
            del data[at : at + 1 + number % 256]
        elif kind == "repeat":  # a piece of the file, many times over
            piece = data[at : at + 1 + number % 32]
            data[at:at] = piece * (1 + number % 200)
        else:
            data[at:at] = SPLICE_FROM[source]
    return bytes(data)


class Hang(Exception):
    pass


@contextmanager
def deadline(seconds: float):
    """Raise Hang in this (main) thread if the block runs longer than `seconds`."""

    def alarm(signum, frame):
        raise Hang(f"still reading after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def workdir():
    folder = Path(tempfile.mkdtemp(prefix="longread-fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def outcome(result: Document | DocumentError) -> str:
    return "document" if isinstance(result, Document) else type(result).__name__


@pytest.mark.skipif(sys.platform == "win32", reason="the in-process deadline uses SIGALRM")
@pytest.mark.parametrize("name", list(FORMATS))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutations=st.lists(mutation, min_size=1, max_size=4))
def test_a_mutated_file_gives_a_document_or_a_readable_error(workdir, name, mutations):
    extension, seed, wrap = FORMATS[name]
    data = mutate(seed(), mutations)
    path = workdir / f"fuzzed {name}{extension}"
    path.write_bytes(wrap(data) if wrap else data)

    try:
        with deadline(HANG_S):
            here: Document | DocumentError = read(path)
    except DocumentError as error:
        here = error
    # Anything else (a reader's own exception, Hang) fails the test with its traceback.

    started = time.monotonic()
    try:
        there: Document | DocumentError = load(path, limits=Limits(timeout_s=HANG_S))
    except DocumentError as error:
        there = error
    assert not isinstance(there, (ParseTimeoutError, ParserCrashedError)), str(there)
    assert time.monotonic() - started < HANG_S + 2
    assert outcome(there) == outcome(here), f"read gave {here!r}, load gave {there!r}"
    if isinstance(there, Document):
        # Both processes give the same well-formed pages: numbered from 1, each span selecting
        # exactly its text, one after another.
        assert_well_formed(here)
        assert_well_formed(there)
        assert there.pages == here.pages
        assert (there.title, there.page_unit) == (here.title, here.page_unit)
        assert there.format == here.format == READERS[extension][0]
        assert there.sha256 == here.sha256 == file_sha256(path)
    else:
        assert_user_message(there, path)
        assert type(there) is type(here) and str(there) == str(here)


# Inputs this fuzzer found that once escaped a reader as another exception in this process:
# pypdf's LimitReachedError (a declared size over its limit); from zipfile, an OSError (a
# directory pointing before the start of the file), a RuntimeError (an entry flagged as
# encrypted) and a NotImplementedError (an unknown zip version). Each case names what it reads
# as now: a readable error, or (the DOCX whose first bytes are gone: zipfile finds its members
# from the directory at the end) the seed's own text. A seed that drifts so that the mutation
# lands elsewhere shows up as another outcome here instead of passing unnoticed.
DAMAGED = CorruptFileError
FOUND = [
    ("pdf", [("repeat", 0.875, 5, 0)], DAMAGED),
    ("epub", [("delete", 0.0, 58, 0)], DAMAGED),
    ("docx", [("delete", 0.0, 58, 0)], ["Seed paragraph about orchards.\n\nA second paragraph."]),
    ("epub", [("splice", 0.8671875, 134, 0)], DAMAGED),
    ("epub", [("flip", 0.8671875, 6, 0)], DAMAGED),
]


@pytest.mark.parametrize(
    ("name", "mutations", "expected"),
    FOUND,
    ids=[f"{n}-{m[0][0]}-{m[0][2]}" for n, m, _ in FOUND],
)
def test_inputs_the_fuzzer_found_give_a_readable_error(workdir, name, mutations, expected):
    extension, seed, wrap = FORMATS[name]
    seeded = seed()
    data = mutate(seeded, mutations)
    assert data != seeded, "the mutation changes nothing"
    path = workdir / f"found {name}{extension}"
    path.write_bytes(wrap(data) if wrap else data)
    if isinstance(expected, list):
        doc = read(path)
        assert_well_formed(doc)
        assert [p.text for p in doc.pages] == expected
    else:
        with pytest.raises(DocumentError) as caught:
            read(path)
        assert type(caught.value) is expected, repr(caught.value)
        assert_user_message(caught.value, path)
