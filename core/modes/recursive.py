"""Recursive mode: answer from documents far larger than the model's window.

Two plans (see RECURSIVE.md for the method and what is known about it):

- "code": the Recursive Language Models loop (recursive_loop.py). The documents are a variable in
  a sandboxed REPL; the model writes code to read them and calls itself on the pieces.
- "map_reduce": a fixed plan (recursive_map.py). Every window-sized slice is asked the question,
  the grounded partial answers are kept and combined. It stands in when the model cannot write
  code: a small model, or one whose code failed to run twice in a row.

"auto" tries code first only when `writes_code(backend)` says the model can; the rule is below.
"""

from __future__ import annotations

from core.modes import counting, mentions, recursive_loop, recursive_map
from core.modes import recursive_prompts as prompts
from core.modes.base import Answer, Request, Stopwatch
from core.modes.recursive_calls import Calls, Cancelled, LimitReached, RecursiveLimits

__all__ = [
    "PLANS",
    "Cancelled",
    "LimitReached",
    "RecursiveLimits",
    "answer",
    "parameter_count",
    "slice_budget",
    "writes_code",
]

PLANS = ("auto", "code", "map_reduce")

# Who may write the REPL's code. The RLM paper's roots were frontier models; an 8B model already
# did far worse, and the bundled 135M one writes no working code at all. So: a model with a
# known parameter count needs at least CODE_MODEL_PARAMS; one whose size is unknown (a server)
# needs a window of at least CODE_MODEL_WINDOW, which only recent, larger models have; the
# bundled model never tries. A wrong guess costs two turns: failing code hands over to the plan.
CODE_MODEL_PARAMS = 3_000_000_000
CODE_MODEL_WINDOW = 16_384

# Slices for a small model: the bundled 135M one finds a planted fact reliably in ~1,500 tokens
# and rarely in 4,500 (measured for the router, and again here: it answered the planted fact
# from its 1,500-token slice with each prompt wording tried). A larger model gets its window.
SMALL_MODEL_PARAMS = 500_000_000
SMALL_MODEL_SLICE_TOKENS = 1_500


def parameter_count(backend) -> int | None:
    """The model's parameters, where the backend can tell (a local transformers model)."""
    count = getattr(backend, "parameter_count", None)
    if isinstance(count, int) and not isinstance(count, bool):
        return count
    model = getattr(backend, "model", None)
    parameters = getattr(model, "parameters", None)
    if callable(parameters):
        try:
            return int(sum(p.numel() for p in parameters()))
        except (TypeError, AttributeError):
            return None
    return None


def _bundled(backend) -> bool:
    return getattr(getattr(backend, "spec", None), "text", None) == "default"


def writes_code(backend) -> tuple[bool, str]:
    """(whether "auto" tries the REPL loop first, why) for this model."""
    if _bundled(backend):
        return False, "the bundled model is too small to write code"
    params = parameter_count(backend)
    if params is not None:
        size = f"{params / 1e9:.1f}B" if params >= 1e9 else f"{params / 1e6:.0f}M"
        if params >= CODE_MODEL_PARAMS:
            return True, f"the model ({size} parameters) can write code"
        return False, f"a model of {size} parameters is too small to write code"
    window = backend.context_window
    if window >= CODE_MODEL_WINDOW:
        return True, f"the model's window of {window:,} tokens suggests it can write code"
    return False, f"a model with a window of {window:,} tokens is too small to write code"


def slice_budget(request: Request, backend, limits: RecursiveLimits) -> int:
    """Document tokens per map slice: the window less the prompt and the partial answer, and
    for a small model no more than it reads reliably."""
    overhead = backend.count_tokens(prompts.MAP.format(text="", question=request.question))
    room = backend.context_window - overhead - recursive_map.CHAT_OVERHEAD - limits.map_new_tokens
    if limits.slice_tokens is not None:
        return max(64, min(limits.slice_tokens, room))
    params = parameter_count(backend)
    if params is not None and params < SMALL_MODEL_PARAMS:
        room = min(room, SMALL_MODEL_SLICE_TOKENS)
    return max(64, room)


def answer(
    request: Request,
    backend,
    *,
    plan: str = "auto",
    limits: RecursiveLimits | None = None,
) -> Answer:
    """Answer `request` by reading all of its documents, whatever their size.

    plan: "auto" (code if the model can write it, else map_reduce), "code" or "map_reduce".
    A limit reached or a cancel returns the best answer so far with complete=False.
    """
    if plan not in PLANS:
        raise ValueError(f"plan must be one of {', '.join(PLANS)}, not {plan!r}")
    limits = limits or RecursiveLimits()
    watch = Stopwatch()
    calls = Calls(request, backend, limits)
    able, why = writes_code(backend)
    use_code = plan == "code" or (plan == "auto" and able)
    if not any(page.text.strip() for doc in request.documents for page in doc.pages):
        use_code = False  # nothing to read: the plan says so without a model call
    calls.trace.append(
        {"step": "plan", "plan": plan, "uses": "code" if use_code else "map_reduce", "why": why}
    )
    if plan == "auto":
        with watch("search"):
            absent = mentions.answer(request.question, request.documents)
        if absent is not None:
            return _from_search(absent, request, calls, watch)
        with watch("search"):
            counted = counting.answer(request.question, request.documents)
        if counted is not None:
            return _from_count(counted, request, calls, watch)
    lead = ""  # why the fixed plan was used, when it was not asked for
    try:
        if use_code:
            with watch("repl"):
                outcome = recursive_loop.run(calls)
            if outcome.text is not None:
                return _from_code(outcome, request, calls, watch)
            calls.trace.append({"step": "switch", "to": "map_reduce", "why": outcome.gave_up})
            lead = f"The model's code did not work ({outcome.gave_up}), so "
        elif plan == "auto":
            lead = f"{why[0].upper()}{why[1:]}, so "
        budget = slice_budget(request, backend, limits)
        with watch("map_reduce"):
            result = recursive_map.run(calls, slice_budget=budget)
    except InterruptedError:  # Cancelled, or the sandbox's own on a cancel inside a cell
        calls.trace.append({"step": "cancelled", "at_s": round(calls.elapsed, 3)})
        return Answer(
            text="Stopped: you cancelled the answer before it was found.",
            citations=[],
            mode="recursive",
            reason="Cancelled.",
            trace=calls.trace,
            timings=watch.total(),
            complete=False,
        )
    done = f"every part of the documents was asked the question ({result.summary})"
    reason = f"{lead}{done}." if lead else f"{done[0].upper()}{done[1:]}."
    if result.stopped:
        reason += f" Stopped early: {result.stopped}."
    return Answer(
        text=result.text,
        citations=result.citations,
        mode="recursive",
        reason=reason,
        trace=calls.trace,
        timings=watch.total(),
        complete=result.complete,
        supported=result.supported,
    )


def _from_code(outcome, request: Request, calls: Calls, watch: Stopwatch) -> Answer:
    from core.modes import grounding
    from core.modes.citations import Source

    text = outcome.text
    # The loop reads where its code chose to: any page may hold the answer's words.
    pages = [Source.of_page(doc, page) for doc in request.documents for page in doc.pages]
    with watch("cite"):
        checked = grounding.ground(text, pages, request.question)
    citations = checked.citations
    if not checked.supported and outcome.complete:
        text, citations, step = grounding.silent(text, checked, request.question, pages)
        calls.trace.append(step)
    if request.on_token is not None:
        request.on_token(text)
    reason = (
        f"The model wrote code to read the documents ({_count(outcome.turns, 'turn')}, "
        f"{_count(outcome.sub_calls, 'sub-call')})."
    )
    if outcome.stopped:
        reason += f" It was stopped early: {outcome.stopped}."
    return Answer(
        text=text,
        citations=citations,
        mode="recursive",
        reason=reason,
        trace=calls.trace,
        timings=watch.total(),
        complete=outcome.complete,
        supported=checked.supported or not outcome.complete,
    )


def _from_search(found: mentions.Result, request: Request, calls: Calls, watch) -> Answer:
    step = {
        "step": "search",
        "plan": "mentions",
        "missing": [c.text for c in found.missing],
        "found": {text: c.page_label for text, c in found.found.items()},
    }
    reason = (
        "Every page was searched for each choice (a missing thing can only be shown by looking "
        "everywhere): one was found nowhere, and each of the others is cited where it appears."
    )
    return _read_in_code(found.text, found.citations, reason, step, request, calls, watch)


def _from_count(counted: counting.Count, request: Request, calls: Calls, watch) -> Answer:
    step = {
        "step": "count",
        "plan": "headings",
        "headings": [f"{h.number} {h.title}" for h in counted.headings][:60],
    }
    reason = (
        f"The numbered {counted.kind} were counted in the whole text: the longest run of "
        "short lines numbered one after the other, each cited where it stands."
    )
    return _read_in_code(counted.text, counted.citations, reason, step, request, calls, watch)


def _read_in_code(text, citations, reason, step, request: Request, calls: Calls, watch) -> Answer:
    """An answer the whole text gave without a model call (a search, a count)."""
    calls.trace.append(step)
    if request.on_token is not None:
        request.on_token(text)
    return Answer(
        text=text,
        citations=citations,
        mode="recursive",
        reason=reason,
        trace=calls.trace,
        timings=watch.total(),
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
