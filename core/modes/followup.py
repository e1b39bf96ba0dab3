"""Follow-up questions: each question is read with the conversation so far.

"How much did the Eastside renovation cost?" then "Who paid for it?": the second question has
no referent of its own. Two things make it answerable:
- a stand-alone form of it ("Who paid for the Eastside renovation?") is what every mode
  searches, routes and checks the answer with; it is written by the model where the model is
  large enough to do it reliably, and by the rules below otherwise (and whenever the model's
  attempt fails its checks). Details shows it;
- the recent turns go into the prompt, newest kept first, within a token budget
  (`earlier_messages`); what was left out is said in Details.

The rules resolve what small models cannot:
- pronouns ("it", "they", "its", "he", ...) become the topic of the previous question (the noun
  phrase it asks about), or, for a person, a name the previous answer gave;
- an elliptical follow-up ("And in 2022?", "What about the Westside branch?") becomes the
  previous question with its year, number or topic replaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.modes.base import Turn

# What the model may spend on earlier turns, in its tokens: two or three short exchanges with
# a small model, more with a large one. Measured with the bundled 135M model on the dev set's
# follow-ups (bench/eval/RESULTS.md): in direct mode the earlier turns in the prompt cost right
# answers (4/25 with them, 7/25 without: it answers the earlier question again), so a small
# model reads them in rag mode only (8/33 with, 7/33 without).
HISTORY_TOKENS_SMALL = {"direct": 0, "rag": 300}
HISTORY_TOKENS = 1500
MAX_TURNS = 6  # never more than this many earlier exchanges, however short

_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*|\d[\d,.]*")
_PRONOUN = re.compile(
    r"\b(it|its|they|them|their|theirs|he|him|his|she|her|hers)\b|"
    r"\b(this|that|these|those)(?=\s*[?.!,]|\s*$)",
    re.IGNORECASE,
)
_PERSONAL = {"he", "him", "his", "she", "her", "hers"}
_POSSESSIVE = {"its", "their", "theirs", "his", "her", "hers"}
_WH = re.compile(
    r"^\s*(?:(?:and|but|so|also)\s+)?(?:how\s+(?:much|many|long|often|big|large|old|far|"
    r"soon|high|low)|how|what|which|who|whom|whose|when|where|why)\b(?:\s+(?:kind|sort|type)"
    r"\s+of)?",
    re.IGNORECASE,
)
_AUX = {
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "do",
    "does",
    "did",
    "has",
    "have",
    "had",
    "will",
    "would",
    "can",
    "could",
    "should",
    "shall",
    "may",
    "might",
    "must",
}
_DO_LIKE = _AUX - {"is", "are", "was", "were", "be", "been"}
_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "its", "their", "his", "her"}
_PREPOSITIONS = {"for", "to", "of", "in", "on", "at", "by", "with", "from", "about", "into"}
_TRAILING = _PREPOSITIONS | {"each", "every", "per", "last", "next", "during", "since", "until"}
_ELLIPSIS = re.compile(
    r"^\s*(?:(?:and|but|so)\s+)?(?:what|how)\s+about\s+(?P<x>.+?)\s*\??\s*$|"
    r"^\s*(?:and|but|or)\s+(?P<y>.+?)\s*\??\s*$",
    re.IGNORECASE,
)
_DEMONSTRATIVE = re.compile(r"\b(?:that|this|these|those|the same)\s+([a-z][\w\-]*)")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+\b")


@dataclass(frozen=True)
class Rewrite:
    question: str  # the stand-alone question: what is searched, routed and checked
    how: str  # "unchanged", "rules" or "model"
    why: str = ""  # what was resolved, for Details

    def step(self, asked: str) -> dict:
        return {
            "step": "follow-up",
            "asked": asked,
            "searched_with": self.question,
            "by": self.how,
            "resolved": self.why,
        }


def standalone(question: str, history: list[Turn], backend=None) -> Rewrite:
    """The stand-alone form of `question` after `history` (oldest first)."""
    if not history or not needs_context(question):
        return Rewrite(question, "unchanged")
    if backend is not None and _model_can_rewrite(backend):
        by_model = _by_model(question, history, backend)
        if by_model is not None:
            return by_model
    return by_rules(question, history)


def _fragment(question: str) -> str | None:
    """What an elliptical follow-up names ("the Westside branch" in "What about the Westside
    branch?", "in 2022" in "And in 2022?"); None for a whole question, even one that begins
    with "and" ("And when did it finish?")."""
    found = _ELLIPSIS.match(question)
    if found is None:
        return None
    if found.group("x"):
        return found.group("x").strip()
    rest = found.group("y").strip()
    if _WH.match(rest) or rest.split()[0].lower() in _AUX:
        return None
    return rest


def needs_context(question: str) -> bool:
    """Whether the question leans on an earlier turn: a pronoun, or an elliptical fragment."""
    if _PRONOUN.search(question) or _fragment(question) is not None:
        return True
    if _DEMONSTRATIVE.search(question):
        return True  # "When was that treaty adopted?"
    words = _WORD.findall(question)
    return 0 < len(words) <= 3 and not _WH.match(question) and question.rstrip().endswith("?")


def by_rules(question: str, history: list[Turn]) -> Rewrite:
    last = history[-1]
    previous = last.searched or last.question
    fragment = _fragment(question)
    leaning = _PRONOUN.search(question) or _DEMONSTRATIVE.search(question)
    if fragment is not None or (not leaning and needs_context(question)):
        return _ellipsis(previous, (fragment or question.rstrip(" ?")).strip())
    subject, asked = _parse(previous)
    entity = _entity(last.answer, previous)
    asks_for_one = (
        bool(asked) and bool(re.match(r"\s*(?:which|what|whose)\b", previous, re.IGNORECASE))
    ) or previous.lstrip().lower().startswith("who ")
    person = _person(last.answer)
    changes: list[str] = []

    def resolve(match: re.Match) -> str:
        word = match.group(0)
        lower = word.lower()
        referent = subject
        if lower in _PERSONAL and person:
            referent = person
        elif lower in ("they", "them", "these", "those") and asked.endswith("s"):
            referent = "the " + asked  # "how many visits ..." then "how many of them ..."
        elif lower in ("this", "that"):
            if not (asks_for_one and entity) or _is_person_question(previous, asked):
                return word  # "before that": an event, not a thing to name
            referent = entity
        elif lower in ("it", "its") and asks_for_one:
            # "Which company collects the waste?" then "How many employees does it have?":
            # "it" is what the answer named; after "Who ..." it is the thing, not the person.
            if _is_person_question(previous, asked):
                referent = _object_of(previous) or subject
            elif entity:
                referent = entity
            elif asked:
                referent = "the " + asked  # what was asked for, where the answer named nothing
            else:
                referent = subject
        if not referent:
            return word
        changes.append(f"“{word}” → “{referent}”")
        if lower in _POSSESSIVE and not (lower == "her" and _object_position(match)):
            return referent + "’s" if not referent.endswith("s") else referent + "’"
        return referent

    rewritten, named = _demonstrative(question, previous)
    if named:
        changes.append(named)
    rewritten = _PRONOUN.sub(resolve, rewritten)
    rewritten, there = _there(rewritten, previous)
    if there:
        changes.append(there)
    if not changes:
        return Rewrite(question, "unchanged")
    rewritten = rewritten[0].upper() + rewritten[1:]
    return Rewrite(rewritten, "rules", "; ".join(changes))


_PERSON_NOUNS = {
    "person",
    "man",
    "woman",
    "doctor",
    "author",
    "mayor",
    "chief",
    "director",
    "manager",
    "officer",
    "engineer",
    "architect",
    "founder",
    "owner",
    "writer",
    "member",
    "employee",
    "chair",
    "chairman",
    "chairwoman",
    "president",
    "leader",
    "head",
    "teacher",
    "minister",
}


def _is_person_question(question: str, asked: str) -> bool:
    words = asked.lower().split()
    return question.lstrip().lower().startswith(("who ", "whom ")) or bool(
        words and words[-1] in _PERSON_NOUNS
    )


def _object_of(question: str) -> str:
    """ "traced the source of the cholera outbreak of 1854" → "the cholera outbreak of 1854":
    the last noun phrase of a who/which question, where its thing is."""
    text = question.strip().rstrip("?.! ")
    wh = _WH.match(text)
    words = (text[wh.end() :] if wh else text).split()
    verb = next(
        (
            i
            for i, w in enumerate(words)
            if i > 0
            and w.islower()
            and w.lower() not in _DETERMINERS
            and w.lower() not in _PREPOSITIONS
            and w.lower().endswith(("s", "ed"))
        ),
        None,
    )
    if verb is None:
        return ""
    rest = words[verb + 1 :]
    # "the source of X" / "the cause of X": the thing is X
    if len(rest) > 3 and rest[0].lower() in _DETERMINERS and rest[2].lower() == "of":
        rest = rest[3:]
    return " ".join(rest)


_CAPITALISED = re.compile(
    r"\b(?:[A-Z][\w’'\-]*|[A-Z]{2,}[\w\-]*)(?:\s+(?:[A-Z][\w’'\-]*|of|de|van|von))*"
    r"(?<!\sof)(?<!\sde)(?<!\svan)(?<!\svon)"
)


def _entity(answer: str, question: str) -> str:
    """The name the answer gives that the question did not: "Bayside Disposal" in "Bayside
    Disposal collects the City's solid waste." after "Which company collects ...?"."""
    asked = {w.lower().strip("’'s") for w in _WORD.findall(question)}
    for found in _CODE_LIKE.finditer(answer or ""):  # "bzip2recover", ".ninja_deps"
        if found.group(0).lower() not in asked and found.group(0).lower() not in question.lower():
            return found.group(0)
    for found in _CAPITALISED.finditer(answer or ""):
        name = found.group(0).strip()
        words = [w for w in name.split() if w.lower() not in ("the", "a", "an", "it", "its")]
        if not words or all(w.lower().strip("’'s") in asked for w in words):
            continue
        if found.start() == 0 and len(words) == 1 and words[0].lower() in _STARTERS:
            continue
        return " ".join(words)
    return ""


_CODE_LIKE = re.compile(r"(?<![\w.])(?:[a-z]+\d[\w]*|\.?[a-z]+_[\w]+)\b")
_STARTERS = {"it", "they", "he", "she", "this", "that", "there", "yes", "no", "in", "on"}


def _demonstrative(question: str, previous: str) -> tuple[str, str]:
    """ "that treaty" → "the WIPO copyright treaty": the previous question's phrase that ends
    in the same noun."""
    found = _DEMONSTRATIVE.search(question)
    if found is None:
        return question, ""
    noun = found.group(1)
    words = previous.rstrip("?.! ").split()
    at = next((i for i, w in enumerate(words) if w.lower().strip(",;") == noun.lower()), None)
    if at is None:
        return question, ""
    start = at
    while (
        start > 0
        and words[start - 1].lower() not in _PREPOSITIONS
        and words[start - 1].lower() not in _AUX
        and not _WH.match(words[start - 1])
    ):
        start -= 1
        if words[start].lower() in _DETERMINERS:
            break
    phrase = " ".join(words[start : at + 1]).strip(",;")
    if not phrase.lower().startswith(tuple(_DETERMINERS)):
        phrase = "the " + phrase
    rewritten = question[: found.start()] + phrase + question[found.end() :]
    return rewritten, f"“{found.group(0)}” → “{phrase}”"


def _there(question: str, previous: str) -> tuple[str, str]:
    """ "there" → the place the previous question named ("in Hamburg")."""
    place = re.search(r"\b(?:in|at)\s+((?:the\s+)?[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*)*)", previous)
    if place is None or not re.search(r"\bthere\b", question):
        return question, ""
    where = place.group(0)
    return re.sub(r"\bthere\b", where, question, count=1), f"“there” → “{where}”"


def _object_position(match: re.Match) -> bool:
    """ "her" as an object ("Who hired her?") rather than a possessive ("her salary")."""
    after = match.string[match.end() :].lstrip()
    return not after or after[0] in "?.!,"


_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_SHAPES = (  # (name, pattern): a token of the fragment replaces one of the same shape
    ("year", re.compile(r"\b1[5-9]\d\d\b|\b20\d\d\b")),
    ("fiscal year", re.compile(r"\bFY\s?\d{2,4}\b")),
    ("month", re.compile(r"\b(?:" + "|".join(_MONTHS) + r")\b", re.IGNORECASE)),
    ("quoted", re.compile(r"[‘'\"“][^‘'\"“”’]{2,80}[’'\"”]")),
    ("code", re.compile(r"(?<![\w-])-{1,2}[\w][\w-]*|\b[A-Z]+[\w]*-?\d[\w-]*\b|\b[A-Z]{2,}\d*\b")),
    ("number", re.compile(r"\b\d[\d,.]*\b")),
)


def _ellipsis(previous: str, fragment: str) -> Rewrite:
    """ "And in 2022?" after "How many visits were there in 2023?": the previous question with
    its year replaced; likewise a month, a quoted title, a model or option code ("AT-6",
    "-1") or a number. "What about the Westside branch?": with its topic replaced."""
    for name, shape in _SHAPES:
        new = shape.search(fragment)
        old = shape.search(previous)
        if new and old and new.group(0) != old.group(0):
            rewritten = previous[: old.start()] + new.group(0) + previous[old.end() :]
            return Rewrite(rewritten, "rules", f"“{old.group(0)}” → “{new.group(0)}” ({name})")
    replacement = re.sub(r"^(?:in|for|of|at|on|with)\s+", "", fragment, flags=re.IGNORECASE)
    parallel = _parallel(previous, replacement)
    if parallel is not None:
        old, new = parallel
        return Rewrite(previous.replace(old, new, 1), "rules", f"“{old}” → “{new}”")
    old_topic = topic(previous)
    if old_topic and old_topic in previous and len(old_topic.split()) <= 4:
        rewritten = previous.replace(old_topic, replacement, 1)
        return Rewrite(rewritten, "rules", f"“{old_topic}” → “{replacement}”")
    # No slot to put it in: the fragment asked the previous question's way, with its words.
    return Rewrite(
        f"{previous.rstrip(' ?')} — and {replacement}?", "rules", "joined to the last question"
    )


def _stem(word: str) -> str:
    word = word.lower().strip(",;:’'")
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _parallel(previous: str, fragment: str) -> tuple[str, str] | None:
    """The phrase of the previous question the fragment stands in for: same length (give or
    take a word) and the same head noun ("the maximum output base" for "the maximum input
    base", "pools" for "the console pool"); (old, new) or None."""
    new_words = [w for w in fragment.rstrip(" ?.").split() if w.lower() != "there"]
    if not new_words:
        return None
    head = _stem(new_words[-1])
    words = previous.rstrip(" ?.").split()
    best = None
    for size in sorted(range(1, len(new_words) + 2), key=lambda k: abs(k - len(new_words))):
        for start in range(0, len(words) - size + 1):
            window = words[start : start + size]
            if _stem(window[-1]) != head:
                continue
            if any(w.lower() in _AUX or _WH.match(w) for w in window):
                continue  # a phrase, not across the question's verb
            shared = len({_stem(w) for w in window} & {_stem(w) for w in new_words})
            if best is None or shared > best[0]:
                best = (shared, " ".join(window))
    if best is None:
        return None
    return best[1].strip(",;"), " ".join(new_words)


def topic(question: str) -> str:
    """The noun phrase a question asks about: "How much did the Eastside renovation cost?" →
    "the Eastside renovation"; "Who founded the library?" → "the library"; "" if none."""
    return _parse(question)[0]


def _parse(question: str) -> tuple[str, str]:
    """(subject, asked): the question's noun phrase, and the noun a "how many visits" or
    "which branch" question asks for ("visits", "branch"; "" if none)."""
    text = question.strip().rstrip("?.! ")
    wh = _WH.match(text)
    words = (text[wh.end() :] if wh else text).split()
    if not words:
        return "", ""
    asked: list[str] = []
    wh_word = wh.group(0).lower().split()[-1] if wh else ""
    if wh_word in ("many", "much", "what", "which", "whose"):
        aux_at = next((i for i, w in enumerate(words[:5]) if w.lower() in _AUX), None)
        if aux_at is not None:
            asked, words = words[:aux_at], words[aux_at:]
        elif wh_word in ("what", "which", "whose") and (verb := _verb_at(words)) is not None:
            # "Which company collects the waste": the answer is a company
            return "the " + " ".join(words[:verb]), " ".join(words[:verb])
    first = words[0].lower()
    if asked and first in _AUX and len(words) > 1:
        after = words[1].lower()
        # "Which contractor was awarded the repair": the answer is a contractor;
        # "Which branch has the most visitors": the branch is what it is about
        if _participle(after) or (
            first in ("has", "have", "had")
            and (after in _DETERMINERS or after in ("most", "more", "fewest"))
        ):
            return "the " + " ".join(asked), " ".join(asked)
    if first in _AUX:
        words = words[1:]
        while len(words) > 2 and words[-1].lower() in _PREPOSITIONS:  # "used for"
            words = words[:-1]
        if len(words) > 1 and (first in _DO_LIKE or _participle(words[-1])):
            words = _without_trailing_phrases(words)
            # "the council approve the budget": the subject ends before its verb
            later = [
                i
                for i, w in enumerate(words)
                if i > 1 and w.lower() in _DETERMINERS and words[i - 1].lower() not in _PREPOSITIONS
            ]
            words = words[: later[0] - 1] if later else words[:-1]
    elif wh and words[0].lower() not in _DETERMINERS and not words[0][0].isupper():
        # "Who founded the library" / "What happened to the ferry": a verb, then the phrase
        words = words[1:]
        while words and words[0].lower() in _PREPOSITIONS:
            words = words[1:]
    phrase = " ".join(words).strip(" ,")
    # The phrase ends where a clause starts ("the library when it opened" → "the library").
    phrase = re.split(r"\s+(?:when|where|while|if|because|after|before)\s+", phrase)[0]
    return (phrase if _WORD.search(phrase) else ""), " ".join(asked)


def _without_trailing_phrases(words: list[str]) -> list[str]:
    """ "the library have in 2023" → "the library have": prepositional phrases at the end."""
    words = list(words)
    while len(words) > 2:
        at = max(
            (i for i, w in enumerate(words[:-1]) if w.lower() in _TRAILING and i >= len(words) - 4),
            default=None,
        )
        if at is None or at < 2:
            break
        words = words[:at]
    return words


def _verb_at(words: list[str]) -> int | None:
    """Where the verb of "which company collects ..." is: the first lower-case word after the
    noun that ends like a verb in the present or past ("collects", "lets", "traced")."""
    for i, word in enumerate(words[:6]):
        lower = word.lower()
        if i == 0 or not word.islower() or lower in _DETERMINERS or lower in _PREPOSITIONS:
            continue
        if lower.endswith(("s", "ed")) and not lower.endswith(("ss", "us", "is")):
            return i
    return None


def _participle(word: str) -> bool:
    lower = word.lower()
    return lower.endswith(("ed", "en")) or lower in {
        "built",
        "paid",
        "made",
        "held",
        "led",
        "sold",
        "spent",
        "run",
        "written",
        "done",
    }


def _person(answer: str) -> str:
    """A person's name the previous answer gave ("Tomasz Okafor"), if one."""
    found = _NAME.search(answer or "")
    return found.group(0) if found else ""


# -- the model's rewrite ---------------------------------------------------------------------

REWRITE_PROMPT = (
    "Rewrite the last question so that it can be understood without the conversation: "
    "replace words like “it”, “they” or “that” with what they refer to. Keep everything else. "
    "Reply with the rewritten question only."
)


def _model_can_rewrite(backend) -> bool:
    from core.modes.router import is_small, parameters

    return parameters(backend) is not None and not is_small(backend)


def _by_model(question: str, history: list[Turn], backend) -> Rewrite | None:
    """The model's stand-alone question, or None when it fails the checks
    (`acceptable_rewrite`)."""
    recent = history[-2:]
    conversation = "\n".join(f"Q: {t.question}\nA: {t.answer[:300]}" for t in recent)
    from core.errors import ModelError

    messages = [
        {
            "role": "user",
            "content": f"{conversation}\n\nLast question: {question}\n\n{REWRITE_PROMPT}",
        }
    ]
    try:
        text = "".join(backend.stream(messages, max_new_tokens=60, stop=["\n"]))
    except ModelError:  # a model that fails here still gets the rules' rewrite
        return None
    accepted = acceptable_rewrite(text, question, recent)
    if accepted is None:
        return None
    return Rewrite(accepted, "model", "written by the model from the recent turns")


def acceptable_rewrite(text: str, question: str, history: list[Turn]) -> str | None:
    """The model's rewrite, cleaned, if it passes the checks; else None. It must be one
    question, not much longer than the original, keep the original's own words, and bring in
    something from the earlier turns (else it resolved nothing)."""
    from core.modes.citations import content_words

    text = " ".join(text.split()).strip(' "“”')
    text = re.sub(r"^(?:rewritten question|question)\s*:\s*", "", text, flags=re.IGNORECASE)
    if not text.endswith("?") or text.count("?") > 1 or len(text) > 3 * len(question) + 80:
        return None
    own = content_words(question) - {"it", "they", "them", "that", "this", "its", "their"}
    words = content_words(text)
    if not own <= words or text.lower() == question.strip().lower():
        return None
    earlier = set().union(*(content_words(f"{t.question} {t.answer}") for t in history))
    if not (words - own) & earlier:
        return None
    return text


# -- earlier turns in the prompt -------------------------------------------------------------


def history_budget(backend, mode: str) -> int:
    from core.modes.router import is_small

    return HISTORY_TOKENS_SMALL.get(mode, 0) if is_small(backend) else HISTORY_TOKENS


def kept_turns(history: list[Turn], backend, budget: int) -> tuple[list[Turn], int]:
    """(the recent turns that fit the budget, oldest first; how many older ones were left out)."""
    kept: list[Turn] = []
    used = 0
    for turn in reversed(history[-MAX_TURNS:]):
        cost = backend.count_tokens(turn.question) + backend.count_tokens(turn.answer) + 8
        if used + cost > budget:
            break
        kept.append(turn)
        used += cost
    kept.reverse()
    return kept, len(history) - len(kept)


def earlier_messages(turns: list[Turn]) -> list[dict]:
    """The turns as chat messages (user, assistant, ...)."""
    messages: list[dict] = []
    for turn in turns:
        messages.append({"role": "user", "content": turn.question})
        messages.append({"role": "assistant", "content": turn.answer})
    return messages


def prompt_turns(history: list[Turn], backend, mode: str) -> tuple[list[Turn], dict | None]:
    """(the earlier turns the prompt of `mode` carries, the step that says so in Details;
    None without earlier turns)."""
    if not history:
        return [], None
    budget = history_budget(backend, mode)
    kept, dropped = kept_turns(history, backend, budget)
    step = {
        "step": "conversation",
        "earlier_turns_in_prompt": len(kept),
        "older_turns_left_out": dropped,
        "budget_tokens": budget,
    }
    return kept, step


def searched_with(trace: list[dict]) -> str:
    """The stand-alone form an answer's question was searched with, where it was rewritten
    (its trace's follow-up step); "" otherwise."""
    for step in trace or []:
        if step.get("step") == "follow-up" and step.get("by") != "unchanged":
            return str(step.get("searched_with") or "")
    return ""
