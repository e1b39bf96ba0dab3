"""Direct mode with the real bundled model: a planted fact, its page, and a kept KV cache."""

from __future__ import annotations

import pytest

from core.documents.models import Document, make_pages
from core.modes import Request, ask
from core.modes.citations import content_words
from tests.core.llm import texts

pytestmark = pytest.mark.slow


def _paged(text: str, per_page: int = 6) -> Document:
    blocks = text.split("\n\n")
    pages = ["\n\n".join(blocks[i : i + per_page]) for i in range(0, len(blocks), per_page)]
    return Document("/c.txt", "Chronicle", "1" * 64, "txt", "page", make_pages(pages), id=7)


def test_direct_answers_a_planted_fact_and_cites_its_page(smollm):
    doc = _paged(texts.planted(smollm.count_tokens, 2500, depth=0.7, seed=4))
    needle_page = next(p for p in doc.pages if texts.NEEDLE in p.text)
    streamed: list[str] = []
    answer = ask(Request(texts.QUESTION, [doc], None, on_token=streamed.append), smollm)

    assert answer.mode == "direct" and "fits" in answer.reason
    assert texts.ANSWER in answer.text and "".join(streamed).strip() == answer.text
    assert answer.citations, "the answer's words are on a page, so it is cited"
    first = answer.citations[0]
    assert first.page == needle_page.number and texts.NEEDLE in first.quote
    assert doc.text[first.start : first.end] == first.quote
    assert answer.trace[0]["prompt_tokens"] > 2000

    # A follow-up on the same document pays only for the question.
    follow = ask(Request("Who won the autumn rowing race?", [doc], None), smollm)
    assert follow.trace[0]["reused_tokens"] >= follow.trace[0]["prompt_tokens"] - 40


def test_an_answer_not_in_the_document_gets_no_citation(smollm):
    doc = _paged("\n\n".join(texts.chronicle(20, seed=8)))
    question = "What is the boiling point of mercury in kelvin?"
    answer = ask(Request(question, [doc], None), smollm)

    # The answer says something beyond the question (an answer that only repeats the question
    # is never cited, whatever the document holds), and the document does not say it.
    own = content_words(answer.text) - content_words(question)
    assert own, f"the answer adds nothing to the question: {answer.text!r}"
    assert len(own & content_words(doc.text)) < 2, f"the document says it: {answer.text!r}"
    assert answer.citations == [], f"{answer.text!r} was cited: {answer.citations}"
