"""“Which of these is not mentioned anywhere?”: every page is searched for each choice, the one
found nowhere is the answer, and the others are cited where they appear."""

from __future__ import annotations

import pytest

from core.documents.models import Document, make_pages
from core.modes import mentions, recursive
from core.modes.base import Request
from core.modes.router import choose
from tests.core.modes.test_recursive import Scripted

PAGES = [
    "Chapter 1. The town grew around its corn exchange, built in 1841 on the market place.",
    "Chapter 2. Two breweries stood in Mill Lane.\nSummer crowds filled the open-air Lido.",
    "Chapter 3. Accessories: the heated condensate hose NV-CH and the Pool kit (NV-PK) for "
    "swimming pools. A cinema, the Picturedrome, opened in 1911.",
]
QUESTION = (
    "Which of these is never mentioned in the history?\n"
    "A) a lido\nB) a corn exchange\nC) a tram depot\nD) a brewery\nE) a cinema\n"
    "Answer with the letter of the right choice."
)


def town() -> Document:
    return Document("/town.txt", "Town history", "0" * 64, "txt", "page", make_pages(PAGES), id=7)


def test_the_choice_found_nowhere_is_the_answer_and_the_others_are_cited():
    doc = town()
    found = mentions.answer(QUESTION, [doc])
    assert found is not None
    assert found.text.startswith("C) a tram depot.")
    assert [c.text for c in found.missing] == ["a tram depot"]
    pages = {text: c.page for text, c in found.found.items()}
    assert pages == {"a lido": 2, "a corn exchange": 1, "a brewery": 2, "a cinema": 3}
    # Each citation quotes the document itself, at its real place: one per choice found.
    assert len(found.citations) == 4
    for c in found.citations:
        assert doc.text[c.start : c.end].strip() == c.quote
    assert "Lido" in found.found["a lido"].quote
    assert "(page 2)" in found.text


def test_case_punctuation_and_a_leading_article_do_not_hide_a_mention():
    question = (
        "Which of these accessories is not mentioned anywhere in the manual?\n"
        "A) the pool kit NV-PK\nB) the heated condensate hose NV-CH\nC) the solar kit NV-SOL"
    )
    found = mentions.answer(question, [town()])
    assert found is not None and found.text.startswith("C) the solar kit NV-SOL")
    assert found.found["the pool kit NV-PK"].page == 3


def test_a_list_after_a_colon_works_too():
    question = "Which of these is not mentioned in the history: a lido, a tram depot or a cinema?"
    found = mentions.answer(question, [town()])
    assert found is not None and found.text.startswith("a tram depot.")


@pytest.mark.parametrize(
    "question",
    [
        # Two choices missing: no single answer, so the other plans decide.
        "Which of these is never mentioned?\nA) a tram depot\nB) a harbour\nC) a lido",
        # Every choice is there.
        "Which of these is not mentioned?\nA) a lido\nB) a cinema",
        # Not a question about absence.
        "Which of these opened first?\nA) a lido\nB) a cinema",
        "Who ran the brewery?",
    ],
)
def test_anything_less_clear_cut_is_left_to_the_other_plans(question):
    assert mentions.answer(question, [town()]) is None


def test_the_recursive_mode_answers_it_without_asking_the_model():
    backend = Scripted(window=4096)
    answer = recursive.answer(Request(QUESTION, [town()], None), backend)
    assert answer.text.startswith("C) a tram depot.")
    assert not backend.roots and not backend.subs  # no model call was needed
    assert "searched for each choice" in answer.reason and len(answer.citations) == 4
    assert next(s for s in answer.trace if s["step"] == "search")["missing"] == ["a tram depot"]


def test_the_router_sends_an_absence_question_on_a_long_text_to_the_recursive_mode():
    long_town = Document(
        "/town.txt", "Town history", "0" * 64, "txt", "page", make_pages(PAGES * 400), id=7
    )
    backend = Scripted(window=8192)
    choice = choose(Request(QUESTION, [long_town], object()), backend)
    assert choice.mode == "recursive" and "never mention" in choice.reason
    # The same question without choices is about facts: search.
    fact = choose(Request("When was the corn exchange built?", [long_town], object()), backend)
    assert fact.mode == "rag"
