"""What the documents never mention: the whole-text question a search answers exactly.

"Which of these is not mentioned anywhere in the manual? A) … B) …" asks for an absence. A model
that reads the documents a slice at a time cannot show that something is missing from all of
them, and a small one cannot write the loop that would; this plan is that loop. Every choice is
looked for in the whole text (case, punctuation and a leading article ignored, so "the pool kit
NV-PK" is found in "Pool kit (NV-PK)"), and when exactly one is missing it is the answer, with
a citation for where each of the others is mentioned. Anything less clear-cut is left to the
other plans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.documents.models import Document, Page
from core.modes.base import Citation
from core.modes.citations import Source, content_words

# "not mentioned", "never named", "does not appear", "not referred to … anywhere", "nowhere".
ABSENCE = re.compile(
    r"\b(not|never)\b[^?\n]{0,60}?\b(mention\w*|nam(e|ed)|appear\w*|refer\w*( to)?|occur\w*|"
    r"discuss\w*|cover\w*)\b|\bnowhere\b|\bmissing from\b",
    re.IGNORECASE,
)
_LETTERED = re.compile(r"^\s*\(?([A-Z])[).:]\s+(.+?)\s*$", re.MULTILINE)
_ARTICLE = re.compile(r"^(a|an|the)\s+")
_UNIT = {"page break": "page", "block": "section", "rows": ""}  # how a citation's unit reads
NEAR = 120  # characters: a choice's words this close together count as a mention


@dataclass(frozen=True)
class Choice:
    letter: str  # "" when the choices were not lettered
    text: str


def absence_question(question: str) -> bool:
    """Whether the question asks which of its listed choices the documents do not mention."""
    return bool(ABSENCE.search(question)) and len(choices(question)) >= 2


def choices(question: str) -> list[Choice]:
    """The lettered choices ("A) …" lines), or a list after a colon ("…: a lido, a cinema or a
    brewery?")."""
    lettered = [Choice(m.group(1), m.group(2)) for m in _LETTERED.finditer(question)]
    if len(lettered) >= 2:
        return lettered
    head, colon, tail = question.partition(":")
    if not colon or not ABSENCE.search(head):
        return []
    parts = re.split(r",|;|\bor\b|\band\b", tail.strip().rstrip("?."))
    return [Choice("", p.strip()) for p in parts if p.strip()]


def _plain(ch: str) -> bool:
    low = ch.lower()
    return len(low) == 1 and low.isascii() and low.isalnum()


def _normal(text: str) -> str:
    """Lower case, every run of other characters one space, a space at each end."""
    kept = "".join(ch.lower() if _plain(ch) else " " for ch in text)
    return " " + " ".join(kept.split()) + " "


def _find(choice: str, page_text: str, normal: str) -> tuple[int, int] | None:
    """Where in the page `choice` is mentioned (a span of the page's own text), or None."""
    phrase = _ARTICLE.sub("", _normal(choice).strip())
    if not phrase:
        return None
    found = re.search(" " + " ".join(_plural(w) for w in phrase.split()) + " ", normal)
    if found:
        return _span(page_text, found.start(), found.end())
    words = sorted(content_words(choice))
    if len(words) < 2:
        return None
    # All the choice's words close together, in any order ("kit for the pool").
    first = words[0]
    for m in re.finditer(rf" {re.escape(first)} ", normal):
        lo, hi = max(0, m.start() - NEAR), m.end() + NEAR
        window = normal[lo:hi]
        if all(f" {w} " in window for w in words[1:]):
            return _span(page_text, lo, hi)
    return None


def _plural(word: str) -> str:
    """A pattern for the word or its plural ("brewery" finds "breweries")."""
    if len(word) > 3 and word.endswith("y") and word[-2] not in "aeiou":
        return f"{re.escape(word[:-1])}(y|ies)"
    if word.isalpha() and len(word) > 2:
        return f"{re.escape(word)}(s|es)?"
    return re.escape(word)


def _span(page_text: str, start: int, end: int) -> tuple[int, int]:
    """Map a span of the normalised text (its indices less the leading space) back to the
    page: normalising keeps each letter and digit and makes each run of anything else one
    space, so walk both together."""
    positions: list[int] = []
    previous_alnum = False
    for i, ch in enumerate(page_text):
        alnum = _plain(ch)
        if alnum:
            positions.append(i)
        elif previous_alnum:
            positions.append(i)  # the single space a run of other characters became
        previous_alnum = alnum
    if not positions:
        return 0, 0
    a = positions[min(max(start, 0), len(positions) - 1)]
    b = positions[min(max(end - 1, 0), len(positions) - 1)]
    # Widen to the sentence around the mention, for a quote that reads on its own.
    stops = [j + 2 for j in (page_text.rfind(". ", 0, a),) if j >= 0]
    stops += [j + 1 for j in (page_text.rfind("\n", 0, a),) if j >= 0]
    left = max(stops, default=0)
    right_candidates = [j for j in (page_text.find(". ", b), page_text.find("\n", b)) if j >= 0]
    right = min(right_candidates) + 1 if right_candidates else len(page_text)
    return left, min(right, left + 400)


def _where(c: Citation) -> str:
    return f"{_UNIT.get(c.page_unit, c.page_unit)} {c.page_label}".strip()


@dataclass
class Result:
    text: str
    citations: list[Citation]
    missing: list[Choice]
    found: dict[str, Citation]  # choice text -> its first mention


def answer(question: str, documents: list[Document]) -> Result | None:
    """The choice no document mentions, with where the others are; None unless exactly one is
    missing (or the question is not of this kind)."""
    listed = choices(question) if ABSENCE.search(question) else []
    if len(listed) < 2:
        return None
    pages: list[tuple[Document, Page, str]] = [
        (doc, page, _normal(page.text)) for doc in documents for page in doc.pages
    ]
    found: dict[str, Citation] = {}
    missing: list[Choice] = []
    for choice in listed:
        for doc, page, normal in pages:
            span = _find(choice.text, page.text, normal)
            if span is not None:
                found[choice.text] = Source.of_page(doc, page).cite(*span)
                break
        else:
            missing.append(choice)
    if len(missing) != 1:
        return None
    gone = missing[0]
    named = f"{gone.letter}) {gone.text}" if gone.letter else gone.text
    others = "; ".join(f"{c.text} ({_where(found[c.text])})" for c in listed if c is not gone)
    text = (
        f"{named}. It is not mentioned anywhere in the documents; every other choice is: {others}."
    )
    return Result(text, list(found.values()), missing, found)
