"""Auto mode's choice, and its reason, for questions a user asks."""

from __future__ import annotations

import pytest

from core.documents.models import Document, make_pages
from core.modes import Request
from core.modes.router import choose, whole_text_question
from tests.core.llm import texts


@pytest.mark.parametrize(
    "question",
    [
        "Summarise this report.",
        "Give me an overview of the book",
        "List all the people named in the contract.",
        "How many times is the tenant mentioned?",
        "Compare chapter 2 and chapter 5.",
        "What are the main themes?",
        "What happens in each chapter?",
        "What changes in every chapter?",
    ],
)
def test_questions_about_the_whole_text(question):
    assert whole_text_question(question)


@pytest.mark.parametrize(
    "question",
    [
        "Who is the harbour master of Port Elling?",
        "What is the notice period in clause 4?",
        "When was the bridge repaired?",
        "What dose is recommended for children?",
        "For how many years is the compressor covered if it is serviced every year?",
    ],
)
def test_questions_about_one_fact(question):
    assert not whole_text_question(question)


def _document(tokens: int, smollm) -> Document:
    text = texts.planted(smollm.count_tokens, tokens)
    blocks = text.split("\n\n")
    pages = ["\n\n".join(blocks[i : i + 10]) for i in range(0, len(blocks), 10)]
    return Document("/x.txt", "Chronicle", "0" * 64, "txt", "page", make_pages(pages), id=1)


@pytest.mark.slow
def test_the_router_picks_by_size_and_question_and_says_why(smollm):
    short, long_ = _document(1500, smollm), _document(9000, smollm)
    library = object()  # rag needs a library to search; the router only checks it is there

    choice = choose(Request(texts.QUESTION, [short], library), smollm)
    assert choice.mode == "direct"
    assert "fits" in choice.reason and f"{choice.tokens:,} tokens" in choice.reason

    choice = choose(Request(texts.QUESTION, [long_], library), smollm)
    assert choice.mode == "rag" and "specific facts" in choice.reason
    assert choice.tokens > 8000 and "135M parameters" in choice.reason

    choice = choose(Request("Summarise the chronicle.", [long_], library), smollm)
    assert choice.mode == "recursive" and "whole text" in choice.reason

    choice = choose(Request(texts.QUESTION, [long_], None), smollm)
    assert choice.mode == "recursive" and "no search index" in choice.reason


class _BigModel:
    """A 4B model with a 32k window, on a machine where a probe measured it: what the router
    reads of a backend (a real one needs gigabytes; the choice needs only these)."""

    def __init__(self, spec_file: str) -> None:
        from core.llm.spec import ModelSpec

        self.spec = ModelSpec("gguf", f"/models/{spec_file}", text=f"gguf:/models/{spec_file}")
        self.context_window = 32768
        self.parameter_count = 4_000_000_000
        self.runtime = "llama.cpp"

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def fits(self, prompt_tokens: int, max_new_tokens: int = 512) -> bool:
        return prompt_tokens + max_new_tokens <= self.context_window


def test_direct_mode_takes_what_the_model_reads_in_a_minute_here_by_its_measured_speed():
    from core.llm import probe

    backend = _BigModel("measured-4b.gguf")
    document = _document_words(20000)
    library = object()
    # Not measured yet: the window alone decides, and 20,000 tokens fit it.
    assert choose(Request(texts.QUESTION, [document], library), backend).mode == "direct"
    probe.store(
        probe.key("measured-4b.gguf", "llama.cpp"),
        {"prefill_tok_s": 150.0, "decode_tok_s": 9.0, "runtime": "llama.cpp"},
    )
    choice = choose(Request(texts.QUESTION, [document], library), backend)
    assert choice.mode == "rag"
    assert "~150 tokens/s" in choice.reason and "measured" in choice.reason
    assert "about 2 minutes" in choice.reason and "rag answers in seconds" in choice.reason
    # What it reads within the wait still goes in whole.
    short = _document_words(5000)
    assert choose(Request(texts.QUESTION, [short], library), backend).mode == "direct"


def test_before_a_probe_the_wait_is_estimated_from_the_models_size():
    backend = _BigModel("not-measured-4b.gguf")
    backend.size_bytes, backend.device = 2_500_000_000, "cpu"
    choice = choose(Request(texts.QUESTION, [_document_words(20000)], object()), backend)
    assert choice.mode == "rag" and "estimated" in choice.reason
    assert "rag answers in seconds" in choice.reason


def _document_words(words: int) -> Document:
    text = " ".join(f"word{i % 97}" for i in range(words))
    return Document("/w.txt", "Words", "1" * 64, "txt", "page", make_pages([text]), id=2)


def test_a_large_library_is_counted_only_until_it_is_too_large_for_direct_mode():
    # Asking about a whole library of 2,000 documents counted every one at each question (24 s
    # here): only the largest are counted until direct mode is ruled out; the rest is estimated.
    backend = _BigModel("counted-4b.gguf")
    counted: list[int] = []
    real = backend.count_tokens
    backend.count_tokens = lambda text: counted.append(len(text)) or real(text)
    documents = [_document_words(400 + 10 * i) for i in range(200)]
    total = sum(len(doc.text.split()) for doc in documents)

    choice = choose(Request(texts.QUESTION, documents, object()), backend)

    assert choice.mode == "rag"
    assert len(counted) < 200 and counted == sorted(counted, reverse=True)
    assert abs(choice.tokens - total) < 0.02 * total
    assert f"about {round(choice.tokens, -3):,} tokens" in choice.reason

    # A selection that fits is counted whole, and its size said exactly.
    few = documents[:3]
    counted.clear()
    choice = choose(Request(texts.QUESTION, few, object()), backend)
    assert choice.mode == "direct" and len(counted) == 3
    assert f"The selection is {choice.tokens:,} tokens" in choice.reason


def test_a_wait_of_hours_is_said_in_hours():
    from core.llm import probe
    from core.modes.router import waiting_time

    backend = _BigModel("slow-4b.gguf")
    probe.store(
        probe.key("slow-4b.gguf", "llama.cpp"),
        {"prefill_tok_s": 150.0, "decode_tok_s": 9.0, "runtime": "llama.cpp"},
    )
    assert waiting_time(2_000_000, backend, exact=False).endswith("about 4 hours")
    assert "about 2,000,000 tokens" in waiting_time(2_000_000, backend, exact=False)
    assert waiting_time(20_000, backend).endswith("about 2 minutes")


def test_one_document_far_past_the_limit_is_counted_from_its_start():
    # A 1,000-page manual took 1.5 s to count whole at its first question; its start is enough
    # to rule direct mode out, and its size is estimated from it.
    from core.modes import router

    backend = _BigModel("sampled-4b.gguf")
    counted: list[int] = []
    real = backend.count_tokens
    backend.count_tokens = lambda text: counted.append(len(text)) or real(text)
    manual = _document_words(600_000)
    whole = len(manual.text.split())

    choice = choose(Request(texts.QUESTION, [manual], object()), backend)

    assert choice.mode == "rag" and "about" in choice.reason
    assert max(counted) <= max(router.SAMPLE_CHARS, 8 * choice.direct_limit)
    assert abs(choice.tokens - whole) < 0.02 * whole
