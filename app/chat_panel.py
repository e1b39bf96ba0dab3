"""The chat panel: the questions and streamed answers of one conversation, each answer with its
mode badge, citation chips and details; the question box with its mode and scope choices."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.flow_layout import FlowLayout

MODE_CHOICES = [("Auto", "auto"), ("Direct", "direct"), ("RAG", "rag"), ("Recursive", "recursive")]
SCOPE_CHOICES = [("All documents", "all"), ("Selected documents", "selected")]
MODE_WORDS = {"direct": "direct", "rag": "RAG", "recursive": "recursive"}
BADGE_COLOURS = {"direct": "#1565c0", "rag": "#6a1b9a", "recursive": "#ef6c00"}
RENDER_EVERY_MS = 50  # streamed pieces are gathered and shown this often, not one by one

# Colours come from the palette, so the light and dark themes both read well.
STYLE = """
QWidget#transcript { background: palette(base); }
QLabel#question {
    background: palette(highlight); color: palette(highlighted-text);
    border-radius: 12px; padding: 8px 12px; font-size: 14px;
}
QFrame#answer {
    background: palette(alternate-base); border: 1px solid palette(midlight);
    border-radius: 12px;
}
QFrame#answer QLabel#answerBody { font-size: 14px; }
QLabel#answerStatus { color: palette(placeholder-text); font-style: italic; }
QPushButton#chip {
    border: 1px solid palette(mid); border-radius: 10px; padding: 2px 10px;
    background: palette(button);
}
QPushButton#chip:hover { border-color: palette(highlight); }
QToolButton#detailsButton { color: palette(link); }
QLabel#details { color: palette(text); font-size: 12px; }
QFrame#welcome { background: palette(base); border-radius: 12px; }
"""


class PromptEdit(QPlainTextEdit):
    """The question box: Enter sends, Shift+Enter starts a new line."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class QuestionWidget(QLabel):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.setObjectName("question")
        self.setText(text)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAccessibleName("Your question")
        # A wrapped label in a row with a stretch shrinks to its narrowest: keep short
        # questions on one line and long ones in a readable column.
        width = self.fontMetrics().horizontalAdvance(text) + 32
        self.setMinimumWidth(min(width, 460))


class AnswerWidget(QFrame):
    """One answer: text (streamed, then Markdown), mode badge, citation chips, details, and
    Copy / Ask again."""

    citation_clicked = Signal(dict)
    ask_again = Signal(str, str)  # the question, the mode to answer it in

    def __init__(self, parent: QWidget | None = None, question: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("answer")
        self.question = question
        self.pieces: list[str] = []
        self.answer: dict | None = None
        self._progress = ""  # the step shown under streamed text (a summary's part N of M)
        self.body = QLabel()
        self.body.setObjectName("answerBody")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.PlainText)
        self.body.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.body.setOpenExternalLinks(False)
        self.body.setAccessibleName("Answer")
        self.body.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.status = QLabel("Thinking…")
        self.status.setObjectName("answerStatus")
        self.status.setWordWrap(True)

        self.badge = QLabel()
        self.badge.setObjectName("badge")
        self.badge.setVisible(False)
        # Wraps onto more lines when there are many (a summary cites a page per point).
        self.chips_box = QWidget()
        self.chips_row = FlowLayout(self.chips_box)
        self.chips: list[QPushButton] = []
        self.details_button = QToolButton()
        self.details_button.setText("Details")
        self.details_button.setObjectName("detailsButton")
        self.details_button.setCheckable(True)
        self.details_button.setAutoRaise(True)
        self.details_button.setAccessibleName("Show how this answer was made")
        self.details_button.setVisible(False)
        self.details = QLabel()
        self.details.setObjectName("details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setVisible(False)
        self.details_button.toggled.connect(self.details.setVisible)
        self.copy_button = QToolButton()
        self.copy_button.setText("Copy")
        self.copy_button.setAutoRaise(True)
        self.copy_button.setToolTip("Copy the answer and its sources as Markdown")
        self.copy_button.setAccessibleName("Copy the answer with its sources")
        self.copy_button.clicked.connect(self.copy)
        self.copy_button.setVisible(False)
        self.again_button = QToolButton()
        self.again_button.setText("Ask again")
        self.again_button.setAutoRaise(True)
        self.again_button.setToolTip("Ask this question again in another mode")
        self.again_button.setAccessibleName("Ask this question again in another mode")
        self.again_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.again_menu = QMenu(self.again_button)
        for label, value in MODE_CHOICES:
            action = self.again_menu.addAction(
                f"In {label if label == 'RAG' else label.lower()} mode"
            )
            action.setData(value)
            action.triggered.connect(
                lambda _=False, mode=value: self.ask_again.emit(self.question, mode)
            )
        self.again_button.setMenu(self.again_menu)
        self.again_button.setVisible(False)

        footer = QHBoxLayout()
        footer.setSpacing(6)
        footer.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        footer.addWidget(self.chips_box, 1)
        footer.addWidget(self.copy_button)
        footer.addWidget(self.again_button)
        footer.addWidget(self.details_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.body)
        layout.addWidget(self.status)
        layout.addLayout(footer)
        layout.addWidget(self.details)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RENDER_EVERY_MS)
        self._timer.timeout.connect(self._render_stream)

    # -- while it streams --------------------------------------------------------------------

    def add_piece(self, piece: str) -> None:
        self.pieces.append(piece)
        if not self._timer.isActive():
            self._timer.start()

    def set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def streamed_text(self) -> str:
        return "".join(self.pieces)

    def set_progress(self, message: str) -> None:
        """The step the answer is at ("Summarising part 3 of 9"), shown until it is done."""
        self._progress = message
        self.set_status(message)

    def _render_stream(self) -> None:
        self.body.setText("".join(self.pieces).lstrip())
        if self.pieces:
            self.set_status(self._progress)

    def markdown(self) -> str:
        """The answer and its sources as Markdown (what Copy puts on the clipboard)."""
        from core.library.export import answer_markdown

        text = (self.answer or {}).get("answer") or self.streamed_text()
        return answer_markdown(text, self.answer)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.markdown())
        self.copy_button.setText("Copied")
        # tied to the button: no call after the answer (and the button) are gone
        QTimer.singleShot(1500, self.copy_button, lambda: self.copy_button.setText("Copy"))

    # -- when it is done ---------------------------------------------------------------------

    def show_answer(self, answer: dict) -> None:
        """Show a finished answer (Answer.to_json(), as stored with the conversation)."""
        self._timer.stop()
        self._progress = ""
        self.answer = answer
        text = answer.get("answer") or "".join(self.pieces).strip()
        self.body.setTextFormat(Qt.TextFormat.MarkdownText)
        self.body.setText(text or "_(no answer)_")
        mode = answer.get("mode", "")
        self.badge.setText(MODE_WORDS.get(mode, mode))
        self.badge.setToolTip(answer.get("reason", ""))
        self.badge.setAccessibleName(f"Answered in {MODE_WORDS.get(mode, mode)} mode")
        colour = BADGE_COLOURS.get(mode, "#555")
        self.badge.setStyleSheet(
            f"QLabel#badge {{ background: {colour}; color: white; border-radius: 8px;"
            " padding: 1px 8px; font-size: 11px; font-weight: 600; }"
        )
        self.badge.setVisible(bool(mode))
        for n, c in enumerate(answer.get("citations", []), start=1):
            self._add_chip(n, c)
        self.details.setText(describe_trace(answer))
        self.details_button.setVisible(True)
        self.copy_button.setVisible(True)
        self.again_button.setVisible(bool(self.question))
        status = "" if answer.get("complete", True) else "Stopped before the end."
        if not answer.get("supported", True):
            status = (status + " " if status else "") + (
                "The sources are the passages nearest your question; none of them answers it."
                if answer.get("citations")
                else ""
            )
        elif not answer.get("citations") and answer.get("answer"):
            status = (status + " " if status else "") + "No passage of the documents was cited."
        self.set_status(status)

    def show_failure(self, message: str) -> None:
        self._timer.stop()
        self._render_stream()
        self.set_status(message)
        self.status.setObjectName("answerError")
        self.status.setStyleSheet("color: #c0392b;")

    def _add_chip(self, n: int, citation: dict) -> None:
        chip = QPushButton(chip_text(n, citation))
        unit = citation.get("page_unit", "page")
        chip.setObjectName("chip")
        chip.setCursor(Qt.CursorShape.PointingHandCursor)
        quote = " ".join(citation.get("quote", "").split())  # one paragraph, not PDF lines
        quote = quote if len(quote) <= 300 else quote[:297] + "…"
        chip.setToolTip(
            f"{citation.get('title', '')}, {unit} {citation.get('page_label')}\n“{quote}”"
        )
        chip.setAccessibleName(
            f"Source {n}: {citation.get('title', '')}, {unit} {citation.get('page_label')}"
        )
        chip.clicked.connect(lambda _=False, c=citation: self.citation_clicked.emit(c))
        self.chips_row.addWidget(chip)
        self.chips.append(chip)


def short_title(title: str, limit: int = 26) -> str:
    """A document's title for a chip: before its subtitle ("Harbor Town Public Library" of
    "Harbor Town Public Library: Annual Report 2023"), cut at a word to about `limit`."""
    title = " ".join((title or "").split())
    head = re.split(r"\s*(?::|\s[-–—]\s)\s*", title, maxsplit=1)[0]
    if len(head) >= 8:
        title = head
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space >= limit // 2 else cut).rstrip(" ,;:.-") + "…"


def chip_text(n: int, citation: dict) -> str:
    """ "1  Harbor Town Public Library, p. 4": the source's number, document and page."""
    from core.modes.citations import short_unit

    unit = short_unit(citation.get("page_unit", "page"))
    place = f"{unit} {citation.get('page_label') or citation.get('page')}".strip()
    title = short_title(citation.get("title", ""))
    return f"{n}  {title}, {place}" if title else f"{n}  {place}"


def _step_words(key: str, value) -> str:
    """One entry of a step, as Details lists it: "prefill s 1.06", "passages 1 (p. 4), 2 (pp.
    7-8)"."""
    name = key.replace("_", " ")
    if isinstance(value, bool):
        return f"{name}: {'yes' if value else 'no'}"
    if isinstance(value, int):
        return f"{name} {value:,}"
    if isinstance(value, float):
        return f"{name} {value:.2f}"
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        places = []
        for n, item in enumerate(value, start=1):
            page, end = item.get("page"), item.get("page_end")
            where = f"pp. {page}-{end}" if end not in (None, page) else f"p. {page}"
            places.append(f"{item.get('n', n)} ({where})" if page is not None else str(n))
        return f"{name} {', '.join(places)}"
    return f"{name}: {str(value)[:80]}"


def describe_trace(answer: dict) -> str:
    """The details an answer's "details" expander shows: why this mode, the steps, the times."""
    lines = [
        f"<b>Why {html.escape(MODE_WORDS.get(answer.get('mode', ''), ''))}:</b> "
        f"{html.escape(answer.get('reason', ''))}"
    ]
    timings = answer.get("timings") or {}
    if timings:
        parts = [f"{k} {v:.2f} s" for k, v in timings.items() if k != "total"]
        total = timings.get("total")
        lines.append(
            "<b>Time:</b> "
            + (f"{total:.1f} s in all" if total is not None else "")
            + (f" ({', '.join(parts)})" if parts else "")
        )
    steps = answer.get("trace") or []
    for step in steps:
        if step.get("step") == "model":
            lines.append(
                f"<b>Model:</b> {html.escape(str(step.get('model', '')))} "
                f"({html.escape(str(step.get('runtime', '')))}, "
                f"{html.escape(str(step.get('device', '')))})"
            )
    for step in steps:
        if step.get("step") == "follow-up" and step.get("by") != "unchanged":
            how = {"rules": "by rules", "model": "by the model"}.get(step.get("by"), "")
            resolved = f"; {step['resolved']}" if step.get("resolved") else ""
            lines.append(
                f"<b>Read as:</b> “{html.escape(str(step.get('searched_with', '')))}” "
                f"({html.escape(how + resolved)}), after the earlier turns"
            )
        elif step.get("step") == "conversation" and step.get("budget_tokens") == 0:
            lines.append(
                "<b>Conversation:</b> the earlier turns are not in the prompt: a model this "
                "small answers a follow-up better from its stand-alone form (measured)"
            )
        elif step.get("step") == "conversation":
            left_out = step.get("older_turns_left_out", 0)
            lines.append(
                f"<b>Conversation:</b> {step.get('earlier_turns_in_prompt', 0)} earlier turn(s) "
                "in the prompt"
                + (f"; {left_out} older left out to fit the model's budget" if left_out else "")
            )
    shown = ("model", "follow-up", "conversation")
    steps = [step for step in steps if step.get("step") not in shown]
    for step in steps:
        if step.get("step") == "grounding" and not step.get("shown", True):
            lines.append(
                f"<b>Not shown:</b> {html.escape(step.get('why', ''))}. The model's draft: "
                f"“{html.escape(step.get('draft', ''))}”"
            )
        elif step.get("step") == "grounding" and step.get("shown") == "part":
            lines.append(
                f"<b>Set aside:</b> “{html.escape(step.get('set_aside', ''))}”: "
                f"{html.escape(step.get('why', ''))}."
            )
    if steps:
        lines.append(f"<b>Steps:</b> {len(steps)}")
        for step in steps[:40]:
            if step.get("step") == "grounding":
                continue  # said above, in words
            words = ", ".join(_step_words(k, v) for k, v in step.items())
            lines.append("• " + html.escape(words))
        if len(steps) > 40:
            lines.append(f"… and {len(steps) - 40} more")
    return "<br>".join(lines)


class ChatPanel(QWidget):
    """Shows one conversation and takes the next question."""

    ask_requested = Signal(str, str, str)  # question, mode, scope
    ask_again = Signal(str, str)  # an earlier question, the mode to answer it in again
    model_chosen = Signal(str)  # a model spec (core.llm.spec)
    stop_requested = Signal()
    citation_clicked = Signal(dict)
    sample_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(STYLE)
        self.transcript = QWidget()
        self.transcript.setObjectName("transcript")
        self.items = QVBoxLayout(self.transcript)
        self.items.setContentsMargins(12, 12, 12, 12)
        self.items.setSpacing(10)
        self.items.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.transcript)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.verticalScrollBar().rangeChanged.connect(self._follow)
        self._at_bottom = True
        self.scroll.verticalScrollBar().valueChanged.connect(self._scrolled)

        self.welcome = self._make_welcome()

        self.prompt = PromptEdit()
        self.prompt.setPlaceholderText("Ask a question about your documents…  (Enter sends)")
        self.prompt.setAccessibleName("Question")
        self.prompt.setFixedHeight(64)
        self.prompt.submitted.connect(self._submit)
        self.send = QPushButton("Ask")
        self.send.setAccessibleName("Ask the question")
        self.send.setDefault(True)
        self.send.clicked.connect(self._send_or_stop)
        self.send.setMinimumWidth(72)
        self.mode = QComboBox()
        self.mode.setAccessibleName("Answer mode")
        self.mode.setToolTip(
            "Auto picks for each question: direct when the documents fit the model's window, "
            "RAG for facts in long documents, recursive for questions about the whole text."
        )
        for label, value in MODE_CHOICES:
            self.mode.addItem(label, value)
        self.scope = QComboBox()
        self.scope.setAccessibleName("Documents to ask about")
        for label, value in SCOPE_CHOICES:
            self.scope.addItem(label, value)

        # The model that answers, in sight and switchable from the chat bar.
        self.model = QComboBox()
        self.model.setAccessibleName("Model that answers")
        self.model.setToolTip("The model that answers. Get more under File → Models…")
        self.model.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.model.activated.connect(
            lambda index: self.model_chosen.emit(str(self.model.itemData(index)))
        )

        options = QHBoxLayout()
        model_label = QLabel("Model:")
        model_label.setBuddy(self.model)
        options.addWidget(model_label)
        options.addWidget(self.model)
        options.addSpacing(12)
        options.addWidget(QLabel("Mode:"))
        options.addWidget(self.mode)
        options.addSpacing(12)
        options.addWidget(QLabel("Ask about:"))
        options.addWidget(self.scope)
        options.addSpacing(12)
        # What the conversation is about, in words: "About: 3 documents".
        self.about = QLabel("")
        self.about.setObjectName("about")
        self.about.setAccessibleName("Documents this conversation is about")
        options.addWidget(self.about)
        options.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.prompt, 1)
        row.addWidget(self.send)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.welcome, 1)
        layout.addWidget(self.scroll, 1)
        layout.addLayout(options)
        layout.addLayout(row)
        self.answering = False
        self.current: AnswerWidget | None = None
        self.show_welcome(True)

    def _make_welcome(self) -> QWidget:
        box = QFrame()
        box.setObjectName("welcome")
        title = QLabel("<h2>Ask your documents</h2>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome_text = text = QLabel()
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sample_button = QPushButton("Try the sample document")
        self.sample_button.setAccessibleName("Add the sample document to try Longread")
        self.sample_button.clicked.connect(self.sample_requested)
        layout = QVBoxLayout(box)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addSpacing(12)
        layout.addWidget(self.sample_button, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(2)
        return box

    def show_welcome(self, on: bool, documents: int = 0) -> None:
        """The empty conversation: how to start, and the sample to try when the library is
        empty; a prompt to ask once it has documents (being added or ready)."""
        if documents:
            self.welcome_text.setText(
                f"Ask a question below about your {documents:,} document"
                f"{'s' if documents != 1 else ''}, or choose some in the list and ask about "
                "“Selected documents”.<br><br>Each answer shows the pages it comes from; click "
                "one to see it. Documents still being indexed can be asked about once they are "
                "ready."
            )
        else:
            self.welcome_text.setText(
                "Drop PDFs, Word files, books or notes anywhere on this window, or use "
                "<b>Add files…</b>. Everything stays on this computer.<br><br>"
                "Then ask a question below: each answer shows the pages it comes from."
            )
        self.sample_button.setVisible(not documents)
        self.welcome.setVisible(on)
        self.scroll.setVisible(not on)

    # -- the conversation --------------------------------------------------------------------

    def clear(self) -> None:
        while self.items.count() > 1:
            widget = self.items.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.current = None

    def add_question(self, text: str) -> QuestionWidget:
        widget = QuestionWidget(text)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(80, 0, 0, 0)  # the user's side of the conversation
        line.addStretch(1)
        line.addWidget(widget)
        self.items.insertWidget(self.items.count() - 1, row)
        self._at_bottom = True
        return widget

    def add_answer(self, question: str = "") -> AnswerWidget:
        widget = AnswerWidget(question=question)
        widget.citation_clicked.connect(self.citation_clicked)
        widget.ask_again.connect(self.ask_again)
        self.items.insertWidget(self.items.count() - 1, widget)
        self._at_bottom = True
        return widget

    def show_messages(self, messages) -> None:
        """Show a stored conversation (core.library.conversations.Message list)."""
        self.clear()
        question = ""
        for message in messages:
            if message.role == "user":
                self.add_question(message.text)
                question = message.text
            else:
                widget = self.add_answer(question)
                widget.show_answer(message.answer or {"answer": message.text})
        self.show_welcome(False)

    def set_models(self, models: list[tuple[str, str]], current: str) -> None:
        """The models to choose from, as (label, spec), with `current` shown."""
        self.model.blockSignals(True)
        self.model.clear()
        for label, spec in models:
            self.model.addItem(label, spec)
        index = self.model.findData(current)
        self.model.setCurrentIndex(max(index, 0))
        self.model.blockSignals(False)

    def answers(self) -> list[AnswerWidget]:
        found = []
        for i in range(self.items.count()):
            widget = self.items.itemAt(i).widget()
            if isinstance(widget, AnswerWidget):
                found.append(widget)
        return found

    # -- asking ------------------------------------------------------------------------------

    def set_answering(self, on: bool) -> None:
        self.answering = on
        self.send.setText("Stop" if on else "Ask")
        self.send.setAccessibleName("Stop the answer" if on else "Ask the question")
        self.send.setToolTip("Stop (Esc)" if on else "Ask (Enter)")

    def _send_or_stop(self) -> None:
        if self.answering:
            self.stop_requested.emit()
        else:
            self._submit()

    def _submit(self) -> None:
        question = self.prompt.toPlainText().strip()
        if not question or self.answering:
            return
        self.prompt.clear()
        self.ask_requested.emit(question, self.mode.currentData(), self.scope.currentData())

    def _scrolled(self, value: int) -> None:
        bar = self.scroll.verticalScrollBar()
        self._at_bottom = value >= bar.maximum() - 24

    def _follow(self, _min: int, maximum: int) -> None:
        # While an answer streams, keep the newest words in view unless the user scrolled up.
        if self._at_bottom:
            self.scroll.verticalScrollBar().setValue(maximum)
