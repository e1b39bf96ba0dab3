"""RAG mode: the passages that best match the question, numbered, packed into the prompt.

Search is the library's hybrid (meaning + keywords) search over the selected documents. The
model is asked to cite passage numbers; every citation is then checked against the passage's
own words. When nothing relevant is found the answer says so instead of guessing.
"""

from __future__ import annotations

import re
from itertools import islice

from core.modes import followup, grounding, hops, tables
from core.modes.base import Answer, Request, Stopwatch
from core.modes.citations import Source, content_words, distinct

SEARCH_K = 8  # passages searched for; as many as fit the budget are used
NOT_FOUND = grounding.NOT_FOUND
STRONG_SHARE = 0.55  # keep passages scoring at least this share of the best (see `strong`)
MIN_SIMILARITY = 0.25  # below this (cosine, MiniLM) a passage shares no meaning with the question
# Tables are read from every page of a selection up to this size (a table's rows match a
# question's words poorly, so its passage is often not found); past it, from the documents of
# the passages found (a 1,000-page manual's tables take ~0.2 s to read).
TABLE_PAGES = 2_000
INSTRUCTION = (
    "Answer the question in one or two sentences, using only the passages above. "
    "After the answer, give the number of the passage you used, like [1]."
)
# Small models get the passages as plain text, without numbers to cite (see `prompt`).
PLAIN_INSTRUCTION = "Answer the question in one sentence, using the text above."
QUESTION_FIRST = True


def _relevant(request: Request, passages) -> list:
    """Passages that share a content word with the question, or its meaning."""
    words = content_words(request.question)
    keep = [p for p in passages if words & content_words(p.text)]
    if len(keep) < len(passages):
        import numpy as np

        embedder = request.library.embedder
        query = embedder.embed_query(request.question)
        for p in passages:
            if (
                p not in keep
                and float(np.dot(embedder.embed_query(p.text), query)) >= MIN_SIMILARITY
            ):
                keep.append(p)
    return sorted(keep, key=lambda p: -p.score)


def _label(p) -> str:
    unit = {"page": "p.", "page break": "p.", "chapter": "ch."}.get(p.page_unit, "part")
    if p.page_end != p.page_start:
        return f"{p.title}, {unit} {p.page_label}–{p.page_end_label}"
    return f"{p.title}, {unit} {p.page_label}"


def strong(passages) -> list:
    """The passages that both rankings agree on, when some do.

    Fused scores are sums of 1 / (60 + rank) over the two rankings: a passage near the top of
    both scores about twice one that only one ranking proposed. Those weaker ones are left out
    when strong ones exist; measured with the small model, extra passages full of other names
    made it answer with a name from the wrong passage.
    """
    if not passages:
        return []
    best = max(p.score for p in passages)
    return [p for p in passages if p.score >= STRONG_SHARE * best]


def pack(
    request: Request, backend, passages, budget: int, *, numbered: bool = True
) -> tuple[list, str]:
    """As many passages as fit `budget` tokens, best first: numbered from 1 with their place,
    or (not `numbered`) as one plain text.

    Measured on the dev set (bench/eval/RESULTS.md): the bundled 135M model, given numbered
    passages and asked to cite them, answered "[1]", "The answer is 1" or the passage label
    instead of the fact; citations are found by matching the answer to the passages anyway.
    """
    used, blocks, total = [], [], 0
    for p in passages:
        block = f"[{len(used) + 1}] ({_label(p)})\n{p.text}" if numbered else p.text
        cost = backend.count_tokens(block) + 2
        if used and total + cost > budget:
            break
        used.append(p)
        blocks.append(block)
        total += cost
    if not numbered:
        return used, "<document>\n" + "\n\n".join(blocks) + "\n</document>"
    return used, "\n\n".join(blocks)


_NUMBER = re.compile(r"\[(\d+)\]")


def answer(
    request: Request, backend, *, budget: int, reason: str = "", in_steps: bool = True
) -> Answer:
    """The answer from the passages best matching the question; a question that chains two
    facts or compares two numbers is first tried in steps (see `core.modes.hops`)."""
    tried: list[dict] = []  # the steps tried, when they found nothing: shown in the trace
    if in_steps and (plan := hops.plan(request.question)) is not None:
        stepped = _in_steps(request, backend, plan, budget, reason, tried)
        if stepped is not None:
            return stepped
    watch = Stopwatch()
    with watch("search"):
        found = request.library.search(request.question, k=SEARCH_K, doc_ids=request.doc_ids)
        found = _relevant(request, found)
    trace = [*tried, {"step": "search", "found": len(found)}]
    if not found:
        if request.on_token is not None:
            request.on_token(NOT_FOUND)
        return Answer(NOT_FOUND, [], "rag", reason, trace, watch.total(), supported=False)
    from core.modes.router import is_small

    numbered = not is_small(backend)
    used, context = pack(request, backend, strong(found), budget, numbered=numbered)
    instruction = INSTRUCTION if numbered else PLAIN_INSTRUCTION
    # The tables of the whole selection, not only of the passages found: a table's rows are
    # numbers that match a question's words poorly, so its passage is often not among them.
    pages, texts = _all_pages(request, strong(found))
    located = tables.located(request.question, texts) if tables.TABLE_LOOKUP else []
    looked_up = [cell for cell, _where in located]
    # The pages those cells came from may support the answer too (a passage's text is already
    # among the passages' sources: None there).
    table_pages = list(
        {id(pages[w]): pages[w] for _c, w in located if pages[w] is not None}.values()
    )
    found_in_tables = tables.as_prompt(looked_up)
    turns, conversation = followup.prompt_turns(request.history, backend, "rag")
    if conversation:
        trace.append(conversation)
    prompt = [
        *followup.earlier_messages(turns),
        {
            "role": "user",
            "content": (
                f"Question: {request.question}\n\n" if QUESTION_FIRST and not numbered else ""
            )
            + f"{context}\n\n{found_in_tables}{instruction}\nQuestion: {request.question}",
        },
    ]
    with watch("generate"):
        # A small model that starts counting passages that do not exist ("[4] [5] [6] …")
        # never stops by itself: the first number past the last passage ends the answer.
        text = request.generate(backend, prompt, stop=[f"[{len(used) + 1}]"])
        text = _without_runs_of_numbers(text, len(used))
    stats = backend.last_stats
    trace.append(
        {
            "step": "answer",
            "passages": [
                {
                    "n": i + 1,
                    "doc": p.doc_id,
                    "page": p.page_start,
                    "page_end": p.page_end,
                    "score": round(p.score, 4),
                }
                for i, p in enumerate(used)
            ],
            "prompt_tokens": stats.prompt_tokens,
            "reused_tokens": stats.cached_tokens,
            "new_tokens": stats.new_tokens,
            "prefill_s": round(stats.prefill_s, 3),
            "decode_s": round(stats.decode_s, 3),
        }
    )
    # The passages the model named first, then the rest; only those with the answer's words.
    named = {int(n) for n in _NUMBER.findall(text) if 0 < int(n) <= len(used)}
    order = sorted(range(len(used)), key=lambda i: (i + 1) not in named)
    # The model read the passages and the table cells said in words: both may support it.
    sources = [_source(used[i]) for i in order] + table_pages
    cancelled = stats.stopped_by == "cancel"
    plain = _NUMBER.sub("", text)
    with watch("cite"):
        checked = grounding.check(plain, sources, request.question, cancelled=cancelled)
        citations = checked.citations
        supported = checked.supported
        if checked.shown is not None:
            text = checked.shown
            trace.append(grounding.trimmed_step(checked))
        if not supported:
            nearby = [_source(p) for p in found]
            text, citations, step = grounding.silent(text, checked, request.question, nearby)
            trace.append(step)
        citations = [_on_its_page(c, request) for c in citations]
    return Answer(
        text=text,
        citations=citations,
        mode="rag",
        reason=reason,
        trace=trace,
        timings=watch.total(),
        complete=not cancelled,
        supported=supported,
    )


_RUN = re.compile(r"(?:\s*\[\d+\]){2,}")


def _without_runs_of_numbers(text: str, passages: int) -> str:
    """The answer without passage numbers that name no passage, and with a run of numbers
    ("[1] [2] [3]") cut to those that exist."""

    def keep(match: re.Match) -> str:
        numbers = [int(n) for n in _NUMBER.findall(match.group(0))]
        valid = sorted({n for n in numbers if 0 < n <= passages})
        return (" " + " ".join(f"[{n}]" for n in valid)) if valid else ""

    text = _RUN.sub(keep, text)
    text = _NUMBER.sub(lambda m: m.group(0) if 0 < int(m.group(1)) <= passages else "", text)
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _all_pages(request: Request, passages) -> tuple[list[Source | None], list[str]]:
    """Every page of the selected documents (passages too, for a document not loaded): their
    sources (None for a passage) and their texts, in the same order. Past TABLE_PAGES pages
    only the documents the passages came from: reading the tables of a whole library of 2,000
    documents took ~3 s at every question."""
    documents = request.documents
    if sum(len(doc.pages) for doc in documents) > TABLE_PAGES:
        holding = {p.doc_id for p in passages}
        documents = [doc for doc in documents if doc.id in holding]
    pages: list[Source | None] = [
        Source.of_page(doc, page) for doc in documents for page in doc.pages
    ]
    loaded = {d.id for d in documents}
    extra = [p.text for p in passages if p.doc_id not in loaded]
    return pages + [None] * len(extra), [s.text for s in pages if s is not None] + extra


def _on_its_page(citation, request: Request):
    """A passage can cross a page break: cite the page the quoted sentence is really on."""
    from dataclasses import replace

    doc = next((d for d in request.documents if d.id == citation.doc_id), None)
    if doc is None:
        return citation
    page = doc.page_at(citation.start)
    return replace(citation, page=page.number, page_label=page.label)


def _source(p) -> Source:
    return Source(p.doc_id, p.title, p.page_start, p.page_label, p.page_unit, p.start, p.text)


def _in_steps(
    request: Request, backend, plan: hops.Plan, budget: int, reason: str, trace: list[dict]
):
    """The answer found one fact at a time, or None when a step finds nothing (the question is
    then answered in one step); `trace` gets the steps either way."""
    from dataclasses import replace

    watch = Stopwatch()
    quiet = replace(request, on_token=None, history=[])  # only the final answer is shown
    trace.append({"step": "plan", "kind": type(plan).__name__.lower()})
    answers: list[Answer] = []

    def step(question: str) -> Answer | None:
        request.progress(len(answers), 2, f"Step {len(answers) + 1}: {question}")
        with watch("steps"):
            found = answer(replace(quiet, question=question), backend, budget=budget,
                           in_steps=False)  # fmt: skip
        answers.append(found)
        trace.append(
            {"step": "hop", "question": question, "answer": found.text, "shown": found.supported}
        )
        usable = found.supported and found.complete and not grounding.abstains(found.text)
        # A step must say something its question did not (a number, a name): "Brightwell
        # offices and employees in Antwerp" is supported, and no answer to "how many".
        key = grounding.KeyContent.of(found.text, question)
        return found if usable and (key.numbers or key.names) else None

    if isinstance(plan, hops.Bridge):
        # The first fact is read from the sentences nearest its question (the small model
        # restates a "which ..." question more often than it names the answer); each name
        # they give is tried until the second question finds an answer.
        with watch("search"):
            nearest = _nearest_sentences(request, plan.find)
        names = hops.candidates([c.quote for c in nearest], plan)
        trace.append({"step": "bridge", "question": plan.find, "names": names})
        first = second = None
        for name in names:
            then = hops.fill(plan.then, name, plan.noun)
            second = step(then)
            if second is not None:
                first = next((c for c in nearest if name in " ".join(c.quote.split())), nearest[0])
                break
        if second is None:
            return None
        text = second.text
        where = f"{first.title}, {first.page_unit} {first.page_label}"
        how = f"first “{plan.find}” ({name}, from {where}), then “{then}”"
        found_first = [first]
    else:
        first, second = step(plan.first), None
        if first is not None:
            second = step(plan.second)
        if first is None or second is None:
            return None
        if plan.years:
            a, b = hops.year(first.text), hops.year(second.text)
        else:
            a, b = hops.number(first.text, plan.first), hops.number(second.text, plan.second)
        if a is None or b is None or a == b:
            return None
        worked = hops.figure(abs(b - a))
        text = " ".join(
            [f"{worked} {plan.unit}.".replace(" .", "."), _sentence(first.text),
             _sentence(second.text)]
        )  # fmt: skip
        how = f"“{plan.first}” and “{plan.second}”, and the difference of the two numbers"
        found_first = first.citations
    citations = list(distinct([*second.citations, *found_first]))
    if request.on_token is not None:
        request.on_token(text)
    step_reason = f"The question was answered in two steps: {how}."
    return Answer(
        text=text,
        citations=citations,
        mode="rag",
        reason=f"{reason} {step_reason}".strip(),
        trace=list(trace),
        timings=watch.total(),
        supported=True,
    )


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def _nearest_sentences(request: Request, question: str, limit: int = 3) -> list:
    """Citations of the sentences (or table rows) of the passages found for `question` that
    share most of its words, best first (a name the question gives counts three words); at
    least two words shared."""
    from core.modes.citations import sentences

    wanted = content_words(question)
    named = grounding.names(question)
    found = _relevant(request, request.library.search(question, k=SEARCH_K,
                                                      doc_ids=request.doc_ids))  # fmt: skip
    scored = []
    for order, p in enumerate(strong(found)):
        source = _source(p)
        for start, end, sentence in sentences(p.text):
            words = content_words(sentence)
            shared = len(words & wanted) + 2 * len(words & named)
            if shared >= 2:
                scored.append((-shared, order, start, source, end))
    scored.sort(key=lambda row: row[:3])
    cited = (_on_its_page(source.cite(start, end), request) for *_, start, source, end in scored)
    return list(islice(distinct(cited), limit))
