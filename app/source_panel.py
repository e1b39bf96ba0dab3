"""The source panel: the page a citation points to, with the quoted words highlighted.

A PDF is shown as its real pages (QPdfView, all pages scrollable, fitted to the panel's width),
scrolled to the cited page, with the quote found by Qt's PDF search and marked there. Any other
format, or a PDF whose file has moved or cannot be opened, is shown as the page text Longread
stored when it read the file, with the quote highlighted in it. Nothing here raises into the
event loop: a problem becomes a short notice at the top of the panel.
"""

from __future__ import annotations

import bisect
import functools
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QGuiApplication,
    QKeySequence,
    QShortcut,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtPdf import QPdfDocument, QPdfLink, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

HIGHLIGHT_BACKGROUND = "#ffe066"  # the quote in stored page text; black text on it in any theme
HIGHLIGHT_TEXT = "#000000"
WHOLE_QUOTE_MAX_CHARS = 400  # longer quotes are looked for by their first words only
PREFIX_WORDS = (12, 8, 6, 4, 3)  # shorter and shorter beginnings of the quote, tried in turn
ABOVE_QUOTE = 0.3  # when scrolling to a quote, this share of the view is left above it

# What one citable unit is called, in the user's words ("page 12", "section 3", "chapter 2").
UNIT_WORDS = {
    "page": "page",
    "page break": "page",
    "block": "section",
    "chapter": "chapter",
    "rows": "rows",
}

_PDF_ERRORS = {
    QPdfDocument.Error.FileNotFound: "the file could not be found",
    QPdfDocument.Error.InvalidFileFormat: "the file is not a readable PDF",
    QPdfDocument.Error.IncorrectPassword: "the file is password-protected",
    QPdfDocument.Error.UnsupportedSecurityScheme: "the file's protection is not supported",
    QPdfDocument.Error.DataNotYetAvailable: "the file could not be read",
    QPdfDocument.Error.Unknown: "the file could not be read",
}


def place_words(page_unit: str, page_label: str, page: int) -> str:
    """ "page 12", "page iv (page 5 of the file)", "chapter 3", "rows 2–41"."""
    unit = UNIT_WORDS.get(page_unit, page_unit or "page")
    label = (page_label or "").strip() or str(page)
    if page_unit == "rows":
        return label if label.lower().startswith("row") else f"rows {label}"
    words = f"{unit} {label}"
    if label != str(page):
        words += f" ({unit} {page} of the file)"
    return words


def _clean_quote(quote: str) -> list[str]:
    """The quote's words, without quotation marks or ellipses around it."""
    text = (quote or "").strip()
    while True:
        cleaned = re.sub(r"^(?:\.\.\.|…)+|(?:\.\.\.|…)+$", "", text).strip()
        cleaned = cleaned.strip("\"'“”‘’«»").strip()
        if cleaned == text:
            return text.split()
        text = cleaned


def quote_candidates(quote: str) -> list[str]:
    """What to look for, best first: the whole quote (if not too long), then its first words,
    fewer and fewer, then the same without its first word (which may be cut mid-word)."""
    words = _clean_quote(quote)
    if not words:
        return []
    candidates: list[str] = []
    whole = " ".join(words)
    if len(whole) <= WHOLE_QUOTE_MAX_CHARS:
        candidates.append(whole)
    candidates += [" ".join(words[:n]) for n in PREFIX_WORDS if n < len(words)]
    if len(words) > 4:
        candidates += [" ".join(words[1:n]) for n in (9, 5)]
    if len(whole) > WHOLE_QUOTE_MAX_CHARS and len(words) <= PREFIX_WORDS[-1]:
        candidates.append(whole)
    return list(dict.fromkeys(candidates))


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """The span of `quote` in `text`, or of the longest beginning of it found there (whitespace
    and case do not matter); None if not even its first few words are there."""
    if not text or not quote.strip():
        return None
    exact = text.find(quote.strip())
    if exact >= 0:
        return exact, exact + len(quote.strip())
    for candidate in quote_candidates(quote):
        pattern = r"\s+".join(re.escape(word) for word in candidate.split())
        match = re.search(pattern, text, flags=re.IGNORECASE)
        if match:
            return match.start(), match.end()
    return None


def _utf16_length(text: str) -> int:
    """Length in the UTF-16 units Qt's text positions count."""
    return len(text.encode("utf-16-le")) // 2


def _guarded(method: Callable) -> Callable:
    """Run a slot so that an error becomes the panel's notice instead of reaching the event loop."""

    @functools.wraps(method)
    def run(self: SourcePanel, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as e:
            log.exception("source panel: %s failed", method.__name__)
            try:
                self._show_notice(f"Something went wrong while showing this source ({e}).")
            except Exception:
                log.exception("source panel: could not show the notice")
            return None

    return run


class _PdfLayout:
    """Where QPdfView places each page when it fits pages to its width, stacked top to bottom.

    QPdfView keeps no public map from pages to scroll positions; this follows its own layout
    rule (each page's size in screen pixels, scaled to the width between the document margins,
    rounded as Qt rounds) so a place on a page can be turned into a scroll position and back.
    """

    def __init__(self, view: QPdfView, document: QPdfDocument) -> None:
        screen = QGuiApplication.primaryScreen()
        resolution = (screen.logicalDotsPerInch() if screen else 72.0) / 72.0
        margins = view.documentMargins()
        width = view.viewport().width() - margins.left() - margins.right()
        self.valid = width > 0 and document.pageCount() > 0
        self.tops: list[int] = []
        self.heights: list[int] = []
        self.scales: list[float] = []  # pixels per PDF point, per page
        y = margins.top()
        for page in range(document.pageCount() if self.valid else 0):
            size = document.pagePointSize(page)
            base_w = max(round(size.width() * resolution), 1)
            base_h = round(size.height() * resolution)
            factor = width / base_w
            height = round(base_h * factor)
            self.tops.append(y)
            self.heights.append(height)
            self.scales.append(height / size.height() if size.height() > 0 else factor)
            y += height + view.pageSpacing()

    def position(self, page: int, y_points: float) -> int:
        return round(self.tops[page] + y_points * self.scales[page])

    def place(self, position: int) -> tuple[int, float]:
        page = max(bisect.bisect_right(self.tops, position) - 1, 0)
        return page, (position - self.tops[page]) / self.scales[page]


class SourcePanel(QWidget):
    """The right-hand pane that shows where a cited quote comes from."""

    closed = Signal()  # the user closed the panel

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sourcePanel")
        self.setAccessibleName("Source")
        self.setMinimumWidth(280)

        # -- header --
        self.title_label = QLabel()
        self.title_label.setObjectName("sourceTitle")
        self.title_label.setWordWrap(True)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setAccessibleName("Document title")
        self.place_label = QLabel()
        self.place_label.setObjectName("sourcePlace")
        self.place_label.setAccessibleName("Place in the document")
        self.open_button = QPushButton("Open file")
        self.open_button.setAccessibleName("Open the document in its usual app")
        self.open_button.clicked.connect(self.open_in_viewer)
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setToolTip("Close the source (Esc)")
        self.close_button.setAccessibleName("Close the source panel")
        self.close_button.clicked.connect(self._on_close)
        QShortcut(
            QKeySequence(Qt.Key.Key_Escape),
            self,
            self._on_close,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )

        words = QVBoxLayout()
        words.setSpacing(2)
        words.addWidget(self.title_label)
        words.addWidget(self.place_label)
        header = QHBoxLayout()
        header.addLayout(words, 1)
        header.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)

        self.notice = QLabel()
        self.notice.setObjectName("sourceNotice")
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Note about this source")
        self.notice.setStyleSheet(
            "QLabel#sourceNotice { background: #fff4ce; color: #3d3200; border: 1px solid #e0c36a;"
            " border-radius: 4px; padding: 6px; }"
        )
        self.notice.hide()

        # -- the page itself: a PDF view, or the stored text --
        self.pdf_view = QPdfView()
        self.pdf_view.setAccessibleName("PDF page")
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.search_model = QPdfSearchModel(self)
        self.pdf_view.setSearchModel(self.search_model)
        self.search_model.rowsInserted.connect(self._on_results)
        self.search_model.statusChanged.connect(self._on_search_status)
        self.pdf_view.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.pdf_view.viewport().installEventFilter(self)

        self.text_view = QTextBrowser()
        self.text_view.setAccessibleName("Page text")
        self.text_view.setOpenLinks(False)
        self.text_view.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.pdf_view)
        self.stack.addWidget(self.text_view)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(header)
        layout.addWidget(self.notice)
        layout.addWidget(self.stack, 1)

        self.document: QPdfDocument | None = None  # the PDF now loaded, kept for the next citation
        self._document_key: tuple[str, int, int] | None = None  # its path, size and mtime
        self._path = ""
        self._page = 1
        self._highlight = ""
        self._candidates: list[str] = []
        self._candidate = -1
        self._search_running = False
        self._search_page = -1  # 0-based page the current search must find the quote on
        self._hit = -1
        self._layout: _PdfLayout | None = None
        self._layout_width = -1
        self._anchor: tuple[int, float] | None = None  # (page, points) at the top of the view
        self._restoring = False

    # -- what the main window calls -----------------------------------------------------------

    @_guarded
    def show_source(
        self,
        *,
        path: str,
        format: str,
        title: str,
        page: int,
        page_label: str,
        page_unit: str,
        quote: str,
        page_text: str | None,
    ) -> None:
        """Show `page` of the document at `path`, with `quote` highlighted."""
        self._path = path or ""
        self._page = max(int(page or 1), 1)
        self._highlight = ""
        quote = quote or ""
        self._show_notice("")
        self._stop_search()
        name = Path(self._path).name if self._path else ""
        self.title_label.setText(title or name or "Untitled")
        self.title_label.setToolTip(self._path)
        self.place_label.setText(place_words(page_unit, page_label, self._page))
        exists = bool(self._path) and os.path.isfile(self._path)
        self.open_button.setEnabled(exists)
        self.open_button.setToolTip(
            f"Open {name} in your usual viewer" if exists else "The file is no longer there"
        )

        notice = ""
        if (format or "").lower() == "pdf":
            if not exists:
                notice = f"The file is no longer at {self._path}; showing the text Longread stored."
            else:
                problem = self._load_pdf(self._path)
                if problem is None and self._page > self.document.pageCount():
                    problem = (
                        f"{name} now has {self.document.pageCount()} pages, fewer than when "
                        "Longread read it"
                    )
                if problem is None:
                    self._show_pdf_page(self._page - 1, quote)
                    return
                notice = (
                    f"Longread could not show {name}: {problem}; showing the text Longread stored."
                )
        self._show_text_page(page_text, quote, notice)

    def current_page(self) -> int:
        """The 1-based page now shown."""
        if self.stack.currentWidget() is self.pdf_view and self.document is not None:
            return self.pdf_view.pageNavigator().currentPage() + 1
        return self._page

    def highlighted_text(self) -> str:
        """The text now highlighted ('' if none)."""
        return self._highlight

    def notice_text(self) -> str:
        """The notice shown above the page ('' if none)."""
        return self.notice.text() if not self.notice.isHidden() else ""

    @_guarded
    def open_in_viewer(self) -> None:
        """Open the document in the system's viewer for its type."""
        if not self._path or not os.path.isfile(self._path):
            self._show_notice(f"The file is no longer at {self._path}.")
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(self._path)):
            self._show_notice(f"No app on this computer would open {Path(self._path).name}.")

    # -- PDF ------------------------------------------------------------------------------------

    def _load_pdf(self, path: str) -> str | None:
        """Load `path` unless it is the PDF already shown (and unchanged); a problem in words."""
        stat = os.stat(path)
        key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns)
        if self.document is not None and key == self._document_key:
            return None
        document = QPdfDocument(self)
        error = document.load(path)
        if error != QPdfDocument.Error.None_ or document.status() != QPdfDocument.Status.Ready:
            document.deleteLater()
            return _PDF_ERRORS.get(error, "the file could not be read")
        old = self.document
        self.document, self._document_key = document, key
        self.pdf_view.setDocument(document)
        self.search_model.setDocument(document)
        self._layout = None
        if old is not None:
            old.deleteLater()
        return None

    def _show_pdf_page(self, page: int, quote: str) -> None:
        self.stack.setCurrentWidget(self.pdf_view)
        view = self.pdf_view
        view.pageNavigator().jump(page, QPointF(), view.zoomFactor())
        self._scroll_to(page, 0.0)
        self._start_search(page, quote)

    def _start_search(self, page: int, quote: str) -> None:
        candidates = quote_candidates(quote)
        if not candidates:
            return
        # Words the page's own text layer holds are searched for first; the others follow in
        # case the PDF search reads the text differently.
        on_page = _squash(self.document.getAllText(page).text())
        found = [c for c in candidates if _squash(c) in on_page]
        self._candidates = found + [c for c in candidates if c not in found]
        self._search_page = page
        self._candidate = -1
        self._next_candidate()

    def _next_candidate(self) -> None:
        self._candidate += 1
        if self._candidate >= len(self._candidates):
            self._candidates = []
            self._show_notice("The quoted words could not be found on this page.")
            return
        self._hit = -1
        self.pdf_view.setCurrentSearchResultIndex(-1)
        # The model resets its results at once but says "Searching" only when it starts, so a
        # "Finished" counts only once this search has been seen running.
        self._search_running = self.search_model.status() == QPdfSearchModel.Status.Searching
        self.search_model.setSearchString(self._candidates[self._candidate])

    def _stop_search(self) -> None:
        self._candidates, self._candidate, self._hit = [], -1, -1
        self.pdf_view.setCurrentSearchResultIndex(-1)
        if self.search_model.searchString():
            self.search_model.setSearchString("")

    @_guarded
    def _on_results(self, _parent=None, first: int = 0, last: int = -1) -> None:
        if not self._candidates or self._hit >= 0:
            return
        for index in range(first, last + 1):
            link = self.search_model.resultAtIndex(index)
            if link.page() == self._search_page:
                self._select_hit(index, link)
                return

    @_guarded
    def _on_search_status(self, *_args) -> None:
        status = self.search_model.status()
        if status == QPdfSearchModel.Status.Searching:
            self._search_running = True
        elif status == QPdfSearchModel.Status.Finished and self._search_running:
            self._search_running = False
            if self._candidates and self._hit < 0:
                self._next_candidate()

    def _select_hit(self, index: int, link: QPdfLink) -> None:
        self._hit = index
        self._candidates = []
        self.pdf_view.setCurrentSearchResultIndex(index)
        rects = link.rectangles()
        self._highlight = self._result_text(index, link) or self.search_model.searchString()
        self._scroll_to_rects(link.page(), rects)

    def _result_text(self, index: int, link: QPdfLink) -> str:
        """The words of the page that search result `index` marks, as the page's text has them."""
        before = sum(
            1 for i in range(index) if self.search_model.resultAtIndex(i).page() == link.page()
        )
        words = self.search_model.searchString().split()
        pattern = r"\s+".join(re.escape(word) for word in words)
        text = self.document.getAllText(link.page()).text()
        matches = list(re.finditer(pattern, text, flags=re.IGNORECASE)) if words else []
        if before < len(matches):
            return " ".join(matches[before].group().split())
        return ""

    def _scroll_to_rects(self, page: int, rects) -> None:
        layout = self._pdf_layout()
        if not rects or layout is None:
            return
        top = min(r.top() for r in rects)
        bottom = max(r.bottom() for r in rects)
        scale = layout.scales[page]
        view_h = self.pdf_view.viewport().height() / scale  # in PDF points
        page_h = layout.heights[page] / scale
        if bottom <= view_h * 0.85:
            y = 0.0  # the quote is in view with the top of its page: keep the page's start
        else:
            y = top - view_h * ABOVE_QUOTE
            # Keep the cited page where the viewer counts its current page (40% down the view).
            y = min(y, page_h - view_h * 0.4 - 2 / scale)
        self._scroll_to(page, max(y, 0.0))

    def _pdf_layout(self) -> _PdfLayout | None:
        if self.document is None:
            return None
        width = self.pdf_view.viewport().width()
        if self._layout is None or self._layout_width != width:
            self._layout = _PdfLayout(self.pdf_view, self.document)
            self._layout_width = width
        return self._layout if self._layout.valid else None

    def _scroll_to(self, page: int, y_points: float) -> None:
        """Put (page, y_points) at the top of the PDF view; remembered across resizes."""
        self._anchor = (page, y_points)
        layout = self._pdf_layout()
        if layout is None or page >= len(layout.tops):
            return
        self._restoring = True
        try:
            self.pdf_view.verticalScrollBar().setValue(layout.position(page, y_points))
        finally:
            self._restoring = False

    @_guarded
    def _on_scrolled(self, value: int) -> None:
        if self._restoring:
            return
        layout = self._pdf_layout()
        if layout is not None and layout.tops:
            self._anchor = layout.place(value)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # QPdfView keeps the same pixel offset when its width changes, which lands elsewhere in
        # the document; the place the user was looking at is put back once it has laid out.
        if watched is self.pdf_view.viewport() and event.type() == QEvent.Type.Resize:
            self._restoring = True
            QTimer.singleShot(0, self._restore_anchor)
        return super().eventFilter(watched, event)

    @_guarded
    def _restore_anchor(self) -> None:
        self._restoring = False
        if self._anchor is not None and self.document is not None:
            self._scroll_to(*self._anchor)

    # -- stored text ----------------------------------------------------------------------------

    def _show_text_page(self, page_text: str | None, quote: str, notice: str) -> None:
        self.stack.setCurrentWidget(self.text_view)
        text = (page_text or "").replace("\r\n", "\n").replace("\r", "\n")
        self.text_view.setExtraSelections([])
        if not text.strip():
            self.text_view.setPlainText("")
            self.text_view.setPlaceholderText("Longread has no stored text for this page.")
            self._show_notice(notice)
            return
        self.text_view.setPlainText(text)
        span = find_quote(text, quote)
        if span is None:
            if quote.strip():
                notice = " ".join(
                    filter(None, [notice, "The quoted words could not be found on this page."])
                )
            self._show_notice(notice)
            return
        self._show_notice(notice)
        start, end = _utf16_length(text[: span[0]]), _utf16_length(text[: span[1]])
        cursor = QTextCursor(self.text_view.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        selection = QTextEdit.ExtraSelection()
        selection.cursor = cursor
        selection.format = QTextCharFormat()
        selection.format.setBackground(QColor(HIGHLIGHT_BACKGROUND))
        selection.format.setForeground(QColor(HIGHLIGHT_TEXT))
        self.text_view.setExtraSelections([selection])
        self._highlight = text[span[0] : span[1]]
        caret = QTextCursor(self.text_view.document())
        caret.setPosition(start)
        self.text_view.setTextCursor(caret)
        self.text_view.ensureCursorVisible()
        QTimer.singleShot(0, lambda: self._center_text(start))

    @_guarded
    def _center_text(self, position: int) -> None:
        """Scroll the stored text so the quote sits near the top third of the view."""
        if self.stack.currentWidget() is not self.text_view:
            return
        caret = QTextCursor(self.text_view.document())
        caret.setPosition(min(position, self.text_view.document().characterCount() - 1))
        rect = self.text_view.cursorRect(caret)
        height = self.text_view.viewport().height()
        if rect.top() < 0 or rect.bottom() > height * 0.8:
            bar = self.text_view.verticalScrollBar()
            bar.setValue(bar.value() + rect.top() - int(height * ABOVE_QUOTE))

    # -- the rest -------------------------------------------------------------------------------

    def _show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    @_guarded
    def _on_close(self) -> None:
        self._stop_search()
        self.hide()
        self.closed.emit()
