"""RAG mode on a 300-page PDF in a real library: the planted fact, its page, and "not found"."""

from __future__ import annotations

import pytest

from core.library import Library
from core.modes import Request, ask
from core.modes.rag import NOT_FOUND
from tests.core.documents import files
from tests.core.llm import texts

pytestmark = pytest.mark.slow

NEEDLE_PAGE = 217


@pytest.fixture(scope="module")
def chronicle(tmp_path_factory):
    """A 300-page PDF (five paragraphs a page) in a library, the needle on page 217."""
    folder = tmp_path_factory.mktemp("rag")
    paragraphs = texts.chronicle(1500, seed=9)
    pages = []
    for n in range(300):
        body = paragraphs[5 * n : 5 * n + 5]
        if n + 1 == NEEDLE_PAGE:
            body.insert(2, texts.NEEDLE + " She keeps the lighthouse keys in a blue tin.")
        pages.append("\n\n".join(body))
    pdf = files.write_pdf(folder / "chronicle.pdf", pages, title="Chronicle of the Towns")
    library = Library(folder / "library")
    report = library.add([pdf])
    assert report.ok, report.failed
    yield library, library.get(report.added[0].id)
    library.close()


def test_rag_finds_the_fact_on_page_217_and_cites_it(chronicle, smollm):
    library, doc = chronicle
    answer = ask(Request(texts.QUESTION, [doc], library), smollm)
    assert answer.mode == "rag" and "specific facts" in answer.reason
    assert texts.ANSWER in answer.text
    assert answer.citations and answer.citations[0].page == NEEDLE_PAGE
    cited = answer.citations[0]
    assert doc.text[cited.start : cited.end] == cited.quote
    assert any(p["page"] <= NEEDLE_PAGE <= p["page_end"] for p in answer.trace[1]["passages"])


def test_rag_says_plainly_when_nothing_relevant_is_found(chronicle, smollm):
    library, doc = chronicle
    streamed: list[str] = []
    answer = ask(
        Request("What is the capital of Australia?", [doc], library, on_token=streamed.append),
        smollm,
        mode="rag",
    )
    assert answer.text == NOT_FOUND == "".join(streamed)
    assert answer.citations == []


def test_an_answer_never_shows_passage_numbers_that_name_no_passage():
    from core.modes.rag import _without_runs_of_numbers

    counted = "It cost $2.4 million [1], paid by the town [2] [3] [4] [5] [6] [7] [8] [9]"
    assert _without_runs_of_numbers(counted, 2) == "It cost $2.4 million [1], paid by the town [2]"
    assert _without_runs_of_numbers("Yes [7].", 3) == "Yes."
    assert _without_runs_of_numbers("Yes [2].", 3) == "Yes [2]."
