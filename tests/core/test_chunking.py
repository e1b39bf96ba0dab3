"""Chunks: exact spans and pages, sized in the embedder's own tokens, cut at good boundaries."""

from __future__ import annotations

import itertools

import pytest

from core.chunking import CHUNK_TOKENS, Chunker, content_hash, model_tokenizer
from core.documents import Document, make_pages
from core.embeddings import bundled_model_path
from tests.core import prose


@pytest.fixture(scope="module")
def chunker() -> Chunker:
    return Chunker.for_model(bundled_model_path())


@pytest.fixture(scope="module")
def count_with_specials():
    """Tokens as the model sees a text: with [CLS] and [SEP], never cut."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(bundled_model_path() / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return lambda text: len(tokenizer.encode(text).ids)


def document(pages: list[str], doc_id: int = 7) -> Document:
    doc = Document(
        path="/x.pdf",
        title="x",
        sha256="0",
        format="pdf",
        page_unit="page",
        pages=make_pages(pages),
    )
    doc.id = doc_id
    return doc


def test_every_chunk_quotes_the_document_exactly_with_its_pages(chunker):
    pages = prose.pages(40, chars=1800)
    pages[3] = "Café, naïve, résumé — “quoted” ‘text’ … ﬁnance; 東京都は日本の首都です。次の文。"
    pages[4] = "x" * 3000  # one word longer than a chunk
    pages[5] = "   \n\n  "  # a blank page
    doc = document(pages)

    chunks = chunker.chunk(doc)

    text = doc.text
    assert len(chunks) > 40
    for seq, c in enumerate(chunks):
        assert c.text == text[c.start : c.end]
        assert c.text == c.text.strip() and c.text
        assert (c.doc_id, c.seq) == (7, seq)
        assert c.page_start == doc.page_at(c.start).number
        assert c.page_end == doc.page_at(c.end - 1).number
        assert c.content_hash == content_hash(c.text)
        first, last = doc.pages[c.page_start - 1], doc.pages[c.page_end - 1]
        assert first.start <= c.start and c.end <= last.end
    assert any(c.page_end > c.page_start for c in chunks)  # a passage may run over a page
    assert any("東京都" in c.text for c in chunks) and any("x" * 100 in c.text for c in chunks)


def test_no_chunk_is_longer_than_the_model_reads(chunker, count_with_specials):
    _tokenize, limit = model_tokenizer(bundled_model_path())
    assert limit == 254  # MiniLM: max_seq_length 256, less [CLS] and [SEP]
    doc = document([*prose.pages(30, chars=2500), "y" * 5000, "w " * 3000])

    chunks = chunker.chunk(doc)

    assert max(count_with_specials(c.text) for c in chunks) <= 256
    assert all(c.tokens == chunker.count_tokens(c.text) for c in chunks)
    # The tokenizer file truncates at 128 tokens; chunks are sized without that cut.
    assert max(c.tokens for c in chunks) == CHUNK_TOKENS
    # ...and are mostly full: few chunks means less to embed.
    assert sum(c.tokens for c in chunks) / len(chunks) > 0.75 * CHUNK_TOKENS


def test_consecutive_chunks_overlap_a_little_and_leave_no_gap(chunker):
    doc = document(prose.pages(20, chars=2000))

    chunks = chunker.chunk(doc)

    shared = []
    for before, after in itertools.pairwise(chunks):
        assert before.start < after.start <= before.end  # no text is left out
        shared.append(chunker.count_tokens(doc.text[after.start : before.end]))
    assert max(shared) <= chunker.overlap
    assert sum(1 for s in shared if s > 0) > 0.8 * len(shared)
    assert chunks[0].start == 0 and chunks[-1].end == len(doc.text)


def test_chunks_end_at_sentence_ends_where_there_are_any(chunker):
    sentences = [f"Sentence number {n} says something short about item {n}." for n in range(400)]
    doc = document([" ".join(sentences[i : i + 40]) for i in range(0, 400, 40)])

    chunks = chunker.chunk(doc)

    assert len(chunks) > 5
    assert all(c.text.endswith(".") for c in chunks)
    assert all(c.text.startswith("Sentence number") for c in chunks)


def test_a_paragraph_or_page_break_is_preferred_to_a_sentence_end(chunker):
    # Two paragraphs of ~180 tokens each: the first chunk ends at the paragraph break even
    # though another sentence would still have fitted.
    paragraph = " ".join(f"Fact {n} is true." for n in range(36))
    doc = document([paragraph + "\n\n" + paragraph + "\n\n" + paragraph])

    chunks = chunker.chunk(doc)

    assert chunks[0].text == paragraph


def test_short_and_empty_documents(chunker):
    [only] = chunker.chunk(document(["Just one line."]))
    assert (only.text, only.start, only.page_start, only.page_end) == ("Just one line.", 0, 1, 1)
    assert chunker.chunk(document(["  ", "\n"])) == []
    assert chunker.split("") == []


def test_a_chunker_refuses_sizes_that_make_no_sense():
    tokenize, _ = model_tokenizer(bundled_model_path())
    with pytest.raises(ValueError):
        Chunker(tokenize, size=100, overlap=60)
    assert Chunker.for_model(bundled_model_path(), size=1000).size == 254
