"""Find and verify the spans of the documents that an answer rests on.

A citation is only ever made to a span whose words are really there: the answer's content words
are matched against the sentences of the candidate pages, and the best sentence is quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from core.documents.models import Document, Page
from core.modes.base import Citation

_WORD = re.compile(r"[\w][\w'’.-]*[\w]|\w", re.UNICODE)
# A sentence ends at . ! ? followed by a space or the end (not inside "1.85", "e.g.", an address
# like "bug-bc@gnu.org"), or at a line's end.
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?]+(?=[^\s.!?]))+(?:[.!?]+|\n|$)")
_STOP = set(
    """a an and are as at be been but by can could did do does for from had has have he her his
    how i if in into is it its may might more most no not of on or our she should so such than
    that the their them then there these they this those to was we were what when where which
    who whom why will with would you your about after all also any because before being both
    each few further here just like many much must now only other over same some still through
    under until up very while yes document question answer page pages""".split()
)


def distinct(citations: Iterable[Citation]) -> Iterator[Citation]:
    """The citations with each quoted span once (overlapping passages quote the same sentence)."""
    seen: set[tuple] = set()
    for citation in citations:
        key = (citation.doc_id, citation.start)
        if key not in seen:
            seen.add(key)
            yield citation


def content_words(text: str) -> set[str]:
    """Lower-cased words that carry meaning (no stop words; numbers kept)."""
    return {w for w in (m.lower().strip(".-") for m in _WORD.findall(text)) if w and w not in _STOP}


def sentences(text: str):
    """(start, end, sentence) of each sentence of `text` (a line counts as one), without the
    spaces around it."""
    for m in _SENTENCE.finditer(text):
        sentence = m.group(0)
        if sentence.strip():
            lead = len(sentence) - len(sentence.lstrip())
            yield m.start() + lead, m.start() + len(sentence.rstrip()), sentence.strip()


def best_sentence(text: str, wanted: set[str]) -> tuple[int, int, int]:
    """(start, end, matched words) of the sentence of `text` sharing most words with `wanted`."""
    best = (0, 0, 0)
    for m in _SENTENCE.finditer(text):
        sentence = m.group(0)
        if not sentence.strip():
            continue
        score = len(content_words(sentence) & wanted)
        if score > best[2]:
            lead = len(sentence) - len(sentence.lstrip())
            best = (m.start() + lead, m.start() + len(sentence.rstrip()), score)
    return best


def short_unit(page_unit: str) -> str:
    """ "p.", "ch.", "§": how a citation's place is written short ("p. 4"); "" where the
    label names itself ("rows 2–41")."""
    short = {"page": "p.", "page break": "p.", "chapter": "ch.", "block": "§", "rows": ""}
    return short.get(page_unit, page_unit)


_SOFT_LIMIT = 400  # the most characters a quote is widened by, each way
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"')\]]*\s*$")  # text that ends a sentence there
_SOFT_BREAK = re.compile(r"\n[ \t]*(?=[a-z0-9$€£(])")  # a line that goes on in lower case


def whole_sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The span widened across soft line breaks to the sentence it is part of.

    Sentences are matched a line at a time (a line of a PDF is often a table row), so a
    sentence that wraps gives a quote cut mid-sentence: "The renovation cost $2.4 million, of
    which $1.6 million came from the town, $500,000 from a". A line break is soft when the line
    before it does not end a sentence and the next line goes on in lower case (or with a
    number or a currency sign): the quote then goes on across it, to the sentence's end.
    """
    limit = min(len(text), end + _SOFT_LIMIT)
    while end < limit and not _ENDS_SENTENCE.search(text[start:end]):
        at = _SOFT_BREAK.match(text, end)
        if at is None:
            break
        line_end = text.find("\n", at.end())
        line_end = len(text) if line_end < 0 else line_end
        stop = re.search(r"[.!?](?=\s|$)", text[at.end() : line_end])
        end = at.end() + stop.end() if stop else line_end
    floor = max(0, start - _SOFT_LIMIT)
    while start > floor and text[start : start + 1].islower():
        newline = text.rfind("\n", floor, start)
        if newline < 0 or text[newline + 1 : start].strip():
            break  # the quote starts mid-line: the sentence's start is on this line
        before = text.rfind("\n", floor, newline)
        line = text[before + 1 : newline]
        if not line.strip() or _ENDS_SENTENCE.search(line):
            break
        stop = max(line.rfind(". "), line.rfind("! "), line.rfind("? "))
        start = before + 1 + (stop + 2 if stop >= 0 else 0)
        start += len(text[start:newline]) - len(text[start:newline].lstrip())
    return start, end


@dataclass(frozen=True)
class Source:
    """A stretch of a document an answer may rest on: a page, or a passage found by search."""

    doc_id: int | None
    title: str
    page: int
    page_label: str
    page_unit: str
    offset: int  # where `text` starts in Document.text
    text: str

    @classmethod
    def of_page(cls, doc: Document, page: Page) -> Source:
        return cls(doc.id, doc.title, page.number, page.label, doc.page_unit, page.start, page.text)

    def cite(self, start: int, end: int) -> Citation:
        """A citation of `text[start:end]` (spaces at either end left out), widened to the
        whole sentence where a line break cut it (see `whole_sentence`)."""
        start, end = whole_sentence(self.text, start, end)
        quote = self.text[start:end]
        start += len(quote) - len(quote.lstrip())
        end -= len(quote) - len(quote.rstrip())
        return Citation(
            doc_id=self.doc_id,
            title=self.title,
            page=self.page,
            page_label=self.page_label,
            page_unit=self.page_unit,
            start=self.offset + start,
            end=self.offset + max(start, end),
            quote=self.text[start : max(start, end)],
        )


def verified(
    answer: str, sources: Iterable[Source], *, limit: int = 3, question: str = ""
) -> list[Citation]:
    """Citations for the sources that contain the answer's own words, best first.

    A sentence qualifies when it shares at least two of the answer's content words (or all of
    them, for a one-word answer) that the question did not already contain: an answer that only
    repeats the question proves nothing.
    """
    asked = content_words(question)
    wanted = content_words(answer) - asked
    if not wanted:
        return []
    needed = min(2, len(wanted))
    scored = []
    for order, source in enumerate(sources):
        start, end, score = best_sentence(source.text, wanted)
        if score >= needed:
            # Between sentences with as many of the answer's words, the one that also speaks
            # of what was asked ("the town" in the sentence about the renovation's money, not
            # in the report's title) supports it.
            context = len(content_words(source.text[start:end]) & asked)
            scored.append((-score, -context, order, source, start, end))
    scored.sort(key=lambda row: row[:3])
    out: list[Citation] = []
    seen: set[tuple] = set()
    for _score, _context, _order, s, start, end in scored:
        key = (s.doc_id, s.title, s.offset + start)
        if key in seen:
            continue
        seen.add(key)
        out.append(s.cite(start, end))
        if len(out) == limit:
            break
    return out


def supporting(
    answer: str,
    candidates: Iterable[tuple[Document, Page]],
    *,
    limit: int = 3,
    question: str = "",
) -> list[Citation]:
    """Citations for the pages among `candidates` that contain the answer's own words."""
    sources = (Source.of_page(doc, page) for doc, page in candidates)
    return verified(answer, sources, limit=limit, question=question)
