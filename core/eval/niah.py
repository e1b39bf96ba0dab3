"""Needle in a haystack: how well a model finds one planted fact, by text length and depth.

A needle sentence is planted at depths 0–100 % of haystacks of chosen lengths (in the model's
tokens); each haystack is asked the needle's question in each chosen mode, and a cell passes
when the answer contains the needle's key fact. Users run it to see how far their model, on
their machine, can be trusted in each mode.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.eval.haystack import Haystack, Planted, page_text

# Sized for the bundled model on a 2-core CPU: `--mode all` took 24 min with a 16k row as well
# (measured on a busy machine, the 16k row alone 9.6 min of recursive mode); without it ~15 min.
# 8,000 tokens is already past what direct mode can take with an 8,192-token window.
DEFAULT_LENGTHS = (1000, 2000, 4000, 8000)
DEFAULT_DEPTHS = (0, 25, 50, 75, 100)
MODES = ("direct", "rag", "recursive", "auto")
ALL = ("direct", "rag", "recursive")  # what `--mode all` runs
ANSWER_TOKENS = 64  # the question wants a name: a long answer only costs time

ProgressCallback = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Needle:
    sentence: str  # what is planted in the haystack
    question: str  # what each mode is asked
    fact: str  # a cell passes when the answer contains this (case-insensitive)

    def found_in(self, answer: str) -> bool:
        return " ".join(self.fact.lower().split()) in " ".join(answer.lower().split())

    def to_json(self) -> dict:
        return {"sentence": self.sentence, "question": self.question, "fact": self.fact}


DEFAULT_NEEDLE = Needle(
    "The harbour master of Port Elling is a woman named Mirela Voss.",
    "Who is the harbour master of Port Elling?",
    "Mirela Voss",
)


@dataclass
class Cell:
    """One mode asked about one haystack."""

    mode: str
    length: int  # tokens asked for
    depth: int  # percent of the way into the haystack
    tokens: int = 0  # the haystack's real size in the model's tokens, needle included
    found: bool | None = None  # None: the cell did not run (see `skipped`)
    skipped: str = ""  # why it could not run, in the user's words
    answer: str = ""
    answered_by: str = ""  # the mode that answered (auto picks one)
    needle_page: int = 0
    cited_pages: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {
            "mode": self.mode,
            "length": self.length,
            "depth": self.depth,
            "tokens": self.tokens,
            "found": self.found,
            "skipped": self.skipped or None,
            "answer": self.answer,
            "answered_by": self.answered_by or None,
            "needle_page": self.needle_page,
            "cited_pages": self.cited_pages,
            "seconds": round(self.seconds, 2),
        }


@dataclass
class Report:
    model: str
    device: str
    haystack: str  # where the haystack's text came from
    needle: Needle
    modes: list[str]
    lengths: list[int]
    depths: list[int]
    cells: list[Cell] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False  # the user stopped it before every cell ran

    def cell(self, mode: str, length: int, depth: int) -> Cell | None:
        return next(
            (c for c in self.cells if (c.mode, c.length, c.depth) == (mode, length, depth)), None
        )

    def score(self, mode: str) -> tuple[int, int]:
        """(found, ran) over the cells of `mode` that ran."""
        ran = [c for c in self.cells if c.mode == mode and c.found is not None]
        return sum(c.found for c in ran), len(ran)

    def notes(self, mode: str) -> list[str]:
        """Why cells of `mode` did not run, each reason once."""
        return list(dict.fromkeys(c.skipped for c in self.cells if c.mode == mode and c.skipped))

    def to_json(self) -> dict:
        return {
            "model": self.model,
            "device": self.device,
            "haystack": self.haystack,
            "needle": self.needle.to_json(),
            "modes": self.modes,
            "lengths": self.lengths,
            "depths": self.depths,
            "accuracy": {
                m: dict(zip(("found", "ran"), self.score(m), strict=True)) for m in self.modes
            },
            "seconds": round(self.seconds, 1),
            "stopped": self.stopped,
            "cells": [c.to_json() for c in self.cells],
        }


def run(
    backend,
    *,
    modes: Sequence[str] = ALL,
    lengths: Sequence[int] = DEFAULT_LENGTHS,
    depths: Sequence[int] = DEFAULT_DEPTHS,
    needle: Needle = DEFAULT_NEEDLE,
    haystack: Haystack | None = None,
    max_new_tokens: int = ANSWER_TOKENS,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> Report:
    """Ask every (length, depth) haystack in every mode; stops between cells on `cancel`.

    haystack: the text to plant the needle in (default: the built-in chronicle).
    """
    started = time.perf_counter()
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        raise ValueError(f"unknown modes {unknown}")
    haystack = haystack or Haystack.generated(backend.count_tokens, max(lengths))
    report = Report(
        getattr(backend, "name", "model"),
        getattr(backend, "device", ""),
        haystack.source,
        needle,
        list(modes),
        list(lengths),
        list(depths),
    )
    total = len(modes) * len(lengths) * len(depths)
    searching = any(m in ("rag", "auto") for m in modes)
    with _no_saved_caches(backend), _Library(searching, cancel) as library:
        for length in lengths:
            for depth in depths:
                planted = haystack.plant(length, depth / 100, needle.sentence, "Haystack")
                for mode in modes:
                    if cancel is not None and cancel.is_set():
                        report.stopped = True
                        break
                    cell = Cell(mode, length, depth)
                    where = f"{mode} · {length:,} tokens · depth {depth}%"
                    if on_progress:
                        on_progress(len(report.cells), total, where)
                    _run_cell(
                        cell, planted, haystack, backend, library, needle, max_new_tokens, cancel
                    )
                    if cell.skipped == STOPPED:
                        report.stopped = True
                        break
                    report.cells.append(cell)
                    if on_progress:
                        on_progress(len(report.cells), total, f"{where}: {_outcome(cell)}")
                if report.stopped:
                    break
            if report.stopped:
                break
    report.seconds = time.perf_counter() - started
    return report


STOPPED = "stopped by you"


def answer_or_skip(request, backend, mode: str, cancel: threading.Event | None):
    """(the answer, None), or (None, why it does not count): stopped, or a Longread error
    (the documents too long for the mode, ...). An answer cut short by a stop says nothing
    about the model, so it does not count either."""
    from core.errors import LongreadError
    from core.modes import ask

    try:
        answer = ask(request, backend, mode)
    except InterruptedError:
        return None, STOPPED
    except LongreadError as e:
        return None, str(e)
    if cancel is not None and cancel.is_set():
        return None, STOPPED
    return answer, None


def _outcome(cell: Cell) -> str:
    if cell.found is None:
        return f"not run ({cell.skipped})"
    by = f", answered by {cell.answered_by}" if cell.answered_by != cell.mode else ""
    return f"{'found' if cell.found else 'missed'} in {cell.seconds:.1f} s{by}"


def _run_cell(
    cell: Cell,
    planted: Planted | None,
    haystack: Haystack,
    backend,
    library: _Library,
    needle: Needle,
    max_new_tokens: int,
    cancel: threading.Event | None,
) -> None:
    from core.errors import LongreadError
    from core.modes import Request

    if planted is None:
        cell.skipped = f"the haystack holds only {haystack.available:,} tokens"
        return
    document = planted.document
    cell.needle_page = planted.needle_page
    cell.tokens = backend.count_tokens(document.text)
    if cell.mode == "direct":
        why = _direct_cannot(backend, cell.tokens, max_new_tokens)
        if why:
            cell.skipped = why
            return
    started = time.perf_counter()
    try:
        if cell.mode in ("rag", "auto"):
            document = library.holding(planted)
        request = Request(
            question=needle.question,
            documents=[document],
            library=library.library if cell.mode in ("rag", "auto") else None,
            max_new_tokens=max_new_tokens,
            cancel=cancel,
        )
    except LongreadError as e:
        cell.skipped = str(e)
        return
    answer, cell.skipped = answer_or_skip(request, backend, cell.mode, cancel)
    if answer is None:
        return
    cell.seconds = time.perf_counter() - started
    cell.answer = answer.text
    cell.answered_by = answer.mode
    cell.found = needle.found_in(answer.text)
    cell.cited_pages = list(dict.fromkeys(c.page for c in answer.citations))


def _direct_cannot(backend, tokens: int, max_new_tokens: int) -> str:
    """Why direct mode cannot take a text of `tokens` tokens, or ""."""
    from core.modes.router import PROMPT_ROOM

    prompt = tokens + PROMPT_ROOM
    if prompt + max_new_tokens > backend.context_window:
        return (
            f"direct mode puts the whole text in the prompt, and the model's window is "
            f"{backend.context_window:,} tokens"
        )
    if not backend.fits(prompt, max_new_tokens):
        return (
            "direct mode puts the whole text in the prompt, and its KV cache would not fit in "
            "this machine's free memory"
        )
    return ""


def _no_saved_caches(backend):
    """Keep the eval's throw-away prompts out of the KV caches saved on disk: they would fill
    the size cap and push out the caches of the user's own documents."""
    cache = getattr(backend, "prefix_cache", None)
    if cache is None:  # a server: it keeps its own caches
        return contextlib.nullcontext()
    return cache.saving_paused()


class _Library:
    """A throw-away library holding the haystacks, for the modes that search (rag, auto)."""

    def __init__(self, needs: bool, cancel: threading.Event | None) -> None:
        self.needs = needs
        self.cancel = cancel
        self.library = None
        self._folder: tempfile.TemporaryDirectory | None = None
        self._held: dict[int, object] = {}  # id(planted) -> the library's copy of it
        self._added = 0

    def __enter__(self) -> _Library:
        if self.needs:
            from core.library import Library

            self._folder = tempfile.TemporaryDirectory(prefix="longread-niah-")
            self.library = Library(Path(self._folder.name) / "library")
        return self

    def __exit__(self, *exc) -> None:
        if self.library is not None:
            self.library.close()
        if self._folder is not None:
            self._folder.cleanup()

    def holding(self, planted: Planted):
        """The library's copy of `planted` (added once; passages already embedded are reused)."""
        from core.errors import LibraryError

        if id(planted) in self._held:
            return self._held[id(planted)]
        self._added += 1
        path = Path(self._folder.name) / str(self._added) / "haystack.txt"
        path.parent.mkdir()
        path.write_text(page_text(planted.document.pages), encoding="utf-8")
        report = self.library.add([path], cancel=self.cancel)
        if report.cancelled:
            raise InterruptedError("stopped")
        if not report.added:
            raise LibraryError(f"The haystack could not be added to the library: {report.failed}")
        document = self.library.get(report.added[0].id)
        self._held = {id(planted): document}  # one haystack is asked in every mode, then freed
        return document


# -- output -------------------------------------------------------------------------------------


def grid(report: Report) -> str:
    """The accuracy grids as text: per mode, rows = length, columns = depth."""
    lines = [
        f"Needle in a haystack — {report.model} on {report.device}",
        f"haystack: {report.haystack}",
        f"needle:   “{report.needle.sentence}”",
        f"question: “{report.needle.question}” — a cell passes when the answer contains "
        f"“{report.needle.fact}”",
        "",
    ]
    head = "tokens \\ depth"
    width = max(len(head), *(len(f"{n:,}") for n in report.lengths))
    for mode in report.modes:
        found, ran = report.score(mode)
        share = f" ({100 * found / ran:.0f}%)" if ran else ""
        lines.append(f"{mode}: {found} of {ran} found{share}")
        lines.append(f"  {head:>{width}}" + "".join(f"{d:>6}%" for d in report.depths))
        for length in report.lengths:
            marks = []
            for depth in report.depths:
                cell = report.cell(mode, length, depth)
                mark = "" if cell is None else "—" if cell.found is None else "✓✗"[not cell.found]
                marks.append(f"{mark:>7}")
            lines.append(f"  {length:>{width},}" + "".join(marks))
        for note in report.notes(mode):
            lines.append(f"  — {note}")
        if mode == "auto":
            used = sorted(
                {c.answered_by for c in report.cells if c.mode == "auto" and c.found is not None}
            )
            if used:
                lines.append(f"  auto answered with: {', '.join(used)}")
        lines.append("")
    lines.append("✓ found   ✗ missed   — could not run")
    minutes, seconds = divmod(round(report.seconds), 60)
    lines.append(
        f"Total time: {minutes} min {seconds:02d} s" if minutes else f"Total time: {seconds} s"
    )
    if report.stopped:
        ran = len(report.cells)
        lines.append(
            f"Stopped by you after {ran} of "
            f"{len(report.modes) * len(report.lengths) * len(report.depths)} cells."
        )
    return "\n".join(lines)


def plot(report: Report, path: str | Path) -> Path:
    """A heat map per mode (found, missed, not run) written as a PNG."""
    # matplotlib only here: it is slow to import and only this picture needs it.
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    path = Path(path)
    modes = report.modes
    figure = Figure(figsize=(1.2 + 3.2 * len(modes), 1.6 + 0.45 * len(report.lengths)), dpi=120)
    FigureCanvasAgg(figure)
    colours = ListedColormap(["#d9d9d9", "#d7301f", "#1a9850"])  # not run, missed, found
    for i, mode in enumerate(modes):
        axes = figure.add_subplot(1, len(modes), i + 1)
        values = np.zeros((len(report.lengths), len(report.depths)))
        for r, length in enumerate(report.lengths):
            for c, depth in enumerate(report.depths):
                cell = report.cell(mode, length, depth)
                values[r, c] = 0 if cell is None or cell.found is None else 1 + cell.found
                mark = "" if cell is None else "—" if cell.found is None else "✓✗"[not cell.found]
                ink = "white" if values[r, c] else "#555555"
                axes.text(c, r, mark, ha="center", va="center", color=ink, fontsize=11)
        axes.imshow(values, cmap=colours, vmin=0, vmax=2, aspect="auto")
        found, ran = report.score(mode)
        axes.set_title(f"{mode}: {found}/{ran} found", fontsize=10)
        axes.set_xticks(range(len(report.depths)), [f"{d}%" for d in report.depths])
        axes.set_yticks(range(len(report.lengths)), [f"{n:,}" for n in report.lengths])
        axes.set_xlabel("needle depth")
        if i == 0:
            axes.set_ylabel("haystack tokens")
    figure.suptitle(f"Needle in a haystack — {report.model}", fontsize=11)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path
