"""Summaries: every part of the documents is read and summarised, each point citing its page.

"Summarise this report", "Give me an overview", "Summarise chapter 3" (only chapter 3 is
read). The documents are cut into parts at page boundaries (core.modes.recursive_map.slices),
each part is summarised in a sentence or two, and a point stands only when a sentence of its
own part says it in its words (core.modes.citations.verified): that sentence is the point's
citation. Points are streamed as they are written, so a summary stopped part-way keeps them.

Part sizes, measured with the bundled 135M model: it reads ~1,500 tokens reliably (router's
SMALL_MODEL_DIRECT_TOKENS), so its parts are 1,000 tokens; larger models read 3,000 a part.
"""

from __future__ import annotations

import re

from core.documents.models import Document
from core.modes.base import Answer, Request, Stopwatch
from core.modes.citations import Source, short_unit, verified
from core.modes.recursive_map import slices

SMALL_PART_TOKENS = 1000
PART_TOKENS = 3000
MIN_PARTS = 6
MIN_PART_TOKENS = 150  # no smaller: a part must hold something to summarise
POINT_TOKENS = 90  # the longest summary of one part, in tokens
INSTRUCTION = "Summarise the text above in one or two sentences: its main facts."

_SUMMARY = re.compile(
    r"^\W*(?:(?:please|can you|could you)\s+)?(?:summari[sz]e|sum up|"
    r"(?:give|write|make)\s+(?:me\s+)?(?:a\s+|an\s+)?(?:short\s+|brief\s+)?(?:summary|overview)|"
    r"(?:what is|what's)\s+(?:this|the|it)\s+(?:document|report|book|text)?\s*about|"
    r"what are the (?:main|key) points|tl;?dr)\b",
    re.IGNORECASE,
)
_PART = re.compile(r"\b(chapter|page|section|part)s?\s+([\w.-]+)", re.IGNORECASE)
_UNITS = {"chapter": ("chapter",), "page": ("page", "page break"), "section": ("block",)}


def is_summary(question: str) -> bool:
    """Whether the question asks for a summary of the documents (or of a part of them)."""
    return bool(_SUMMARY.match(question))


def focus(question: str, documents: list[Document]) -> tuple[list[Document], str]:
    """The documents cut to the part the question names ("chapter 3", "page 12"), and the
    part's name; the documents whole and "" where it names none or none matches."""
    found = _PART.search(question)
    if found is None:
        return documents, ""
    unit, label = found.group(1).lower(), found.group(2).rstrip(".").lower()
    cut: list[Document] = []
    for doc in documents:
        if doc.page_unit not in _UNITS.get(unit, (doc.page_unit,)):
            continue
        pages = [p for p in doc.pages if p.label.lower() == label or str(p.number) == label]
        if pages:
            cut.append(_with_pages(doc, pages))
    return (cut, f"{unit} {found.group(2)}") if cut else (documents, "")


def _with_pages(doc: Document, pages) -> Document:
    from dataclasses import replace

    return replace(doc, pages=list(pages))


def answer(request: Request, backend, *, reason: str = "") -> Answer:
    from core.modes.router import is_small

    watch = Stopwatch()
    documents, part_name = focus(request.question, request.documents)
    # Parts as large as the model reads well, but at least ~MIN_PARTS of them where the text
    # allows, so a short report gets a point for each of its pages rather than one for all.
    total = sum(backend.count_tokens(doc.text) for doc in documents)
    most = SMALL_PART_TOKENS if is_small(backend) else PART_TOKENS
    budget = max(MIN_PART_TOKENS, min(most, total // MIN_PARTS + 1))
    parts = slices(documents, backend.count_tokens, budget)
    trace: list[dict] = [{"step": "summary", "parts": len(parts), "focus": part_name or "all"}]
    points: list[str] = []
    citations = []
    lines: list[str] = []
    stopped_at = 0
    for part in parts:
        if request.cancelled():
            stopped_at = part.number
            break
        request.progress(
            part.number - 1,
            len(parts),
            f"Summarising part {part.number} of {len(parts)} ({part.pages()})",
        )
        prompt = [{"role": "user", "content": f"{part.text}\n\n{INSTRUCTION}"}]
        with watch("generate"):
            pieces = []
            for piece in backend.stream(prompt, max_new_tokens=POINT_TOKENS, cancel=request.cancel):
                pieces.append(piece)
        stats = backend.last_stats
        if stats.stopped_by == "cancel":
            stopped_at = part.number
            break
        sources = [Source.of_page(doc, page) for doc, page in part.sources]
        with watch("cite"):
            point, cited = _grounded(_first_sentences("".join(pieces)), sources, part.text)
        trace.append(
            {
                "step": "part",
                "part": part.number,
                "pages": part.pages(),
                "point": point[:200],
                "kept": bool(cited),
                "prompt_tokens": stats.prompt_tokens,
                "new_tokens": stats.new_tokens,
            }
        )
        if not cited or point.lower() in (p.lower() for p in points):
            continue
        points.append(point)
        citations.append(cited[0])
        where = f"{short_unit(cited[0].page_unit)} {cited[0].page_label}".strip()
        line = f"- {point} [{len(points)}: {where}]"
        lines.append(line)
        if request.on_token is not None:
            request.on_token(("\n" if len(lines) > 1 else "") + line)
    complete = not stopped_at
    text = "\n".join(lines)
    if not points:
        text = (
            "Stopped before any part was summarised."
            if not complete
            else "No part of the documents could be summarised in words found in it."
        )
    elif not complete:
        text += f"\n\n(Stopped after {stopped_at - 1} of {len(parts)} parts.)"
    about = f"{part_name} of the documents" if part_name else "the documents"
    why = (
        f"The question asks for a summary: every part of {about} was read ({len(parts)} "
        f"part{'s' if len(parts) != 1 else ''}), each summarised and kept only where a sentence "
        "of that part says it, and each point cites its page."
    )
    return Answer(
        text=text,
        citations=citations,
        mode="recursive",
        reason=f"{reason} {why}".strip() if reason else why,
        trace=trace,
        timings=watch.total(),
        complete=complete,
        supported=bool(points),
    )


def _grounded(point: str, sources: list[Source], text: str):
    """(the point's sentences its part supports, the citation of the first): a sentence stays
    when its numbers and names are in the part (a small model adds its own: "the US
    government", "the Library of Congress") and a sentence of the part says it in its words."""
    from core.modes.grounding import KeyContent

    kept, citations = [], []
    for sentence in re.findall(r"[^.!?]+[.!?]?", point):
        sentence = sentence.strip()
        key = KeyContent.of(sentence)
        words = {w.lower() for w in re.findall(r"[\w'’-]+", text)}
        # Every name, not all but one as for answers: a summary's names are its own choice.
        if len(sentence.split()) < 3 or key.missing_in(text) or key.names - words:
            continue
        cited = verified(sentence, sources, limit=1)
        if cited:
            kept.append(sentence)
            citations += cited
    return " ".join(kept), citations[:1]


def _first_sentences(text: str, most: int = 2) -> str:
    """The reply's first sentences, on one line, without a lead-in ("Summary:")."""
    text = " ".join(text.split())
    text = re.sub(
        r"^(?:summary|in summary|the text (?:above )?(?:says|describes))\s*[:,]?\s*",
        "",
        text,
        flags=re.IGNORECASE,
    )
    sentences = re.findall(r"[^.!?]+[.!?]", text)
    return " ".join(s.strip() for s in sentences[:most]) if sentences else text.strip()
