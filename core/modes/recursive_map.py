"""The recursive mode's fixed plan: ask every window-sized slice, keep the grounded partial
answers, combine them.

It stands in for the REPL loop when the model cannot write code. Slices follow page boundaries,
so each knows its pages. A small model rarely says "NOT FOUND" (asked who the harbour master is,
it names any person in the slice; asked for a code, it invents one), so partial answers are
weighed by their evidence: one that is not grounded in its own slice (core.modes.grounding: its
numbers and names on a page of the slice, with a sentence in its words) is dropped before the
reduce, and so is one whose evidence stands far from the question's words while another's
stands near them. The combined answer is checked the same way against the kept slices' pages;
when it is not supported, the kept partial answers are shown instead, each with its pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.documents.models import Document, Page
from core.modes import grounding
from core.modes import recursive_prompts as prompts
from core.modes.base import Citation
from core.modes.citations import Source, content_words
from core.modes.recursive_calls import Calls, Cancelled, LimitReached

CHAT_OVERHEAD = 48  # tokens the chat template adds around the messages, with a margin
CANCELLED = "you cancelled"
EVIDENCE_REACH = 200  # characters around a quoted sentence searched for the question's words
_UNIT_WORDS = {
    "page": "page",
    "page break": "page",
    "chapter": "chapter",
    "block": "section",
    "rows": "",
}


@dataclass(frozen=True)
class Slice:
    """A window-sized stretch of the documents, and the pages it holds (in order)."""

    number: int  # 1-based
    text: str
    sources: tuple[tuple[Document, Page], ...]
    tokens: int

    def pages(self) -> str:
        """ "pages 4–7", "page 3", or per document when it holds more than one."""
        spans: list[str] = []
        docs = list({id(d): d for d, _ in self.sources}.values())
        for doc in docs:
            labels = [p.label for d, p in self.sources if d is doc]
            word = _UNIT_WORDS.get(doc.page_unit, "page")
            if len(set(labels)) == 1:
                spans.append(f"{word} {labels[0]}".strip())
            elif word:
                spans.append(f"{word}s {labels[0]}–{labels[-1]}")
            else:  # labels that name themselves ("rows 2–41")
                spans.append(f"{labels[0]} to {labels[-1]}")
        return ", ".join(spans)


@dataclass
class Partial:
    """What one slice said about the question, and the evidence for it in the slice."""

    slice: Slice
    text: str
    citations: list[Citation] = field(default_factory=list)
    grounding: int = 0  # the question's words found next to the answer's own words
    missing: list[str] = field(default_factory=list)  # its key content its slice lacks


# -- slicing ----------------------------------------------------------------------------------


def slices(documents: list[Document], count_tokens: Callable[[str], int], budget: int):
    """Slices of at most ~`budget` tokens, page by page; a page too long alone is cut."""
    out: list[Slice] = []
    text: list[str] = []
    sources: list[tuple[Document, Page]] = []
    used = 0

    def close() -> None:
        nonlocal text, sources, used
        if text:
            out.append(Slice(len(out) + 1, "\n\n".join(text), tuple(sources), used))
        text, sources, used = [], [], 0

    for doc in documents:
        for page in doc.pages:
            if not page.text.strip():
                continue
            tokens = count_tokens(page.text) + 2  # and the blank line joining it on
            if tokens > budget:
                close()
                for piece in _cut(page.text, budget, count_tokens):
                    text, sources, used = [piece], [(doc, page)], count_tokens(piece)
                    close()
                continue
            if used + tokens > budget:
                close()
            text.append(page.text)
            sources.append((doc, page))
            used += tokens
    close()
    return out


_SEPARATORS = ("\n\n", "\n", ". ", " ")


def _cut(text: str, budget: int, count_tokens, level: int = 0) -> list[str]:
    """`text` in pieces of at most `budget` tokens, cut at paragraphs, lines, sentences, words."""
    if count_tokens(text) <= budget:
        return [text]
    if level == len(_SEPARATORS):  # one "word" longer than a slice: cut by characters
        step = max(1, len(text) * budget // max(1, count_tokens(text)))
        return [text[i : i + step] for i in range(0, len(text), step)]
    separator = _SEPARATORS[level]
    pieces: list[str] = []
    current = ""
    for unit in text.split(separator):
        candidate = unit if not current else current + separator + unit
        if current and count_tokens(candidate) > budget:
            pieces.append(current)
            current = unit
        else:
            current = candidate
    if current:
        pieces.append(current)
    out: list[str] = []
    for piece in pieces:
        out.extend(_cut(piece, budget, count_tokens, level + 1))
    return [p for p in out if p.strip()]


# -- partial answers --------------------------------------------------------------------------


def weigh(partial: Partial, question: str) -> Partial:
    """Find the partial answer's evidence in its own slice, and how near the question it is."""
    asked = content_words(question)
    for doc, page in partial.slice.sources:
        checked = grounding.ground(
            partial.text, [Source.of_page(doc, page)], question=question, limit=1
        )
        if not checked.supported or not checked.citations:
            partial.missing = checked.missing or partial.missing
            continue
        citation = checked.citations[0]
        start = max(0, citation.start - page.start - EVIDENCE_REACH)
        around = page.text[start : citation.end - page.start + EVIDENCE_REACH]
        near = len(content_words(around) & asked)
        partial.citations.append(citation)
        partial.grounding = max(partial.grounding, near)
    return partial


def keep(partials: list[Partial]) -> tuple[list[Partial], list[tuple[Partial, str]]]:
    """(kept, dropped with why) among the partial answers that said something.

    Answers whose words are in their slice beat answers whose words are not; among those, the
    ones whose evidence stands near the question's words beat the rest (a small model asked
    "who is the harbour master?" of a slice without one names any person in it).
    """
    dropped: list[tuple[Partial, str]] = [(p, _ungrounded(p)) for p in partials if not p.citations]
    kept = [p for p in partials if p.citations]
    best = max((p.grounding for p in kept), default=0)
    if best > 0:
        needed = (best + 1) // 2
        dropped += [
            (p, "its evidence is far from the question's words")
            for p in kept
            if p.grounding < needed
        ]
        kept = [p for p in kept if p.grounding >= needed]
    # The same answer from several slices is one answer (the first slice's).
    seen: set[str] = set()
    unique = []
    for p in kept:
        key = " ".join(p.text.lower().split()).rstrip(".")
        if key in seen:
            dropped.append((p, "the same answer as an earlier part"))
            continue
        seen.add(key)
        unique.append(p)
    return unique, dropped


def _ungrounded(partial: Partial) -> str:
    if partial.missing:
        return f"not in its part of the text: {', '.join(partial.missing[:6])}"
    return "its words are not in its part of the text"


# -- the plan ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    text: str
    citations: list[Citation]
    complete: bool
    summary: str  # what was done, in words, for the answer's reason
    stopped: str | None = None  # the limit or cancel that cut the work short
    supported: bool = True  # False: nothing found (the text says so)


def run(calls: Calls, *, slice_budget: int) -> Outcome:
    """Ask each slice, keep the grounded partial answers, reduce them to one answer.

    A cancel or a limit reached returns what the slices read so far had found, incomplete.
    """
    request, backend, limits = calls.request, calls.backend, calls.limits
    question = request.question
    parts = slices(request.documents, backend.count_tokens, slice_budget)
    if not parts:
        return Outcome("The selected documents hold no text to read.", [], True, "no text")
    total = len(parts) + 1
    answered: list[Partial] = []
    read = 0
    stopped: str | None = None
    for part in parts:
        request.progress(
            read, total, f"Reading part {part.number} of {len(parts)} ({part.pages()})"
        )
        message = [
            {"role": "user", "content": prompts.MAP.format(text=part.text, question=question)}
        ]
        try:
            reply = calls.ask(
                message,
                step="map",
                max_new_tokens=limits.map_new_tokens,
                part=part.number,
                pages=part.pages(),
                slice_tokens=part.tokens,
            )
        except LimitReached as e:
            stopped = str(e)
            break
        except Cancelled:
            calls.trace.append({"step": "cancelled", "at_s": round(calls.elapsed, 3)})
            stopped = CANCELLED
            break
        read += 1
        reply = reply.strip()
        entry = calls.trace[-1]
        entry["answer"] = reply[:200]
        if prompts.not_found(reply):
            entry["kept"] = False
            entry["why"] = "nothing found"
            continue
        partial = weigh(Partial(part, reply), question)
        entry["grounding"] = partial.grounding
        answered.append(partial)
        entry["kept"] = True  # for now; `keep` may drop it below
    kept, dropped = keep(answered)
    for partial, why in dropped:
        for entry in calls.trace:
            if entry.get("step") == "map" and entry.get("part") == partial.slice.number:
                entry["kept"], entry["why"] = False, why
    summary = f"read {read} of {len(parts)} parts of about {slice_budget:,} tokens"
    request.progress(read, total, "Combining the partial answers")
    if stopped is not None:
        shown = None if stopped == CANCELLED else request.on_token
        return _unfinished(kept, summary, stopped, shown)
    if not kept:
        text = (
            f"{grounding.NOT_FOUND[:-1]} (I read all {len(parts)} parts of them, and no part's "
            "answer was in its own text)."
        )
        if request.on_token is not None:
            request.on_token(text)
        nearby = [Source.of_page(d, pg) for part in parts for d, pg in part.sources]
        return Outcome(
            text,
            grounding.closest(question, nearby),
            True,
            summary + "; no part's answer was supported by its own text",
            supported=False,
        )
    try:
        text = reduce(calls, [p.text for p in kept])
    except LimitReached as e:
        return _unfinished(kept, summary, str(e), request.on_token)
    except Cancelled:
        calls.trace.append({"step": "cancelled", "at_s": round(calls.elapsed, 3)})
        return _unfinished(kept, summary, CANCELLED, None)
    request.progress(total, total, "Done")
    citations = cite(text, kept, question)
    if citations is None:  # the combined answer says what no kept page says
        calls.trace.append(
            {"step": "grounding", "shown": False, "draft": text[:500],
             "why": "the combined answer is not supported by the parts' pages; the parts' own "
                    "answers are shown instead"}
        )  # fmt: skip
        text = "\n".join(f"- {p.text} ({p.slice.pages()})" for p in kept)
        citations = list(dict.fromkeys(c for p in kept for c in p.citations))
    how = "one part answered" if len(kept) == 1 else f"{len(kept)} partial answers were combined"
    return Outcome(text, citations, True, f"{summary}; {how}")


def cite(text: str, kept: list[Partial], question: str) -> list[Citation] | None:
    """Citations to the kept slices' pages that support the answer (core.modes.grounding);
    None if none does."""
    pages = {(id(d), pg.number): (d, pg) for p in kept for d, pg in p.slice.sources}.values()
    checked = grounding.ground(text, [Source.of_page(d, pg) for d, pg in pages], question)
    return checked.citations if checked.supported else None


def reduce(calls: Calls, partials: list[str], *, streamed: bool = True) -> str:
    """One answer from the partial answers, in groups that fit the window when they do not."""
    request, backend = calls.request, calls.backend
    if len(partials) == 1:
        calls.trace.append({"step": "reduce", "skipped": "only one part answered"})
        if streamed and request.on_token is not None:
            request.on_token(partials[0])
        return partials[0]
    room = backend.context_window - request.max_new_tokens - CHAT_OVERHEAD
    overhead = backend.count_tokens(prompts.REDUCE.format(notes="", question=request.question))
    budget = room - overhead
    # No partial answer may take more than a quarter of a group, so each round combines.
    partials = [_shorten(p, budget // 4, backend.count_tokens) for p in partials]
    groups: list[list[str]] = [[]]
    used = 0
    for partial in partials:
        cost = backend.count_tokens(partial) + 4
        if groups[-1] and used + cost > budget:
            groups.append([])
            used = 0
        groups[-1].append(partial)
        used += cost
    if len(groups) > 1:  # combine each group, then combine the results
        merged = [reduce(calls, group, streamed=False) for group in groups]
        return reduce(calls, merged, streamed=streamed)
    content = prompts.REDUCE.format(notes=prompts.notes(partials), question=request.question)
    return calls.ask(
        [{"role": "user", "content": content}],
        step="reduce",
        max_new_tokens=request.max_new_tokens,
        on_token=request.on_token if streamed else None,
        partials=len(partials),
    ).strip()


def _shorten(text: str, tokens: int, count_tokens) -> str:
    have = count_tokens(text)
    return text if have <= tokens else text[: len(text) * tokens // have]


def _unfinished(kept: list[Partial], summary: str, why: str, on_token) -> Outcome:
    """The best answer without another model call: the grounded partial answers so far."""
    if kept:
        found = "\n".join(f"- {p.text} ({p.slice.pages()})" for p in kept)
        text = f"Partial answer (stopped early: {why}). Found so far:\n{found}"
    else:
        text = f"No answer (stopped early: {why}); nothing was found in the parts read so far."
    if on_token is not None:
        on_token(text)
    citations = list(dict.fromkeys(c for p in kept for c in p.citations))[:3]
    return Outcome(text, citations, False, summary, stopped=why)
