"""Direct mode: the whole selected text goes into the prompt, pages marked so answers can cite.

The documents come first and the question last, so a follow-up question on the same documents
shares the whole prefix with the previous prompt: the runtime's kept KV cache then prefills only
the new question.
"""

from __future__ import annotations

import re

from core.modes import followup, grounding, tables
from core.modes.base import Answer, Request, Stopwatch, Turn
from core.modes.citations import Source


def render(request: Request, markers: bool) -> str:
    """The documents as the model reads them; with `markers`, a title and a marker per page.

    Measured with the bundled 135M model: page markers and titles make it answer from the
    wrong sentence ("Who is the harbour master?" -> the first sentence of the page), so small
    models get the plain text and citations come from matching the answer to the pages.
    """
    parts = []
    for doc in request.documents:
        if markers:
            pages = "\n\n".join(f"[{_marker(doc.page_unit, p.label)}]\n{p.text}" for p in doc.pages)
            parts.append(f'<document title="{doc.title}">\n{pages}\n</document>')
        else:
            parts.append(f"<document>\n{doc.text}\n</document>")
    return "\n\n".join(parts)


def _marker(unit: str, label: str) -> str:
    return {"page": "p.", "page break": "p.", "chapter": "ch.", "rows": ""}.get(unit, "part") + (
        f" {label}" if unit != "rows" else label
    )


def messages(request: Request, markers: bool = False, turns: list[Turn] = ()) -> list[dict]:
    """The prompt: the documents, then the question. With earlier `turns` of the
    conversation, the first of them is asked after the documents as it was then, its answer
    and the later turns follow as chat messages, and the question comes last: the prompt
    begins as the earlier one did, so the kept KV cache serves all of it but the new turn."""
    many = len(request.documents) > 1
    instruction = (
        f"Answer the question in one sentence, using the {'documents' if many else 'document'} "
        "above." + (" Name the page you used, like [p. 3]." if markers else "")
    )
    # After the documents, so the kept KV cache of the documents still serves every question.
    texts = [page.text for doc in request.documents for page in doc.pages]

    def ask(question: str) -> str:
        return f"{tables.said(question, texts)}{instruction}\nQuestion: {question}"

    questions = [t.searched or t.question for t in turns] + [request.question]
    prompt = [{"role": "user", "content": f"{render(request, markers)}\n\n{ask(questions[0])}"}]
    for turn, question in zip(turns, questions[1:], strict=True):
        prompt.append({"role": "assistant", "content": turn.answer})
        prompt.append({"role": "user", "content": ask(question)})
    return prompt


_CITED = re.compile(r"\[(?:p\.|ch\.|part)\s*([^\]]+)\]")


def answer(request: Request, backend, *, reason: str = "") -> Answer:
    from core.modes.router import is_small

    watch = Stopwatch()
    turns, conversation = followup.prompt_turns(request.history, backend, "direct")
    prompt = messages(request, markers=not is_small(backend), turns=turns)
    with watch("generate"):
        text = request.generate(backend, prompt)
    stats = backend.last_stats
    # Pages the answer names first, then every page: a citation stands only if its words do.
    named = set(_CITED.findall(text))
    sources = [Source.of_page(doc, page) for doc in request.documents for page in doc.pages]
    sources.sort(key=lambda s: s.page_label not in named)
    cancelled = stats.stopped_by == "cancel"
    with watch("cite"):
        checked = grounding.check(text, sources, request.question, cancelled=cancelled)
    citations = checked.citations
    trace = [
        {
            "step": "answer",
            "prompt_tokens": stats.prompt_tokens,
            "reused_tokens": stats.cached_tokens,
            "new_tokens": stats.new_tokens,
            "prefill_s": round(stats.prefill_s, 3),
            "decode_s": round(stats.decode_s, 3),
        }
    ]
    if conversation:
        trace.append(conversation)
    supported = checked.supported
    if checked.shown is not None:
        text = checked.shown
        trace.append(grounding.trimmed_step(checked))
    if not supported:
        text, citations, step = grounding.silent(text, checked, request.question, sources)
        trace.append(step)
    return Answer(
        text=text,
        citations=citations,
        mode="direct",
        reason=reason,
        trace=trace,
        timings=watch.total(),
        complete=not cancelled,
        supported=supported,
    )
