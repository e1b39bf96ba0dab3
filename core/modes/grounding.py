"""Grounded or silent: an answer stands only when a passage it cites holds its key content.

The key content of an answer is what a reader would check: its numbers (amounts, dates, codes)
and its names, less what the question itself already said. A source supports the answer when
it holds every one of those numbers and its names (one may be missing from three or more: a
first name the document leaves out), and has a sentence with the answer's own words (see
core.modes.citations.verified). An answer no source supports is not shown as the answer: the
user reads "I could not find this in the selected documents", with the closest passages as its
sources, and the model's draft stays in the answer's details.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice

from core.modes.base import Citation
from core.modes.citations import (
    Source,
    best_sentence,
    content_words,
    distinct,
    sentences,
    verified,
)

NOT_FOUND = "I could not find this in the selected documents."

_NUMBER = re.compile(r"\d(?:[\d,.:/-]*\d)?")
# "(page 8)", "[p. 3]", "pages 4–7": where the answer says it read, not what it says.
_PAGE_REFERENCE = re.compile(
    r"[(\[]?\b(?:pages?|pp?\.|ch\.|chapters?|parts?|sections?|§)\s*[\w.]+(?:\s*[–-]\s*[\w.]+)?"
    r"[)\]]?",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*\w|\b[A-Z]\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*|[-*•]\s+|\(\s*)$")
# What a small model says instead of an answer when the text does not have one.
_ABSTAINS = re.compile(
    r"^\W*(?:(?:not found|unknown|none|n/a|no answer)\W*$|"
    r"i (?:do not|don't|cannot|can't|could not|couldn't) (?:know|find|say|tell)|"
    r"(?:the )?(?:text|document|passage|documents|passages) (?:does|do) "
    r"not (?:say|mention|state|specify|provide|contain|give)|there is no (?:information|mention)|"
    r"(?:it is|it's) not (?:mentioned|stated|said|given))",
    re.IGNORECASE,
)


_NUMBER_WORDS = {
    w: n
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
} | {
    w: 10 * n
    for n, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}


def worded_numbers(text: str) -> set[str]:
    """Numbers written in words ("Forty houses", "two hundred and twelve") as digits."""
    out: set[str] = set()
    total = current = 0
    active = False
    for word in re.findall(r"[a-z]+|[^a-z\s]", text.lower()):
        if word in _NUMBER_WORDS:
            current += _NUMBER_WORDS[word]
            active = True
        elif word in _SCALES and active:
            scale = _SCALES[word]
            if scale == 100:
                current *= 100
            else:
                total += current * scale
                current = 0
        elif active and word in ("and", "-"):
            continue
        elif active:
            out.add(str(total + current))
            total = current = 0
            active = False
    if active:
        out.add(str(total + current))
    return out


def numbers(text: str) -> set[str]:
    """The numbers in `text`, written the same way whatever their separators ("184,200" and
    "184200" are one number; so are the codes "7-4-1-9" and "7419")."""
    out = set()
    for match in _NUMBER.findall(text):
        digits = re.sub(r"[^\d.]", "", match).strip(".")
        whole, _, fraction = digits.rpartition(".") if "." in digits else (digits, "", "")
        whole = whole.replace(".", "").lstrip("0") or "0"
        fraction = fraction.rstrip("0")
        out.add(whole + (f".{fraction}" if fraction else ""))
    return out


def names(text: str) -> set[str]:
    """Capitalised words that do not start a sentence (names of people, places, things),
    lower-cased; words any sentence may start with (the, this ...) are not names."""
    found = set()
    for match in _CAPITALISED.finditer(text):
        word = match.group(0)
        if _SENTENCE_START.search(text[: match.start()]):
            continue
        lower = word.lower().strip("'’")
        if lower and lower in content_words(lower):  # not a stop word
            found.add(lower)
    return found


@dataclass
class KeyContent:
    """What in an answer must be found in its source."""

    numbers: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, answer: str, question: str = "") -> KeyContent:
        answer = _PAGE_REFERENCE.sub(" ", answer)
        asked_words = content_words(question) | {w.lower() for w in re.findall(r"\w+", question)}
        return cls(
            # "10 weeks" for a question about "ten years" repeats the question: not content
            numbers=numbers(answer) - numbers(question) - worded_numbers(question),
            names={n for n in names(answer) if n not in asked_words},
        )

    def missing_in(self, text: str) -> list[str]:
        """The key content `text` does not hold (names: one may be missing of three or more)."""
        missing = sorted(self.numbers - numbers(text) - worded_numbers(text))
        words = {w.lower() for w in re.findall(r"[\w'’-]+", text)}
        absent = sorted(n for n in self.names if n not in words)
        if len(self.names) >= 3 and len(absent) == 1:
            absent = []
        return missing + absent


@dataclass
class Grounding:
    """Whether an answer is supported, by which citations, and if not, why."""

    citations: list[Citation]
    supported: bool
    missing: list[str] = field(default_factory=list)  # key content found in no source
    why: str = ""
    # When only the answer's beginning is supported: that part (shown), and the rest (set aside)
    shown: str | None = None
    set_aside: str = ""


# Questions whose answer is a quantity: an answer without a number does not answer them.
_QUANTITY = re.compile(
    r"^\W*(?:how (?:many|much)|what (?:percentage|proportion|share|number|amount))\b", re.I
)


def ground(answer: str, sources: Sequence[Source], question: str = "", limit: int = 3) -> Grounding:
    """The citations of `sources` that support `answer` (see the module's docstring)."""
    if (
        _QUANTITY.match(question)
        and not (numbers(answer) or worded_numbers(answer))
        and not abstains(answer)
    ):
        why = "it gives no number, and the question asks how many or how much"
        return Grounding([], False, [], why)
    key = KeyContent.of(answer, question)
    holding = [s for s in sources if not key.missing_in(s.text)]
    if key.numbers:
        # Numbers are the answer's key content; small ones are on every page ("The answer is
        # 1."), so they must stand in one sentence (or table row) with words of the question.
        citations = _numbers_in_context(key, holding, question, limit)
    else:
        citations = verified(answer, holding, limit=limit, question=question)
    if citations:
        return Grounding(citations, True)
    if not (content_words(answer) - content_words(question)) and holding:
        if restating_answers(question):
            # Nothing new to check ("Yes.", a choice's letter): it invents nothing. Cited:
            # sentences that say much of what the question asks, if any.
            return Grounding(closest(question, holding, limit=limit, least=2), True)
        # "The list price of the AT-12 is 12 euros." to "What is the list price of the
        # AT-12?": the question's own words given back are no answer to what it asks.
        return Grounding([], False, [], "it only repeats the question's own words")
    # Not supported: say what was not found, for the answer's details.
    missing = sorted(set().union(*(key.missing_in(s.text) for s in sources))) if sources else []
    if not sources:
        why = "there was no text to check it against"
    elif holding and (key.numbers or key.names):
        why = "no sentence of the passages that hold its numbers and names says it"
    elif holding:
        why = "no sentence of the passages says what it says"
    else:
        shown = ", ".join(missing[:6]) or "its words"
        why = f"no passage it could cite holds {shown}"
    return Grounding([], False, missing, why)


# Questions an answer may take its words from: yes or no ("Is the vault closed on Sundays?"),
# or a choice the question lists ("A) ... B) ...", "... Port Elling or Quay Street?").
_YES_NO = re.compile(
    r"^\W*(?:is|are|was|were|do|does|did|can|could|will|would|should|shall|has|have|had|may|"
    r"must|might)\b",
    re.IGNORECASE,
)
_LISTED = re.compile(r"(?m)^\s*\(?[A-Z][).:]\s|\bor\b", re.IGNORECASE)


def restating_answers(question: str) -> bool:
    """Whether an answer made only of the question's words can answer it."""
    return bool(_YES_NO.match(question) or _LISTED.search(question))


def check(answer: str, sources: Sequence[Source], question: str, *, cancelled: bool) -> Grounding:
    """`ground`, except that
    - an answer cut short by Stop keeps what was written (supported), cited where its words are;
    - an answer whose beginning is supported and whose rest is not shows the beginning alone:
      the small model often adds a claim to a right one ("121 positions, with 11 more ...").
      The beginning must say something of its own (a number or a name the question did not)."""
    if cancelled:
        return Grounding(verified(answer, sources, question=question), True)
    checked = ground(answer, sources, question)
    if checked.supported:
        return checked
    for end in reversed(_clause_ends(answer)):
        part = answer[:end].rstrip(" ,;:-–—")
        key = KeyContent.of(part, question)
        if not (key.numbers or key.names):
            continue
        # What is kept must say what was asked, not only whom it was about: it repeats a word
        # of the question that is not a name ("positions", not "Harbour Master"); a bare
        # number ("11.") says nothing of what it counts.
        if not content_words(part) & (content_words(question) - names(question)):
            continue
        trimmed = ground(part, sources, question)
        if trimmed.supported:
            rest = answer[end:].strip(" ,;:-–—")
            trimmed.shown = part if part.endswith((".", "!", "?")) else part + "."
            trimmed.set_aside = rest
            trimmed.why = f"what follows is not supported: {checked.why}"
            return trimmed
    return checked


# Where a clause may end: a sentence's end, a comma or semicolon, or before "with", "and",
# "which", "while", "but" (at most 8, the earliest).
_CLAUSE_END = re.compile(r"[.;,:!?](?=\s)|\s(?=(?:with|and|which|while|but|whereas)\s)")


def _clause_ends(answer: str) -> list[int]:
    ends = (m.start() + (m.group(0) != " ") for m in _CLAUSE_END.finditer(answer))
    return list(dict.fromkeys(len(answer[:e].rstrip(" ,;:")) for e in ends))[:8]


def trimmed_step(checked: Grounding) -> dict:
    """The trace step of an answer shown in part (see `check`)."""
    return {"step": "grounding", "shown": "part", "set_aside": checked.set_aside[:500],
            "why": checked.why}  # fmt: skip


def _numbers_in_context(
    key: KeyContent, sources: Sequence[Source], question: str, limit: int
) -> list[Citation]:
    """Citations of sentences holding all of the answer's numbers and a word of the question,
    most of the question's words first."""
    asked = content_words(question)
    scored = []
    for order, source in enumerate(sources):
        for start, end, sentence in sentences(source.text):
            if key.numbers - numbers(sentence) - worded_numbers(sentence):
                continue
            shared = len(content_words(sentence) & asked)
            if shared:
                scored.append((-shared, order, source, (start, end)))
    scored.sort(key=lambda row: row[:2])
    return [source.cite(*span) for _s, _o, source, span in scored[:limit]]


def abstains(text: str) -> bool:
    """Whether the model said it did not find an answer, instead of giving one."""
    return not text.strip() or bool(_ABSTAINS.match(text.strip()))


def closest(
    question: str, sources: Iterable[Source], limit: int = 3, least: int = 1
) -> list[Citation]:
    """The sentences of `sources` nearest the question's words (sharing at least `least` of
    them): where a user would look."""
    wanted = content_words(question)
    scored = []
    for order, source in enumerate(sources):
        start, end, score = best_sentence(source.text, wanted)
        if score >= least:
            scored.append((-score, order, source, start, end))
    scored.sort(key=lambda row: row[:2])
    cited = (source.cite(start, end) for _score, _order, source, start, end in scored)
    return list(islice(distinct(cited), limit))


def silent(draft: str, grounding: Grounding, question: str, nearby: Sequence[Source]):
    """(text, citations, trace step) for an answer that is not shown: the not-found message,
    the passages nearest the question, and the model's draft kept for the details."""
    step = {"step": "grounding", "shown": False, "draft": draft[:500]}
    if abstains(draft):
        step["why"] = "the model found no answer"
    else:
        step["why"] = f"not supported by the documents: {grounding.why}"
        if grounding.missing:
            step["not_found"] = ", ".join(grounding.missing[:8])
    return NOT_FOUND, closest(question, nearby), step
