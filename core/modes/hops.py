"""Questions in two steps: a small model answers one fact at a time.

A question that chains two facts ("the bonds that fund the aeration upgrade": which bonds, then
their rate) or compares two numbers ("how many years after the railway came did the station
close") is split by rules on its wording into questions about one fact each. For a chain, the
first fact is read from the text itself: the names that the sentences nearest its question give
and the question does not (`candidates`); the second question names it ("What interest rate is
paid on the 2022 Utility Revenue Bonds?") and is answered by rag mode, checked like any answer.
For a difference, each number is asked by rag mode and the subtraction is done here, not by the
model. When a step finds nothing, the question is answered in one step as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.modes.citations import content_words
from core.quantities import main_number

# -- the plans ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bridge:
    """First find what the question describes (`find`), then ask `then` with it in place."""

    find: str  # a question whose answer is a name, a year, a model ...
    then: str  # the question with "{}" where that answer goes
    noun: str  # what is looked for ("department", "year")
    year: bool = False  # the answer is a year (or a date)


@dataclass(frozen=True)
class Difference:
    """Two numbers, each found by a question of its own, and their difference."""

    first: str
    second: str
    unit: str  # "years", "euros"
    years: bool = False  # both numbers are years


Plan = Bridge | Difference

# A noun phrase of up to four words, none of them a verb "to be" or "to have".
_WORD = r"(?!(?:is|are|was|were|be|been|has|have|had|do|does|did)\b)[\w'’()-]+"
_NP = rf"(?P<noun>(?:{_WORD} ){{0,3}}?{_WORD})"
_TIME_NOUNS = "year|month|day|date|decade|century"
# An auxiliary verb right before "the ...": the question's own verb comes after the clause
# ("How many positions will the department whose director ... have in 2025?").
_WAITING = re.compile(r"\b(?:will|does|did|do|would|can|could|should|shall|may|might)\s+$", re.I)
_BASE_VERBS = (
    "have|has|be|get|receive|show|need|use|take|cost|pay|earn|employ|hold|run|make|spend|"
    "require|produce|serve|give|offer|allow|charge|list|include|contain|reach|open|close"
)
_VERB_AFTER = re.compile(rf"\s(?:{_BASE_VERBS})\b(?!.*\s(?:{_BASE_VERBS})\b)", re.I)
_WHOSE = re.compile(rf"\bthe {_NP} whose (?P<clause>.+)$", re.I)
_THAT = re.compile(rf"\bthe {_NP} (?:that|which|who) (?P<clause>.+)$", re.I)
_PARTICIPLE = re.compile(
    # Participles that name who or what a thing belongs to, not how it is used ("the command
    # used to build" asks for one fact).
    rf"\bthe {_NP} (?P<verb>led|headed|run|managed|owned|founded|built|designed|written|chosen|"
    r"named|appointed|elected|funded|financed|recommended|suited|opened|bought|acquired|"
    r"sold|made|won|awarded|signed|approved) (?P<prep>by|for|to|at|in|on|with|under|from) "
    r"(?P<clause>.+)$",
    re.I,
)
_TIME = re.compile(
    rf"\bthe (?P<noun>{_TIME_NOUNS}) (?:(?:that|when|in which) )?(?P<clause>(?:its|their|his|"
    r"her|the|a|an) .+)$",
    re.I,
)

_AFTER = re.compile(
    r"^how many (?P<unit>years|months|days|weeks) (?P<dir>after|before) (?P<a>.+?) did "
    r"(?P<b>.+?)\?*$",
    re.I,
)
_SPAN = re.compile(
    r"^(?:for )?how (?:many (?P<unit>years|months|days|weeks)|long) did (?P<x>.+?) "
    r"(?P<verb>\w+),? from (?:its|their|his|her|the) (?P<s>[\w ]+?) to (?:its|their|his|her|the)"
    r" (?P<e>[\w ]+?)\?*$",
    re.I,
)
_BY_HOW_MUCH = re.compile(
    r"^by how (?:many|much) (?P<unit>[\w ]+?) (?:was|were|is|are|did|does) (?P<a>.+?) "
    r"(?P<cmp>lower|higher|less|more|below|above|greater|smaller|larger|bigger|cheaper|dearer|"
    r"under|over|exceed|fall short of)(?: than)? (?P<b>.+?)\?*$",
    re.I,
)
_BETWEEN = re.compile(
    r"^what (?:is|was) the difference (?:in (?P<unit>[\w ]+?) )?between (?P<a>.+?) and "
    r"(?P<b>.+?)\?*$",
    re.I,
)
_CONTEXT = re.compile(r"\b(?:for|of|on|in|at) (?P<context>the .+)$", re.I)


_CHOICES = re.compile(r"(?m)^[A-Z]\) ")


def plan(question: str) -> Plan | None:
    """How to answer `question` in steps, or None when it asks for one fact."""
    if _CHOICES.search(question):
        return None  # multiple choice: the choices are what is compared
    text = " ".join(question.split())
    return _difference(text) or _bridge(text)


def _difference(text: str) -> Difference | None:
    if m := _AFTER.match(text):
        unit = m["unit"].lower()
        one = unit.rstrip("s")
        first, second = f"In what {one} {m['a']}?", f"In what {one} did {m['b']}?"
        if m["dir"].lower() == "before":
            first, second = second, first
        return Difference(first, second, unit, years=unit == "years")
    if m := _SPAN.match(text):
        unit = (m["unit"] or "years").lower()
        return Difference(
            f"When was the {m['s']} of {m['x']}?",
            f"When was the {m['e']} of {m['x']}?",
            unit,
            years=unit == "years",
        )
    for pattern in (_BY_HOW_MUCH, _BETWEEN):
        if m := pattern.match(text):
            a, b = m["a"], m["b"]
            # "the highest bid received" is about what "the winning bid for the dredging" is
            context = _CONTEXT.search(a)
            if context and not _shares_words(b, context["context"]):
                b = f"{b} for {context['context']}"
            unit = (m["unit"] or "").lower()
            return Difference(f"What was {a}?", f"What was {b}?", unit)
    return None


def _shares_words(a: str, b: str) -> bool:
    return bool(content_words(a) & content_words(b))


def _bridge(text: str) -> Bridge | None:
    body = text.rstrip("?").rstrip()
    for pattern in (_TIME, _WHOSE, _THAT, _PARTICIPLE):
        m = pattern.search(body)
        if not m:
            continue
        prefix, clause, noun = body[: m.start()], m["clause"], m["noun"]
        if not content_words(prefix) or re.search(r"\b(?:all|each|every|of these)\s+$", prefix):
            # "What is the X that ...?" asks for X itself; "all the months whose ..." are many
            continue
        tail = ""
        if _WAITING.search(prefix):
            verb = _VERB_AFTER.search(clause)
            if verb is None:
                continue
            clause, tail = clause[: verb.start()], clause[verb.start() :]
        if pattern is _TIME:
            find = f"In what {noun.lower()} did {clause}?"
            return Bridge(find, f"{prefix}{{}}{tail}?", noun.lower(), year=True)
        if pattern is _WHOSE:
            find = f"Which {noun}'s {clause}?"
        elif pattern is _THAT:
            find = f"Which {noun} {clause}?"
        else:
            find = f"Which {noun} is {m['verb']} {m['prep']} {clause}?"
        return Bridge(find, f"{prefix}the {{}}{tail}?", noun)
    return None


# -- reading the steps' answers ------------------------------------------------------------------

_YEAR = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)")


def year(answer: str) -> int | None:
    found = _YEAR.findall(answer)
    return int(found[0]) if found else None


def number(answer: str, question: str) -> float | None:
    """The number a step's answer gives (its main number, see `core.quantities.main_number`)."""
    found = main_number(answer, question)
    return None if found is None else found.value


def fill(template: str, name: str, noun: str) -> str:
    """The second question with the first's answer in place ("the {} department")."""
    last = noun.split()[-1].lower()
    named = name if last in name.lower() else f"{name} {noun}"
    if template.count("the {}") and name.lower().startswith("the "):
        named = named[4:]
    return template.format(named)


def figure(value: float) -> str:
    """A number as a person writes it: 440000 -> "440,000", 3.5 -> "3.5"."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


# A name as a text writes it: capitalised words, codes ("AT-12", "2019"), joined by "and", "of",
# "&" ("Parks and Recreation", "2022 Utility Revenue Bonds").
_NAME = re.compile(
    r"(?:[A-Z][\w'’&-]*|\d[\w-]*[A-Za-z][\w-]*)(?:\s+(?:(?:and|of|&|de|la|van|von)\s+)?"
    r"(?:[A-Z][\w'’&-]*|\d[\w-]*))*"
)


def names_in(sentence: str, find: str, noun: str) -> list[str]:
    """The names a sentence gives that the question did not: those holding the looked-for noun
    ("... Department" for "which department") first, then in the sentence's order."""
    asked = {w.lower() for w in re.findall(r"[\w'’-]+", find)}
    last = noun.split()[-1].lower().rstrip("s")
    found = []
    for match in _NAME.finditer(sentence):
        words = match.group(0).split()
        # Words the question said at either end ("Brightwell Milan office" -> "Milan") go.
        while words and words[0].lower().strip("'’s") in asked:
            words = words[1:]
        while words and words[-1].lower().strip("'’s") in asked:
            words = words[:-1]
        if not words or all(w.lower().strip("'’s") in asked for w in words):
            continue
        name = " ".join(words).strip(" -'’")
        if name not in " ".join(sentence.split()):
            continue
        if len(name) < 2 or name in found:
            continue
        found.append(name)
    holding = [n for n in found if any(w.lower().rstrip("s") == last for w in n.split())]
    return holding + [n for n in found if n not in holding]


def candidates(sentences: list[str], plan: Bridge, limit: int = 3) -> list[str]:
    """What the first step may have found, best first, from the sentences nearest its
    question: years for a year, else names (see `names_in`)."""
    out: list[str] = []
    for sentence in sentences:
        found = _YEAR.findall(sentence) if plan.year else names_in(sentence, plan.find, plan.noun)
        for name in found:
            if name not in out:
                out.append(name)
    return out[:limit]
