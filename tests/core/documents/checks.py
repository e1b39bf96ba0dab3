"""Checks shared by the loader tests: what must hold for every document a user opens."""

from __future__ import annotations

from pathlib import Path

from core.documents import PAGE_SEPARATOR, Document, Page
from core.errors import DocumentError


def assert_well_formed(doc: Document) -> None:
    """Pages numbered 1..n, each page's span selects exactly its text in `doc.text`, and the
    spans follow one another, one separator apart, from the start of the text to its end."""
    assert doc.pages, f"{doc.path} has no pages"
    text = doc.text
    assert isinstance(text, str) and text.strip(), f"{doc.path} has no text"
    assert [p.number for p in doc.pages] == list(range(1, len(doc.pages) + 1))
    expected_start = 0
    for page in doc.pages:
        assert isinstance(page.text, str), f"page {page.number}'s text is {type(page.text)}"
        assert page.start == expected_start, f"page {page.number} starts at {page.start}"
        assert text[page.start : page.end] == page.text, f"page {page.number}'s span is off"
        assert page.label, f"page {page.number} has no label"
        expected_start = page.end + len(PAGE_SEPARATOR)
    assert doc.pages[-1].end == len(text), "the last page does not end the text"


def page_with(doc: Document, needle: str) -> Page:
    """The one page whose text contains `needle` (fails if none or several do)."""
    found = [p for p in doc.pages if needle in p.text]
    assert len(found) == 1, (
        f"{needle!r} is on pages {[p.number for p in found]} of {len(doc.pages)}"
    )
    return found[0]


def assert_user_message(error: DocumentError, path: Path) -> None:
    """The message names the file and reads as a sentence, not as a traceback."""
    message = str(error)
    assert path.name in message, message
    assert "Traceback" not in message and "Error:" not in message, message
    assert message[-1] in ".)", message
