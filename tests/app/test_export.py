"""Keep and share answers: Copy puts an answer with its sources on the clipboard; Export
writes the whole conversation as Markdown or PDF, every citation as document, page and quote."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication

from app.window import MainWindow
from core.library import Library
from core.library.conversations import Conversations
from core.modes.base import Answer, Citation


def _answer(text: str, quote: str, page: int) -> dict:
    citation = Citation(
        1,
        "Harbor Town Public Library: Annual Report 2023",
        page,
        str(page),
        "page",
        10,
        10 + len(quote),
        quote,
    )
    return Answer(text, [citation], "direct", "It fits.", [], {"total": 1.0}).to_json()


@pytest.fixture
def window(qtbot, tmp_path):
    with Conversations(tmp_path / "lib") as store:
        chat = store.create(first_question="How much did the Eastside renovation cost?")
        store.add_message(
            chat.id,
            "assistant",
            "It cost $2.4 million.",
            answer=_answer(
                "It cost $2.4 million.",
                "The renovation cost $2.4 million, of which $1.6 million came from the town.",
                4,
            ),
        )
        store.add_message(chat.id, "user", "Who paid for it?")
        store.add_message(
            chat.id,
            "assistant",
            "The town, a state grant and donations.",
            answer=_answer(
                "The town, a state grant and donations.",
                "$500,000 from a state grant and $300,000 from private donations.",
                4,
            ),
        )
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Library(tmp_path / "lib"), settings=settings, preload=False)
    qtbot.addWidget(window)
    window.open_conversation(chat.id)
    return window


def test_copy_puts_the_answer_and_its_sources_on_the_clipboard(window):
    first = window.chat.answers()[0]
    first.copy()
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith("It cost $2.4 million.")
    assert "Harbor Town Public Library: Annual Report 2023, page 4" in copied
    assert "“The renovation cost $2.4 million" in copied
    assert first.again_button.isVisible() or first.question  # Ask again knows its question
    asked = []
    first.ask_again.connect(lambda question, mode: asked.append((question, mode)))
    first.again_menu.actions()[2].trigger()  # "In RAG mode"
    assert asked == [("How much did the Eastside renovation cost?", "rag")]


def test_a_conversation_exports_to_markdown_and_pdf_with_every_citation(window, tmp_path):
    import pypdf

    markdown = window.export_conversation(str(tmp_path / "out.md")).read_text()
    pdf = window.export_conversation(str(tmp_path / "out.pdf"))
    pdf_text = " ".join(
        " ".join(page.extract_text().split()) for page in pypdf.PdfReader(pdf).pages
    )
    for text in (markdown, pdf_text):
        for expected in (
            "How much did the Eastside renovation cost?",
            "It cost $2.4 million.",
            "Who paid for it?",
            "The town, a state grant and donations.",
            "Harbor Town Public Library: Annual Report 2023, page 4",
            "The renovation cost $2.4 million, of which $1.6 million came from the town.",
            "$300,000 from private donations.",
        ):
            assert expected in " ".join(text.split()).replace("\\", ""), expected


def test_an_export_that_cannot_be_written_says_so_and_leaves_nothing(window, tmp_path):
    target = tmp_path / "no such folder" / "out.md"
    assert window.export_conversation(str(target)) is None
    assert "could not be saved" in window.notice.text.text()
    assert not target.parent.exists()
