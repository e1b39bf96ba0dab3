"""`longread`: the command line. With no command it opens the window.

Heavy libraries are imported inside the commands that need them, so `longread --help` is instant.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading

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
    ask.add_argument(
        "--mode",
        choices=["auto", "direct", "rag", "recursive"],
        default="auto",
        help="how to answer (default: auto, which explains its choice)",
    )
    ask.add_argument("--model", metavar="SPEC", help="the model (default: from the settings)")
    ask.add_argument("--device", choices=["auto", "cuda", "mps", "cpu"], help="device to use")
    ask.add_argument("--backend", choices=["transformers", "llamacpp"], help="local runtime")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--max-tokens", type=int, default=384, help="longest answer, in tokens")

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
    thread = threading.Thread(target=target, name="longread-work")
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.1)
    except KeyboardInterrupt:
        print("\nStopping…", file=sys.stderr)
        cancel.set()
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


def cmd_ask(args) -> int:
    import contextlib
    import tempfile

    from core.library import Library
    from core.llm import get_backend
    from core.modes import Request, ask
    from core.settings import Settings

    settings = Settings.load()
    cancel = threading.Event()
    with contextlib.ExitStack() as stack:
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
        if not infos:
            return _error("there are no documents to ask about. Give a file, or add some first.")
        documents = [library.get(info.id) for info in {i.id: i for i in infos}.values()]
        backend = _with_progress(
            lambda on_progress: get_backend(
                args.model or settings.model,
                device=args.device or settings.device,
                backend=args.backend,
                on_progress=on_progress,
            ),
            cancel,
            title="Loading the model",
        )
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
    for n, c in enumerate(answer.citations, start=1):
        quote = c.quote if len(c.quote) <= 160 else c.quote[:157] + "…"
        print(f"  [{n}] {c.title}, {c.page_unit} {c.page_label}: “{quote}”")
    if not answer.citations:
        print("  (no passage of the documents contains this answer's words)")
    print(f"\nmode: {answer.mode} — {answer.reason}")
    if not answer.complete:
        print("The answer is incomplete: it was stopped before the end.")
    return EXIT_OK


COMMANDS = {
    "ask": cmd_ask,
    "add": cmd_add,
    "search": cmd_search,
    "models": cmd_models,
    "list": cmd_list,
    "remove": cmd_remove,
    "extract": cmd_extract,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--parser-worker"]:  # the frozen app, started as its own document reader
        from core.documents.worker import serve

        serve(int(argv[1]) if len(argv) > 1 and argv[1] != "0" else None)
        return EXIT_OK
    if argv[:1] == ["--sandbox-worker"]:  # the frozen app, started as the recursive mode's REPL
        from core.sandbox.child import serve as serve_sandbox

        serve_sandbox()
        return EXIT_OK
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # Our own progress bars only: no download bars or advice from the model libraries.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
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
