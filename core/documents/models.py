"""What a loaded document is: its pages, their text and where each page sits in the whole text."""

from __future__ import annotations

from dataclasses import dataclass, field

# Pages are joined with this separator to make `Document.text`; page spans index into that text.
PAGE_SEPARATOR = "\n\n"


@dataclass(frozen=True, slots=True)
class Page:
    """One citable unit of a document.

    number: 1-based position of the page in the document (what a viewer's page box shows).
    text:   the page's text, as extracted.
    label:  the page's printed label where the file defines one (PDF page labels: "iv", "12"),
            else the number as a string.
    start, end: the page's character span in `Document.text` (end exclusive).
    """

    number: int
    text: str
    label: str = ""
    start: int = 0
    end: int = 0


@dataclass(slots=True)
class Document:
    """A document as Longread reads it.

    page_unit says what a "page" is for this format, in the user's words: "page" for PDF,
    "page break" / "block" for Word, "chapter" for EPUB, "block" for text and HTML, "rows" for CSV.
    """

    path: str
    title: str
    sha256: str
    format: str
    page_unit: str
    pages: list[Page] = field(default_factory=list)
    id: int | None = None  # set by the library once the document is stored

    @property
    def text(self) -> str:
        return PAGE_SEPARATOR.join(page.text for page in self.pages)

    def page_at(self, offset: int) -> Page:
        """The page holding character `offset` of `text` (a separator counts to the page before)."""
        lo, hi = 0, len(self.pages) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.pages[mid].start <= offset:
                lo = mid
            else:
                hi = mid - 1
        return self.pages[lo]


def make_pages(texts: list[str], labels: list[str] | None = None) -> list[Page]:
    """Number pages from 1 and give each its exact span in the joined document text."""
    pages: list[Page] = []
    offset = 0
    for index, text in enumerate(texts):
        label = labels[index] if labels and labels[index] else str(index + 1)
        pages.append(
            Page(number=index + 1, text=text, label=label, start=offset, end=offset + len(text))
        )
        offset += len(text) + len(PAGE_SEPARATOR)
    return pages


_UNIT_NAMES = {
    "page": ("page", "pages"),
    "page break": ("page", "pages"),  # the text between hard page breaks reads as a page
    "block": ("section", "sections"),
    "chapter": ("chapter", "chapters"),
    "rows": ("block of rows", "blocks of rows"),
}


def count_pages(unit: str, n: int) -> str:
    """ "36 pages", "1 chapter", "4 blocks of rows": a page count in the user's words."""
    one, many = _UNIT_NAMES.get(unit, (unit, unit + "s"))
    return f"{n} {one if n == 1 else many}"
