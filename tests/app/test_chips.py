"""Sources at a glance: a chip names the document and the page, and its quote is the whole
sentence that holds the answer's key content."""

from __future__ import annotations

import pytest

from app.chat_panel import chip_text, short_title
from core.paths import resource

pytestmark = pytest.mark.slow


def test_a_chip_names_the_document_by_its_short_title_and_the_page():
    citation = {
        "title": "Harbor Town Public Library: Annual Report 2023",
        "page": 4,
        "page_label": "4",
        "page_unit": "page",
    }
    assert chip_text(1, citation) == "1  Harbor Town Public Library, p. 4"
    assert chip_text(2, {**citation, "page_unit": "chapter", "page_label": "III"}).endswith(
        ", ch. III"
    )
    assert short_title("The Complete Guide to Heat Pump Installation and Care").endswith("…")
    assert len(short_title("The Complete Guide to Heat Pump Installation and Care")) <= 26


def test_the_renovation_cost_answer_cites_the_sentence_with_its_number(tmp_path):
    # The README's example: the answer "$2.4 million" must be quoted and highlighted from the
    # sentence that says it, whole, not the sentence before it or half of it.
    from core.library import Library
    from core.llm import get_backend
    from core.modes import Request, ask

    with Library(tmp_path / "lib") as library:
        library.add([resource("sample", "harbor-report.pdf")])
        document = library.get(library.documents()[0].id)
        request = Request("How much did the Eastside renovation cost?", [document], library)
        answer = ask(request, get_backend("default"), "direct")

    assert "2.4 million" in answer.text
    first = answer.citations[0]
    assert first.page == 4
    assert "$2.4 million" in first.quote
    assert first.quote.startswith("The renovation cost")
    assert first.quote.endswith("private donations.")
    assert document.text[first.start : first.end] == first.quote
    assert chip_text(1, first.to_json()) == "1  Harbor Town Public Library, p. 4"
