"""`longread`: the command line. With no command it opens the window.

Heavy libraries are imported inside the commands that need them, so `longread --help` is instant.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading

from core import offline

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    from core import __version__

    parser = argparse.ArgumentParser(
        prog="longread",
        description="Ask questions about your own documents, offline. "
        "With no command, opens the Longread window.",
    )
    parser.add_argument("--version", action="version", version=f"longread {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def library_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--library",
            metavar="DIR",
            help="the library folder (default: $LONGREAD_HOME/library or your user data folder)",
        )

    def answer_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--mode",
            choices=["auto", "direct", "rag", "recursive"],
            default="auto",
            help="how to answer (default: auto, which explains its choice)",
        )
        p.add_argument("--model", metavar="SPEC", help="the model (default: from the settings)")
        p.add_argument("--device", choices=["auto", "cuda", "mps", "cpu"], help="device to use")
        p.add_argument("--backend", choices=["transformers", "llamacpp"], help="local runtime")
        p.add_argument(
            "--max-tokens", type=_positive, default=384, help="longest answer, in tokens"
        )

    add = commands.add_parser("add", help="add files or folders to the library")
    library_option(add)
    add.add_argument(
        "paths", nargs="+", metavar="PATH", help="files or folders (searched recursively)"
    )
    add.add_argument("--password", help="password for protected PDFs")

    lst = commands.add_parser("list", help="list the documents in the library")
    library_option(lst)
    lst.add_argument("--json", action="store_true", help="print JSON")

    remove = commands.add_parser("remove", help="remove a document from the library")
    library_option(remove)
    remove.add_argument(
        "document", metavar="DOC_ID|PATH", help="a document's id (see `list`) or path"
    )

    search = commands.add_parser("search", help="find the passages that match a question")
    library_option(search)
    search.add_argument("query", nargs="+", metavar="QUERY", help="words or a question")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument(
        "-k", "--top", type=int, default=5, metavar="N", help="how many passages (default 5)"
    )
    search.add_argument(
        "--document",
        action="append",
        metavar="DOC_ID|PATH",
        help="search only this document (may be repeated)",
    )

    ask = commands.add_parser("ask", help="answer a question about documents")
    ask.add_argument(
        "--library",
        metavar="DIR",
        help="use this library (paths given are added to it); without it, paths are read "
        "just for this question, and with no paths the default library is used",
    )
    ask.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to ask about")
    ask.add_argument("-q", "--question", required=True, help="the question")
    answer_options(ask)
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")

    chat = commands.add_parser(
        "chat",
        help="a conversation about documents: one question per line, until /quit or end of input",
    )
    chat.add_argument(
        "--library",
        metavar="DIR",
        help="use this library (paths given are added to it); without it, paths are read "
        "just for this conversation, and with no paths the default library is used",
    )
    chat.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to talk about")
    answer_options(chat)

    evaluate = commands.add_parser("eval", help="check how well a model answers, on this machine")
    evaluations = evaluate.add_subparsers(dest="evaluation", metavar="EVALUATION", required=True)
    niah = evaluations.add_parser(
        "niah",
        help="needle in a haystack: find a planted fact at chosen depths in texts of chosen "
        "lengths",
        description="Plants a sentence (the needle) at each depth of a haystack of each length, "
        "asks for it in each mode, and prints which cells found it. Lengths are in the model's "
        "tokens; lengths beyond the model's window cannot run in direct mode.",
    )
    niah.add_argument(
        "--mode",
        choices=["all", "auto", "direct", "rag", "recursive"],
        default="all",
        help="the mode to test (default: all, which is direct, rag and recursive)",
    )
    niah.add_argument(
        "--lengths",
        type=_counts,
        default=None,
        metavar="N,N,...",
        help="haystack lengths in tokens, e.g. 1k,4k,16k (default: 1k,2k,4k,8k)",
    )
    niah.add_argument(
        "--depths",
        type=_percents,
        default=None,
        metavar="P,P,...",
        help="needle depths in percent of the haystack, e.g. 0,50,100 (default: 0,25,50,75,100)",
    )
    niah.add_argument(
        "--haystack",
        nargs="+",
        metavar="PATH",
        help="your own documents (files or folders) as the haystack (default: a generated "
        "town chronicle)",
    )
    niah.add_argument("--needle", help="the sentence to plant (with --question and --answer)")
    niah.add_argument("--question", help="the question that asks for the needle")
    niah.add_argument(
        "--answer", help="the words a correct answer contains (they must be in the needle)"
    )
    niah.add_argument("--model", metavar="SPEC", help="the model (default: from the settings)")
    niah.add_argument("--device", choices=["auto", "cuda", "mps", "cpu"], help="device to use")
    niah.add_argument("--backend", choices=["transformers", "llamacpp"], help="local runtime")
    niah.add_argument(
        "--max-tokens", type=_positive, default=64, help="longest answer, in tokens (default 64)"
    )
    niah.add_argument("--plot", type=_png, metavar="FILE.png", help="also write a heat map")
    niah.add_argument("--json", action="store_true", help="print the results as JSON")
    qa = evaluations.add_parser(
        "qa",
        help="answer quality: ask a set of questions with known answers and score the answers",
        description="Asks each question of FILE.jsonl in each mode and scores the answers. Each "
        'line is a JSON object: {"id": "q1", "documents": ["report.pdf"], "question": "…", '
        '"answer": "…" (or a number, or a list of accepted answers), "choices": ["…", "…"] '
        '(multiple choice; the answer is a letter), "evidence_pages": [4], "type": "fact"}. '
        "Document paths are relative to the file's folder. Numbers are right within 1 % "
        "(whole numbers below 10,000 exactly); texts when the gold answer's words are in the "
        "answer or their word overlap (F1) is at least 0.8.",
    )
    qa.add_argument("file", metavar="FILE.jsonl", help="the questions, one JSON object a line")
    qa.add_argument(
        "--mode",
        choices=["all", "auto", "direct", "rag", "recursive"],
        default="all",
        help="the mode to test (default: all, which is direct, rag, recursive and auto)",
    )
    qa.add_argument("--type", metavar="TYPE", help="only the questions of this type")
    qa.add_argument("--limit", type=_positive, metavar="N", help="only the first N questions")
    qa.add_argument(
        "--library",
        metavar="DIR",
        help="keep the documents in this library folder, so a later run reads nothing again "
        "(default: a throw-away library)",
    )
    qa.add_argument("--model", metavar="SPEC", help="the model (default: from the settings)")
    qa.add_argument("--device", choices=["auto", "cuda", "mps", "cpu"], help="device to use")
    qa.add_argument("--backend", choices=["transformers", "llamacpp"], help="local runtime")
    qa.add_argument(
        "--max-tokens", type=_positive, default=128, help="longest answer, in tokens (default 128)"
    )
    qa.add_argument(
        "--plot", type=_chart_png, metavar="FILE.png", help="also write a bar chart of accuracy"
    )
    qa.add_argument("--json", action="store_true", help="print every answer and the summaries")

    models = commands.add_parser("models", help="list the language models Longread can use")
    models.add_argument("--json", action="store_true", help="print JSON")
    models.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="SPEC",
        help="also describe this model (default, hf:DIR, gguf:FILE, openai:URL#NAME)",
    )
    models.add_argument("--device", choices=["auto", "cuda", "mps", "cpu"], help="device to use")

    extract = commands.add_parser("extract", help="print the pages Longread reads from a file")
    extract.add_argument("path", metavar="PATH")
    extract.add_argument("--json", action="store_true", help="print JSON")
    extract.add_argument("--password", help="password for a protected PDF")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"“{text}” is not a whole number above 0")
    return value


def _counts(text: str) -> list[int]:
    """ "1k,2k,4000" -> [1000, 2000, 4000]: token counts, each at least 100."""
    values = []
    for item in text.replace(" ", "").split(","):
        number = item.lower().removesuffix("k")
        try:
            value = int(float(number) * (1000 if number != item.lower() else 1))
        except (ValueError, OverflowError):
            raise argparse.ArgumentTypeError(
                f"“{item}” is not a length in tokens; give numbers like 1000 or 4k, "
                "separated by commas"
            ) from None
        if not 100 <= value <= 10_000_000:
            raise argparse.ArgumentTypeError(
                f"{item} tokens is not a usable length: give lengths from 100 tokens up"
            )
        values.append(value)
    return sorted(set(values))


def _percents(text: str) -> list[int]:
    """ "0,50,100" -> [0, 50, 100]: depths in percent."""
    values = []
    for item in text.replace(" ", "").replace("%", "").split(","):
        try:
            value = int(item)
        except ValueError:
            value = -1
        if not 0 <= value <= 100:
            raise argparse.ArgumentTypeError(
                f"“{item}” is not a depth: give whole percents from 0 (the start of the "
                "haystack) to 100 (its end), separated by commas"
            )
        values.append(value)
    return sorted(set(values))


def _png(text: str) -> str:
    if not text.lower().endswith(".png"):
        raise argparse.ArgumentTypeError(f"“{text}”: the heat map is a PNG; name it FILE.png")
    return text


def _chart_png(text: str) -> str:
    if not text.lower().endswith(".png"):
        raise argparse.ArgumentTypeError(f"“{text}”: the bar chart is a PNG; name it FILE.png")
    return text


def _error(message: str) -> int:
    print(f"longread: {message}", file=sys.stderr)
    return EXIT_ERROR


def _open_library(args):
    from pathlib import Path

    from core.library import Library

    return Library(Path(args.library).expanduser() if args.library else None)


def cmd_extract(args) -> int:
    from core.documents import Limits, load
    from core.documents.models import count_pages

    doc = load(args.path, password=args.password, limits=Limits.from_env())
    if args.json:
        payload = {
            "title": doc.title,
            "path": doc.path,
            "format": doc.format,
            "page_unit": doc.page_unit,
            "sha256": doc.sha256,
            "pages": [
                {
                    "number": p.number,
                    "label": p.label,
                    "start": p.start,
                    "end": p.end,
                    "text": p.text,
                }
                for p in doc.pages
            ],
        }
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return EXIT_OK
    print(f"{doc.title} — {count_pages(doc.page_unit, len(doc.pages))}, {doc.format}")
    for page in doc.pages:
        label = f" (printed “{page.label}”)" if page.label != str(page.number) else ""
        print(f"\n── {doc.page_unit} {page.number}{label} ──")
        print(page.text)
    return EXIT_OK


def cmd_add(args) -> int:
    from core.documents import Limits

    cancel = threading.Event()
    with _open_library(args) as library:
        report = _with_progress(
            lambda on_progress: library.add(
                args.paths,
                password=args.password,
                limits=Limits.from_env(),
                on_progress=on_progress,
                cancel=cancel,
            ),
            cancel,
        )
    parts = [f"{len(report.added)} added"]
    if report.updated:
        parts.append(f"{len(report.updated)} updated")
    parts.append(f"{len(report.unchanged)} unchanged")
    parts.append(f"{len(report.failed)} failed")
    if report.skipped:
        parts.append(f"{len(report.skipped)} skipped (hidden, or not a format Longread reads)")
    print(", ".join(parts) + ("; stopped before the end" if report.cancelled else "") + ".")
    for _path, message in report.failed:
        print(f"  failed: {message}", file=sys.stderr)
    return EXIT_OK if report.ok and not report.cancelled else EXIT_FAILED


def _with_progress(work, cancel: threading.Event, *, bar: bool = True, title: str = "Adding"):
    """Run `work(on_progress)` in a thread; show a progress bar on a terminal; Ctrl+C cancels."""
    result: dict = {}

    def run(on_progress) -> None:
        try:
            result["value"] = work(on_progress)
        except BaseException as e:  # re-raised in the main thread
            result["error"] = e

    if bar and sys.stderr.isatty():
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            TextColumn("[dim]{task.fields[message]}"),
            transient=True,
        ) as display:
            task = display.add_task(title, total=None, message="")

            def on_progress(done: int, total: int, message: str = "") -> None:
                display.update(task, completed=done, total=total, message=message[-60:])

            _run_cancellable(lambda: run(on_progress), cancel)
    else:
        _run_cancellable(lambda: run(None), cancel)
    if "error" in result:
        raise result["error"]
    return result["value"]


def _run_cancellable(target, cancel: threading.Event) -> None:
    """Run `target` in a thread until it ends; Ctrl+C sets `cancel` and waits for it to stop.

    The wait is on an Event, not on Thread.join: a Ctrl+C landing inside join() can leave the
    thread looking finished while it still runs (CPython before 3.13), and the caller would
    then read a result that is not there yet.
    """
    finished = threading.Event()

    def body() -> None:
        try:
            target()
        finally:
            finished.set()

    thread = threading.Thread(target=body, name="longread-work")
    thread.start()
    try:
        finished.wait()
    except KeyboardInterrupt:
        print("\nStopping…", file=sys.stderr)
        cancel.set()
        finished.wait()
    thread.join()


def cmd_list(args) -> int:
    from core.documents.models import count_pages

    with _open_library(args) as library:
        docs = library.documents()
    if args.json:
        rows = [
            {
                "id": d.id,
                "title": d.title,
                "path": d.path,
                "format": d.format,
                "pages": d.page_count,
                "page_unit": d.page_unit,
                "characters": d.char_count,
                "sha256": d.sha256,
                "added_at": d.added_at,
                "updated_at": d.updated_at,
            }
            for d in docs
        ]
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return EXIT_OK
    if not docs:
        print("The library is empty. Add documents with: longread add PATH")
        return EXIT_OK
    width = max(len(str(d.id)) for d in docs)
    for d in docs:
        pages = count_pages(d.page_unit, d.page_count)
        print(f"{d.id:>{width}}  {d.title}  ({d.format}, {pages})  {d.path}")
    return EXIT_OK


def cmd_remove(args) -> int:
    with _open_library(args) as library:
        info = library.remove(args.document)
    print(f"Removed “{info.title}” ({info.path}).")
    return EXIT_OK


def cmd_search(args) -> int:
    import shutil
    import textwrap
    from pathlib import Path

    from core.errors import LibraryError

    query = " ".join(args.query)
    with _open_library(args) as library:
        doc_ids = None
        if args.document:
            doc_ids = []
            for given in args.document:
                info = library.find(given)
                if info is None:
                    raise LibraryError(f"“{given}” is not in the library (see `longread list`).")
                doc_ids.append(info.id)
        passages = library.search(query, k=max(1, args.top), doc_ids=doc_ids)
        empty = not passages and not library.documents()
        pending = library.pending()
    if pending:
        n = len(pending)
        print(
            f"longread: {n} document{'s are' if n != 1 else ' is'} not searchable yet; "
            "`longread add` any file to index them.",
            file=sys.stderr,
        )
    if args.json:
        rows = [
            {
                "rank": rank,
                "document": p.doc_id,
                "title": p.title,
                "path": p.path,
                "page": p.page_start,
                "page_end": p.page_end,
                "page_label": p.page_label,
                "page_unit": p.page_unit,
                "start": p.start,
                "end": p.end,
                "quote": p.text,
                "score": round(p.score, 6),
                "dense_rank": p.dense_rank,
                "keyword_rank": p.keyword_rank,
                "similarity": None if p.similarity is None else round(p.similarity, 4),
            }
            for rank, p in enumerate(passages, start=1)
        ]
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return EXIT_OK
    if empty:
        print("The library is empty. Add documents with: longread add PATH")
        return EXIT_OK
    if not passages:
        print("Nothing found.")
        return EXIT_OK
    width = shutil.get_terminal_size((100, 20)).columns
    for rank, p in enumerate(passages, start=1):
        unit = "page" if p.page_unit in ("page", "page break") else p.page_unit
        where = f"{unit} {p.page_start}"
        if p.page_end != p.page_start:
            where = f"{unit}s {p.page_start}–{p.page_end}"
        if p.page_label != str(p.page_start):
            where += f" (printed “{p.page_label}”)"
        print(f"{rank}. {p.title} — {where}  [{Path(p.path).name}]")
        quote = textwrap.fill(
            f"“{' '.join(p.text.split())}”",
            width=min(width, 100),
            initial_indent="   ",
            subsequent_indent="   ",
        )
        print(quote + ("\n" if rank < len(passages) else ""))
    return EXIT_OK


def cmd_models(args) -> int:
    from core.errors import ModelError
    from core.llm.catalog import describe
    from core.settings import Settings

    settings = Settings.load()
    specs = settings.all_models() + [m for m in args.model if m not in settings.all_models()]
    rows, failed = [], False
    for spec in specs:
        try:
            row = describe(spec, args.device or settings.device)
        except ModelError as e:
            row, failed = {"spec": spec, "error": str(e)}, True
        row["selected"] = spec == settings.model
        rows.append(row)
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return EXIT_FAILED if failed else EXIT_OK
    for row in rows:
        mark = "*" if row["selected"] else " "
        if "error" in row:
            print(f"{mark} {row['spec']}: {row['error']}")
            continue
        size = f"{row['size_bytes'] / 1e6:,.0f} MB" if row.get("size_bytes") else "on the server"
        window = f"{row['context_window']:,}" if row.get("context_window") else "unknown"
        dtype = f", {row['dtype']}" if row.get("dtype") else ""
        print(f"{mark} {row['name']}  [{row['spec']}]")
        print(f"    window {window} tokens, {row['device']}{dtype}, {size}")
    return EXIT_FAILED if failed else EXIT_OK


def _documents(args, stack, cancel: threading.Event):
    """(library, documents): the documents the paths name, added to a library first (a
    throw-away one without --library), or everything in the library when no path is given."""
    import tempfile

    from core.library import Library

    if args.library or not args.paths:
        library = stack.enter_context(_open_library(args))
    else:  # ad hoc: a throw-away library, so search works without touching the user's
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="longread-ask-"))
        library = stack.enter_context(Library(folder))
    if args.paths:
        report = _with_progress(
            lambda on_progress: library.add(args.paths, on_progress=on_progress, cancel=cancel),
            cancel,
        )
        for _path, message in report.failed:
            print(f"longread: {message}", file=sys.stderr)
        infos = [*report.added, *report.updated, *(info for _p, info in report.unchanged)]
    else:
        infos = library.documents()
    return library, [library.get(info.id) for info in {i.id: i for i in infos}.values()]


def _backend(args, cancel: threading.Event):
    """The model the options name (else the settings'), loaded with a progress bar."""
    from core.llm import get_backend
    from core.settings import Settings

    settings = Settings.load()
    return _with_progress(
        lambda on_progress: get_backend(
            args.model or settings.model,
            device=args.device or settings.device,
            backend=args.backend,
            on_progress=on_progress,
        ),
        cancel,
        title="Loading the model",
    )


def _show_sources(answer) -> None:
    for n, c in enumerate(answer.citations, start=1):
        quote = c.quote if len(c.quote) <= 160 else c.quote[:157] + "…"
        print(f"  [{n}] {c.title}, {c.page_unit} {c.page_label}: “{quote}”")
    if not answer.citations:
        print("  (no passage of the documents contains this answer's words)")


def cmd_ask(args) -> int:
    import contextlib

    from core.modes import Request, ask

    cancel = threading.Event()
    with contextlib.ExitStack() as stack:
        library, documents = _documents(args, stack, cancel)
        if not documents:
            return _error("there are no documents to ask about. Give a file, or add some first.")
        backend = _backend(args, cancel)
        streaming = not args.json and sys.stdout.isatty()

        def show(piece: str) -> None:
            sys.stdout.write(piece)
            sys.stdout.flush()

        request = Request(
            question=args.question,
            documents=documents,
            library=library,
            max_new_tokens=args.max_tokens,
            on_token=show if streaming else None,
            cancel=cancel,
        )
        answer = _with_progress(
            lambda on_progress: ask(request, backend, args.mode),
            cancel,
            bar=not streaming,
            title="Answering",
        )
    if args.json:
        json.dump(answer.to_json(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return EXIT_OK
    if not streaming:
        print(answer.text)
    else:
        print()
    _show_sources(answer)
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
    from core.modes import Request, ask

    cancel = threading.Event()
    with contextlib.ExitStack() as stack:
        library, documents = _documents(args, stack, cancel)
        if not documents:
            return _error("there are no documents to talk about. Give a file, or add some first.")
        backend = _backend(args, cancel)
        streaming = sys.stdout.isatty()
        titles = ", ".join(f"“{d.title}”" for d in documents[:3])
        more = f" and {len(documents) - 3} more" if len(documents) > 3 else ""
        print(
            f"Ask about {titles}{more} — one question a line; /quit or Ctrl+D ends.",
            file=sys.stderr,
        )
        last_reason = None
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

            request = Request(
                question=question,
                documents=documents,
                library=library,
                max_new_tokens=args.max_tokens,
                on_token=show,
                cancel=cancel,
            )
            try:
                answer = _with_progress(
                    lambda _on_progress, request=request: ask(request, backend, args.mode),
                    cancel,
                    bar=not streaming,
                    title="Answering",
                )
            except LongreadError as e:  # this question could not be answered; the next may be
                print(f"longread: {e}", file=sys.stderr)
                continue
            print(answer.text if not streaming else "")
            if not answer.complete:
                print("(stopped before the end)")
            _show_sources(answer)
            reason = "" if answer.reason == last_reason else f" — {answer.reason}"
            last_reason = answer.reason
            print(f"mode: {answer.mode}{reason}")
            print(_answer_stats(answer, first[0] if first else None))
    return EXIT_OK


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


def cmd_eval(args) -> int:
    return {"niah": _eval_niah, "qa": _eval_qa}[args.evaluation](args)


def _eval_niah(args) -> int:
    from core.documents import Limits, load
    from core.errors import EvaluationError
    from core.eval import niah
    from core.eval.haystack import Haystack

    given = [args.needle, args.question, args.answer]
    if any(given) and not all(given):
        raise EvaluationError(
            "A needle of your own needs all three of --needle, --question and --answer."
        )
    needle = niah.Needle(*given) if all(given) else niah.DEFAULT_NEEDLE
    if not needle.found_in(needle.sentence):
        raise EvaluationError(
            f"The answer “{needle.fact}” is not in the needle “{needle.sentence}”, so no answer "
            "could be scored as right. Give --answer words from the needle."
        )
    lengths = args.lengths or list(niah.DEFAULT_LENGTHS)
    depths = args.depths if args.depths is not None else list(niah.DEFAULT_DEPTHS)
    modes = list(niah.ALL) if args.mode == "all" else [args.mode]
    cancel = threading.Event()
    # The haystack first: a missing or unreadable file is reported before the model loads.
    documents = []
    for path in _haystack_files(args.haystack or []):
        print(f"Reading {path}…", file=sys.stderr)
        documents.append(load(path, limits=Limits.from_env(), cancel=cancel))
    if any(needle.found_in(d.text) for d in documents):
        raise EvaluationError(
            f"Your documents already contain “{needle.fact}”, so a right answer would not show "
            "that the needle was found. Choose a needle of your own with --needle, --question "
            "and --answer."
        )
    backend = _backend(args, cancel)
    if documents:
        haystack = Haystack.of_documents(documents, backend.count_tokens, max(lengths))
        if not haystack.sentences:
            raise EvaluationError("The haystack documents hold no text to hide the needle in.")
    else:
        haystack = Haystack.generated(backend.count_tokens, max(lengths))
    total = len(modes) * len(lengths) * len(depths)
    print(
        f"Needle in a haystack: {total} cells ({len(modes)} mode{'s' * (len(modes) > 1)} × "
        f"{len(lengths)} lengths × {len(depths)} depths). Ctrl+C stops and shows what ran.",
        file=sys.stderr,
    )
    report = _with_progress(
        lambda on_progress: niah.run(
            backend,
            modes=modes,
            lengths=lengths,
            depths=depths,
            needle=needle,
            haystack=haystack,
            max_new_tokens=args.max_tokens,
            on_progress=_cell_progress(),
            cancel=cancel,
        ),
        cancel,
        bar=False,
    )
    return _show_evaluation(args, report, "Heat map", niah.plot, niah.grid)


def _eval_qa(args) -> int:
    from core.eval import qa

    # The questions and their documents first: a bad line or file is reported before the
    # model loads.
    questions = qa.select(qa.load_questions(args.file), type=args.type, limit=args.limit)
    modes = list(qa.ALL) if args.mode == "all" else [args.mode]
    cancel = threading.Event()
    searching = any(m in ("rag", "auto") for m in modes)
    with qa.Corpus(questions, searching=searching, folder=args.library) as corpus:
        files = len(corpus.files)
        print(f"Reading {files} document{'s' * (files != 1)}…", file=sys.stderr)
        try:
            _with_progress(
                lambda on_progress: corpus.read(on_progress=on_progress, cancel=cancel),
                cancel,
                title="Reading",
            )
        except InterruptedError:
            return _error("stopped before the documents were read.")
        backend = _backend(args, cancel)
        total = len(questions) * len(modes)
        print(
            f"Question answering: {total} answers ({len(questions)} question"
            f"{'s' * (len(questions) != 1)} × {len(modes)} mode{'s' * (len(modes) != 1)}). "
            "Ctrl+C stops and shows what ran.",
            file=sys.stderr,
        )
        report = _with_progress(
            lambda _on_progress: qa.run(
                backend,
                questions,
                corpus,
                modes=modes,
                source=args.file,
                max_new_tokens=args.max_tokens,
                on_progress=_cell_progress(),
                cancel=cancel,
            ),
            cancel,
            bar=False,
        )
    return _show_evaluation(args, report, "Bar chart", qa.plot, qa.tables)


def _show_evaluation(args, report, chart: str, plot, text) -> int:
    """An evaluation's report: the chart asked for, then JSON or the tables; exit 1 if the
    user stopped it before the end."""
    if args.plot:
        print(f"{chart}: {plot(report, args.plot)}", file=sys.stderr)
    if args.json:
        json.dump(report.to_json(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(text(report))
    return EXIT_FAILED if report.stopped else EXIT_OK


def _haystack_files(paths: list[str]) -> list:
    """The files named, and the readable files inside the folders named (hidden ones skipped)."""
    from pathlib import Path

    from core.documents import FORMATS
    from core.errors import EvaluationError

    files = []
    for given in paths:
        path = Path(given).expanduser()
        if not path.is_dir():
            files.append(path)
            continue
        found = sorted(
            f
            for f in path.rglob("*")
            if f.suffix.lower() in FORMATS
            and f.is_file()
            and not any(part.startswith(".") for part in f.relative_to(path).parts)
        )
        if not found:
            raise EvaluationError(f"The folder “{given}” holds no documents Longread can read.")
        files.extend(found)
    return files


def _cell_progress():
    """Progress of the needle test on stderr: each cell as it starts (on a terminal), and its
    outcome when done."""
    terminal = sys.stderr.isatty()
    seen = {"done": 0}

    def on_progress(done: int, total: int, message: str) -> None:
        if done > seen["done"]:
            seen["done"] = done
            end = "\r\x1b[K" if terminal else ""
            print(f"{end}[{done}/{total}] {message}", file=sys.stderr, flush=True)
        elif terminal:
            print(f"[{done + 1}/{total}] {message}…", end="", file=sys.stderr, flush=True)

    return on_progress


COMMANDS = {
    "ask": cmd_ask,
    "chat": cmd_chat,
    "eval": cmd_eval,
    "add": cmd_add,
    "search": cmd_search,
    "models": cmd_models,
    "list": cmd_list,
    "remove": cmd_remove,
    "extract": cmd_extract,
}


def main(argv: list[str] | None = None) -> int:
    offline.enforce()  # before any model library is imported, in every process we start
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--parser-worker"]:  # the frozen app, started as its own document reader
        from core.documents.worker import serve

        serve(int(argv[1]) if len(argv) > 1 and argv[1] != "0" else None)
        return EXIT_OK
    if argv[:1] == ["--sandbox-worker"]:  # the frozen app, started as the recursive mode's REPL
        from core.sandbox.child import serve as serve_sandbox

        serve_sandbox()
        return EXIT_OK
    args = _parser().parse_args(argv)
    if args.command is None:  # the window is started by app.entry, above this layer
        _parser().print_help()
        return EXIT_OK
    from core.errors import LongreadError

    try:
        return COMMANDS[args.command](args)
    except LongreadError as e:
        return _error(str(e))
    except KeyboardInterrupt:
        return _error("stopped.")
    except BrokenPipeError:  # `longread extract big.pdf | head`
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
