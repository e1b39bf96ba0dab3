"""Answering questions about documents: the `ask` and `chat` commands."""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass
from typing import Any

from core.cli.exits import EXIT_OK, error
from core.cli.library_cmds import open_library
from core.cli.progress import with_progress


def _documents(args, stack, cancel: threading.Event):
    """(library, documents): the documents the paths name, added to a library first (without
    --library, the cache of files asked about, core.library.asked; with --no-cache a throw-away
    one), or everything in the library when no path is given."""
    import tempfile

    from core.library import Library, asked

    cached = False  # the library of files asked about directly (core.library.asked)
    if args.library or not args.paths:
        library = stack.enter_context(open_library(args))
    elif getattr(args, "no_cache", False):  # a throw-away library, gone after the question
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="longread-ask-"))
        library = stack.enter_context(Library(folder))
    else:  # files asked about directly: read and embedded once, kept by content in the cache
        library, cached = stack.enter_context(asked.open_asked()), True
    if args.paths:
        report = with_progress(
            lambda on_progress: library.add(args.paths, on_progress=on_progress, cancel=cancel),
            cancel,
        )
        for _path, message in report.failed:
            print(f"longread: {message}", file=sys.stderr)
        infos = [*report.added, *report.updated, *(info for _p, info in report.unchanged)]
        if cached:
            asked.used(library, [info.id for info in infos])
    else:
        infos = library.documents()
    return library, [library.get(info.id) for info in {i.id: i for i in infos}.values()]


@dataclass
class Asking:
    """What `ask` and `chat` share, built in one place (`_prepare`): the documents, the loaded
    model, the mode and the answer's length; `answer` turns a question into the engine's request."""

    library: Any
    documents: list
    backend: Any
    mode: str
    max_new_tokens: int

    def answer(
        self, question: str, *, on_token, cancel: threading.Event, streaming: bool, history=()
    ):
        """The engine's answer to `question` after the conversation's earlier turns
        (`history`, oldest first), with a progress bar unless it is streamed."""
        from core.modes import Request, ask

        request = Request(
            question=question,
            documents=self.documents,
            library=self.library,
            max_new_tokens=self.max_new_tokens,
            on_token=on_token,
            cancel=cancel,
            history=list(history),
        )
        return with_progress(
            lambda _on_progress: ask(request, self.backend, self.mode),
            cancel,
            bar=not streaming,
            title="Answering",
        )


def _prepare(args, stack, cancel: threading.Event) -> Asking | None:
    """The documents `args` name and the model, ready for questions; None when there are no
    documents (and then no model is loaded)."""
    from core import cli  # `cli._backend` looked up now, so a test can stand in a loaded model

    library, documents = _documents(args, stack, cancel)
    if not documents:
        return None
    backend = cli._backend(args, cancel)
    return Asking(library, documents, backend, args.mode, args.max_tokens)


def _after_stream(answer) -> None:
    """Ends a streamed answer: when what streamed was set aside (not supported by the
    documents), says so and prints what stands instead."""
    print()
    checks = [step for step in answer.trace if step.get("step") == "grounding"]
    if any(not step.get("shown") for step in checks):
        print(f"(Set aside: not supported by your documents.) {answer.text}")
    elif any(step.get("shown") == "part" for step in checks):
        print(f"(Only this part is supported by your documents.) {answer.text}")


def _show_sources(answer) -> None:
    if not answer.supported and answer.citations:
        print("  Nearest passages (none of them gives the answer):")
    for n, c in enumerate(answer.citations, start=1):
        quote = " ".join(c.quote.split())  # the sentence on one line, as it reads
        quote = quote if len(quote) <= 160 else quote[:157] + "…"
        print(f"  [{n}] {c.title}, {c.page_unit} {c.page_label}: “{quote}”")
    if not answer.citations:
        print("  (no passage of the documents contains this answer's words)")


def read_history(path: str | None) -> list:
    """The earlier turns in a `--history` file: a JSON list of {"question": ..., "answer": ...}
    objects, oldest first; an answer may be the object `ask --json` prints."""
    from core.errors import HistoryFileError
    from core.modes import Turn

    if not path:
        return []
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise HistoryFileError(
            f"the history file {path} could not be read ({e.strerror})."
        ) from None
    except ValueError as e:
        raise HistoryFileError(f"the history file {path} is not valid JSON ({e}).") from None
    if not isinstance(data, list) or not all(
        isinstance(t, dict) and isinstance(t.get("question"), str) for t in data
    ):
        raise HistoryFileError(
            f"the history file {path} must be a JSON list of objects with a “question” and an "
            "“answer”, oldest first."
        )
    turns = []
    for turn in data:
        answer = turn.get("answer", "")
        if isinstance(answer, dict):  # what `ask --json` printed
            answer = answer.get("answer", "")
        turns.append(Turn(turn["question"], str(answer or ""), str(turn.get("searched") or "")))
    return turns


def _read_as(answer) -> str:
    """ "(read as: Who paid for the Eastside renovation?)" for a rewritten follow-up."""
    from core.modes.followup import searched_with

    searched = searched_with(answer.trace)
    return f"(read as: {searched})" if searched else ""


def cmd_ask(args) -> int:
    import contextlib

    history = read_history(args.history)
    cancel = threading.Event()
    with contextlib.ExitStack() as stack:
        asking = _prepare(args, stack, cancel)
        if asking is None:
            return error("there are no documents to ask about. Give a file, or add some first.")
        streaming = not args.json and sys.stdout.isatty()

        def show(piece: str) -> None:
            sys.stdout.write(piece)
            sys.stdout.flush()

        answer = asking.answer(
            args.question,
            on_token=show if streaming else None,
            cancel=cancel,
            streaming=streaming,
            history=history,
        )
    if args.json:
        json.dump(answer.to_json(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return EXIT_OK
    if not streaming:
        print(answer.text)
    else:
        _after_stream(answer)
    _show_sources(answer)
    if read_as := _read_as(answer):
        print(read_as)
    print(f"\nmode: {answer.mode} — {answer.reason}")
    if not answer.complete:
        print("The answer is incomplete: it was stopped before the end.")
    return EXIT_OK


QUIT = ("/quit", "/exit")


def _questions():
    """The user's questions, one a line, until end of input or /quit. On a terminal each is
    asked for with a prompt; piped in, each is echoed so the output reads as a conversation."""
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            try:
                line = input("\n? ")
            except EOFError:
                print()
                return
        else:
            line = sys.stdin.readline()
            if not line:
                return
        question = line.strip()
        if not question:
            continue
        if question.lower() in QUIT:
            return
        if not interactive:
            print(f"\n? {question}")
        yield question


def cmd_chat(args) -> int:
    import contextlib
    import time

    from core.errors import LongreadError

    cancel = threading.Event()
    with contextlib.ExitStack() as stack:
        asking = _prepare(args, stack, cancel)
        if asking is None:
            return error("there are no documents to talk about. Give a file, or add some first.")
        documents = asking.documents
        streaming = sys.stdout.isatty()
        titles = ", ".join(f"“{d.title}”" for d in documents[:3])
        more = f" and {len(documents) - 3} more" if len(documents) > 3 else ""
        print(
            f"Ask about {titles}{more} — one question a line; /quit or Ctrl+D ends.",
            file=sys.stderr,
        )
        last_reason = None
        history = []  # each question is read with the ones before it
        for question in _questions():
            cancel = threading.Event()  # Ctrl+C stops this answer, not the conversation
            asked = time.perf_counter()
            first: list[float] = []

            def show(piece: str, first=first, asked=asked) -> None:
                if not first:
                    first.append(time.perf_counter() - asked)
                if streaming:
                    sys.stdout.write(piece)
                    sys.stdout.flush()

            try:
                answer = asking.answer(
                    question, on_token=show, cancel=cancel, streaming=streaming, history=history
                )
            except LongreadError as e:  # this question could not be answered; the next may be
                print(f"longread: {e}", file=sys.stderr)
                continue
            if streaming:
                _after_stream(answer)
            else:
                print(answer.text)
            if not answer.complete:
                print("(stopped before the end)")
            _show_sources(answer)
            if read_as := _read_as(answer):
                print(read_as)
            history.append(_turn(question, answer))
            reason = "" if answer.reason == last_reason else f" — {answer.reason}"
            last_reason = answer.reason
            print(f"mode: {answer.mode}{reason}")
            print(_answer_stats(answer, first[0] if first else None))
    return EXIT_OK


def _turn(question: str, answer):
    from core.modes import Turn
    from core.modes.followup import searched_with

    return Turn(question, answer.text, searched_with(answer.trace))


def _answer_stats(answer, first_token_s: float | None) -> str:
    """ "first words after 0.4 s · 1,530 of 1,561 prompt tokens reused · 2.1 s in all" """
    parts = []
    if first_token_s is not None:
        parts.append(f"first words after {first_token_s:.1f} s")
    steps = [t for t in answer.trace if "reused_tokens" in t]
    if steps:
        reused = sum(t["reused_tokens"] for t in steps)
        prompt = sum(t["prompt_tokens"] for t in steps)
        parts.append(
            f"{reused:,} of {prompt:,} prompt tokens reused from before"
            if reused
            else f"{prompt:,} prompt tokens read"
        )
    parts.append(f"{answer.timings.get('total', 0.0):.1f} s in all")
    return "(" + " · ".join(parts) + ")"
