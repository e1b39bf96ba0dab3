"""Auto mode: pick direct, rag or recursive for a question, and say why in plain words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.documents.models import PAGE_SEPARATOR
from core.modes import counting
from core.modes.base import Request
from core.modes.mentions import absence_question

ANSWER_ROOM = 512  # tokens kept free for the answer
PROMPT_ROOM = 200  # tokens of instructions, markers and the question around the text
SMALL_MODEL_PARAMS = 500_000_000
# Measured with the bundled 135M model (tests/core/llm/texts.py, needle at varied depths): it
# finds a planted fact reliably in 1,500 tokens, sometimes in 3,000, rarely in 4,500 or more.
SMALL_MODEL_DIRECT_TOKENS = 3000
# Passages for rag: with more text the small model mixes facts from neighbouring passages
# ("Mirela Lind" from two names in two passages). On the dev set 600 tokens (two or three
# passages) answered 10 of 69 against 5 with 1,200 (bench/eval/RESULTS.md).
SMALL_MODEL_RAG_TOKENS = 600
# Direct mode reads the whole selection before the first word of the answer: past this many
# seconds of reading (at the prefill speed measured on this machine), rag answers instead.
DIRECT_WAIT_S = 60
SAMPLE_CHARS = 100_000  # of a text far past what direct mode takes, counted to rule it out

# Questions about the whole text rather than one place in it.
_WHOLE = re.compile(
    r"\b(summar\w*|overview|outline|gist|tl;?dr|main (points?|ideas?|themes?|arguments?)|"
    r"key (points?|findings|takeaways)|list (all|every|each)|all the|"
    # "every" alone is too common in single facts ("serviced every year"): on the dev set it
    # sent one to recursive mode, which got it wrong where rag was right.
    r"every (chapter|section|page|document|part|mention|occurrence|time)|each (chapter|section|"
    r"page|document|part)|how many (times|chapters|sections|pages|mentions)|count|"
    r"compare|contrast|differences? between|across (the )?(documents?|chapters?|sections?)|"
    r"throughout|whole (document|book|text)|entire)\b",
    re.IGNORECASE,
)


def whole_text_question(question: str) -> bool:
    """Whether the question asks about the whole text (summarise, list all, count, compare)."""
    return bool(_WHOLE.search(question))


@dataclass
class Choice:
    mode: str
    reason: str
    tokens: int  # the selection's size in the model's tokens
    direct_limit: int  # the most tokens direct mode takes with this model on this machine


def parameters(backend) -> int | None:
    """The model's parameter count where it can be known (local models)."""
    count = getattr(backend, "parameter_count", None)
    if isinstance(count, int) and not isinstance(count, bool):
        return count
    model = getattr(backend, "model", None)
    if model is not None and hasattr(model, "parameters"):
        return sum(p.numel() for p in model.parameters())
    return None


def is_small(backend) -> bool:
    params = parameters(backend)
    return params is not None and params < SMALL_MODEL_PARAMS


def direct_limit(backend) -> tuple[int, str]:
    """(tokens, why): how much text direct mode may put in the prompt for this model, on this
    machine: its window, what a small model reads reliably, and what it reads within
    DIRECT_WAIT_S at the prefill speed measured here (core.llm.probe)."""
    window = backend.context_window - ANSWER_ROOM - PROMPT_ROOM
    limit, why = window, f"the model's window is {backend.context_window:,} tokens"
    if is_small(backend):
        params = parameters(backend)
        limit = min(window, SMALL_MODEL_DIRECT_TOKENS)
        why = (
            f"a model this small ({params / 1e6:.0f}M parameters) answers reliably from "
            f"at most ~{SMALL_MODEL_DIRECT_TOKENS:,} tokens of text"
        )
    rate, how = prefill_speed(backend)
    if rate and rate * DIRECT_WAIT_S < limit:
        limit = int(rate * DIRECT_WAIT_S)
        why = (
            f"this model reads ~{rate:,.0f} tokens/s on this computer ({how}), so direct "
            f"mode takes at most ~{limit:,} tokens, about {DIRECT_WAIT_S} s of reading"
        )
    return limit, why


def prefill_speed(backend) -> tuple[float | None, str]:
    """(prompt tokens per second for this model on this machine, "measured" or "estimated"):
    a probe's figure where one ran (core.llm.probe), else one scaled by the model file's size
    from the models measured here (core.llm.catalog.calibrate), else from an assumed memory
    speed; (None, "") for a server or a model of unknown size."""
    from core.llm.catalog import ASSUMED_BANDWIDTH, calibrate
    from core.llm.probe import load_speeds, speed_for

    record = speed_for(backend)
    if record and record.get("prefill_tok_s"):
        return float(record["prefill_tok_s"]), "measured"
    size = getattr(backend, "size_bytes", 0)
    device = str(getattr(backend, "device", "")).split(":")[0]
    if not isinstance(size, int) or size <= 0 or device not in ASSUMED_BANDWIDTH:
        return None, ""
    calibration = calibrate(load_speeds(models_only=True)) if device == "cpu" else None
    if calibration:
        return calibration[1] / size, "estimated from the models measured here"
    return ASSUMED_BANDWIDTH[device] * 12 / size, "estimated"


def waiting_time(tokens: int, backend, exact: bool = True) -> str:
    """ "about 7 minutes": how long direct mode would read `tokens`, where the speed is known."""
    rate, _how = prefill_speed(backend)
    if not rate:
        return ""
    seconds = tokens / rate
    if seconds >= 2 * 3600:
        span = f"{seconds / 3600:,.0f} hours"
    elif seconds >= 90:
        span = f"{seconds / 60:.0f} minutes"
    else:
        span = f"{seconds:.0f} s"
    return f"direct would read {_said(tokens, exact)} at ~{rate:,.0f} tokens/s, about {span}"


def rag_budget(backend) -> int:
    """Tokens of passages rag mode packs into the prompt for this model."""
    limit, _why = direct_limit(backend)
    return min(limit, SMALL_MODEL_RAG_TOKENS) if is_small(backend) else limit


def selection_tokens(documents, backend, enough: int) -> tuple[int, bool]:
    """(tokens, exact): the documents' size in the model's tokens. Largest first, counted only
    until they pass `enough` (whether direct mode takes them is then settled); the rest is
    estimated from the characters a token held so far. A library of 2,000 documents took 24 s
    to count in full at every question."""
    # Sizes from the pages, so a text is put together only if it is counted.
    sized = sorted(((_characters(doc), doc) for doc in documents), key=lambda s: -s[0])
    # A text many times what direct mode takes is counted from its start, enough to rule it
    # out (a 1,000-page manual took 1.5 s to count whole): text runs ~4 characters a token.
    start = max(SAMPLE_CHARS, 8 * enough)
    tokens = characters = 0
    for i, (size, doc) in enumerate(sized):
        text = doc.text
        whole = size <= 2 * start
        counted = backend.count_tokens(text if whole else text[:start])
        if not whole and tokens + counted <= enough:  # its start does not rule it out
            counted, whole = backend.count_tokens(text), True
        elif not whole:
            counted = round(counted * size / start)
        tokens += counted
        characters += size
        if tokens > enough and (i + 1 < len(sized) or not whole):
            rest = sum(size for size, _doc in sized[i + 1 :])
            return tokens + round(rest * tokens / max(characters, 1)), False
    return tokens, True


def _characters(doc) -> int:
    """len(doc.text), without putting the text together."""
    return sum(len(p.text) for p in doc.pages) + len(PAGE_SEPARATOR) * max(len(doc.pages) - 1, 0)


def _said(tokens: int, exact: bool) -> str:
    """ "12,345 tokens", or "about 12,300,000 tokens" for an estimate (three figures)."""
    if exact:
        return f"{tokens:,} tokens"
    return f"about {round(tokens, 2 - len(str(tokens)) + 1):,} tokens"


def choose(request: Request, backend) -> Choice:
    limit, why_limit = direct_limit(backend)
    tokens, exact = selection_tokens(request.documents, backend, limit)
    fits = exact and tokens <= limit and backend.fits(tokens + PROMPT_ROOM, ANSWER_ROOM)
    size = f"The selection is {_said(tokens, exact)}"
    counted = counting.answer(request.question, request.documents)
    if counted is not None:
        return Choice(
            "recursive",
            f"{size}, and the question asks how many numbered {counted.kind} there are: a "
            "count of the whole text, not a question for the model.",
            tokens,
            limit,
        )
    if fits:
        return Choice(
            "direct",
            f"{size}; it fits ({why_limit}), so the whole text goes into the prompt.",
            tokens,
            limit,
        )
    if absence_question(request.question):
        return Choice(
            "recursive",
            f"{size}, more than direct mode takes ({why_limit}), and the question asks what the "
            "documents never mention: only reading all of it can show that, so every page is "
            "searched for each choice.",
            tokens,
            limit,
        )
    if whole_text_question(request.question):
        return Choice(
            "recursive",
            f"{size}, more than direct mode takes ({why_limit}), and the question is about the "
            "whole text, so every part is read and the partial answers are combined.",
            tokens,
            limit,
        )
    if request.library is not None:
        wait = waiting_time(tokens, backend, exact)
        return Choice(
            "rag",
            f"{size}, more than direct mode takes ({why_limit}), and the question asks for "
            "specific facts, so only the best-matching passages go into the prompt"
            + (f" ({wait}; rag answers in seconds)." if wait else "."),
            tokens,
            limit,
        )
    return Choice(
        "recursive",
        f"{size}, more than direct mode takes ({why_limit}), and there is no search index, "
        "so every part is read.",
        tokens,
        limit,
    )
