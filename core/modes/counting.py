"""How many numbered chapters (sections, parts, articles ...) a document has: counted in the
text, not asked of a model.

A model reading a slice at a time sees only the chapters in its slice, and a small one cannot
count what it sees. The headings are in the text: a short line that starts with a number ("1
Safety", "  0. Definitions.", "## 3. Pay", "Chapter 4 The bridge", "3." above its title).
Numbered steps and lists are short numbered lines too, so the chapters are the longest run of
such lines numbered one after the other (0 or 1, 2, 3 ...) in the order they appear; a list
restarts at 1 and breaks its run. Each heading counted is cited where it stands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.documents.models import Document
from core.modes.base import Citation
from core.modes.citations import Source

KINDS = {
    "chapter": "chapters",
    "section": "sections",
    "part": "parts",
    "article": "articles",
    "clause": "clauses",
    "unit": "units",
    "lesson": "lessons",
    "step": "steps",
}
_QUESTION = re.compile(
    rf"\bhow many (?:(?:numbered|main|top-level|separate|different) )?"
    rf"(?P<kind>{'|'.join(KINDS)})s?\b",
    re.IGNORECASE,
)
# A heading: an optional "#" or "Chapter", its number, a few words starting with a capital.
_HEADING = re.compile(
    r"^[^\S\n]*(?:#{1,6}[^\S\n]*)?(?:(?i:chapter|section|part|article|clause|unit|lesson|step)"
    r"[^\S\n]+)?(?P<number>\d{1,3})(?![\d.]\d)"
    # the title after a space, or on the next line after "3." (as some HTML manuals render)
    r"(?:[.):]?[^\S\n]+|[.):][^\S\n]*\n[^\S\n]*)(?P<title>[A-Z][^\n]*?)[^\S\n]*$",
    re.MULTILINE,
)
MAX_TITLE_WORDS = 8  # a longer line is a sentence (a numbered step), not a heading
MAX_CITED = 40


@dataclass(frozen=True)
class Heading:
    number: int
    title: str
    doc: Document
    start: int  # where the line starts in doc.text
    end: int


@dataclass(frozen=True)
class Count:
    kind: str  # "chapters"
    headings: list[Heading]

    @property
    def text(self) -> str:
        listed = ", ".join(f"{h.number} {h.title.rstrip('.')}" for h in self.headings)
        first, last = self.headings[0].number, self.headings[-1].number
        return f"{len(self.headings)} numbered {self.kind} ({first} to {last}): {listed}."

    @property
    def citations(self) -> list[Citation]:
        out = []
        for h in self.headings[:MAX_CITED]:
            page = h.doc.page_at(h.start)
            source = Source.of_page(h.doc, page)
            out.append(source.cite(h.start - source.offset, h.end - source.offset))
        return out


def count_question(question: str) -> str | None:
    """The kind of numbered division the question counts ("chapters"), or None."""
    m = _QUESTION.search(question)
    return KINDS[m["kind"].lower()] if m else None


def headings(doc: Document) -> list[Heading]:
    """The short numbered lines of a document, in order."""
    found = []
    for m in _HEADING.finditer(doc.text):
        title = m["title"].strip()
        if len(title.split()) > MAX_TITLE_WORDS:
            continue
        found.append(Heading(int(m["number"]), title, doc, m.start("number"), m.end("title")))
    return found


def longest_run(found: list[Heading]) -> list[Heading]:
    """The longest chain of headings numbered one after the other (starting at 0 or 1) in the
    order they appear; the first such chain when two are as long."""
    best_at: list[list[Heading]] = []
    for i, heading in enumerate(found):
        chain = [heading] if heading.number in (0, 1) else []
        for j in range(i):
            previous = best_at[j]
            follows = previous and previous[-1].number == heading.number - 1
            if follows and len(previous) + 1 > len(chain):
                chain = [*previous, heading]
        best_at.append(chain)
    return max(best_at, key=len, default=[])


def _key(heading: Heading) -> tuple[int, str]:
    return heading.number, " ".join(heading.title.lower().rstrip(".").split())


def where_it_stands(run: list[Heading], found: list[Heading]) -> list[Heading]:
    """Each heading of `run` at the place where its chapter is: of the lines with the same number
    and title (a table of contents repeats them), the one followed by the most text before the
    next numbered line."""
    text_after = {}
    for i, heading in enumerate(found):
        following = found[i + 1 :]
        nxt = next((h.start for h in following if h.doc is heading.doc), len(heading.doc.text))
        text_after[id(heading)] = nxt - heading.end
    return [
        max((h for h in found if _key(h) == _key(chosen)), key=lambda h: text_after[id(h)])
        for chosen in run
    ]


def answer(question: str, documents: list[Document]) -> Count | None:
    """The count, when the question asks how many numbered divisions one document has and it
    has at least two; None otherwise (the other plans answer)."""
    kind = count_question(question)
    if kind is None or len(documents) != 1:
        return None
    found = headings(documents[0])
    run = longest_run(found)
    return Count(kind, where_it_stands(run, found)) if len(run) >= 2 else None
