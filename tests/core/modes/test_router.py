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
