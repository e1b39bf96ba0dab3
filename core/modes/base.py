"""What every answer mode takes and returns."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from core.documents.models import Document

TokenCallback = Callable[[str], None]
ProgressCallback = Callable[[int, int, str], None]

MODES = ("direct", "rag", "recursive")


@dataclass(frozen=True)
class Citation:
    """A place in a document that supports an answer: the exact span it quotes."""

    doc_id: int | None
    title: str
    page: int  # 1-based page (or chapter, block) number
    page_label: str  # the label a viewer shows ("iv", "12", "rows 2–41")
    page_unit: str  # "page", "chapter", ...
    start: int  # the quote's span in Document.text
    end: int
    quote: str

    def to_json(self) -> dict:
        return {
            "doc": self.doc_id,
            "title": self.title,
            "page": self.page,
            "page_label": self.page_label,
            "page_unit": self.page_unit,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
        }


@dataclass
class Answer:
    text: str
    citations: list[Citation]
    mode: str  # "direct", "rag" or "recursive"
    reason: str  # why this mode was used, in words a user understands
    trace: list[dict] = field(default_factory=list)  # steps: prompts' sizes, sub-calls, ...
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    complete: bool = True  # False when a limit or a cancel cut the work short
    # False when the model's answer was not supported by the documents and is not shown: the
    # text then says nothing was found, and the citations are the passages nearest the question.
    supported: bool = True

    def to_json(self) -> dict:
        return {
            "answer": self.text,
            "mode": self.mode,
            "reason": self.reason,
            "complete": self.complete,
            "supported": self.supported,
            "citations": [c.to_json() for c in self.citations],
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "trace": self.trace,
        }


@dataclass(frozen=True)
class Turn:
    """An earlier question of the conversation and the answer shown for it."""

    question: str  # as the user asked it
    answer: str
    searched: str = ""  # its stand-alone form, where it was rewritten

    @classmethod
    def from_json(cls, data: dict) -> Turn:
        return cls(
            str(data.get("question", "")),
            str(data.get("answer", "")),
            str(data.get("searched", "")),
        )

    def to_json(self) -> dict:
        return {"question": self.question, "answer": self.answer, "searched": self.searched}


@dataclass
class Request:
    """One question about a selection of documents, and how to report on the work."""

    question: str
    documents: list[Document]  # the selected documents, with their text
    library: object | None = None  # core.library.Library, for rag's search; None if ad hoc
    max_new_tokens: int = 384
    on_token: TokenCallback | None = None
    on_progress: ProgressCallback | None = None
    cancel: threading.Event | None = None
    # The conversation so far, oldest first. `question` is then its stand-alone form (what is
    # searched and checked: core.modes.followup) and `asked` the words the user typed.
    history: list[Turn] = field(default_factory=list)
    asked: str = ""

    @property
    def doc_ids(self) -> list[int]:
        return [d.id for d in self.documents if d.id is not None]

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def generate(self, backend, messages: list[dict], stop: list[str] | None = None) -> str:
        """The model's answer to `messages`, streamed to `on_token` as it comes; it ends at
        the first of the `stop` strings (not included)."""
        pieces: list[str] = []
        for piece in backend.stream(
            messages, max_new_tokens=self.max_new_tokens, stop=stop, cancel=self.cancel
        ):
            pieces.append(piece)
            if self.on_token is not None:
                self.on_token(piece)
        return "".join(pieces).strip()

    def progress(self, done: int, total: int, message: str) -> None:
        if self.on_progress is not None:
            self.on_progress(done, total, message)


class Stopwatch:
    """Timings for an answer: `with watch("prefill"): ...` adds the seconds to timings."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._start = time.perf_counter()

    def __call__(self, name: str):
        watch = self

        class _Span:
            def __enter__(self):
                self.t = time.perf_counter()

            def __exit__(self, *exc):
                watch.timings[name] = watch.timings.get(name, 0.0) + time.perf_counter() - self.t

        return _Span()

    def total(self) -> dict[str, float]:
        return {**self.timings, "total": time.perf_counter() - self._start}
