"""The evaluations: `eval niah` (needle in a haystack) and `eval qa` (answer quality)."""

from __future__ import annotations

import json
import sys
import threading

from core.cli.exits import EXIT_FAILED, EXIT_OK, error
from core.cli.progress import cell_progress, with_progress


def cmd_eval(args) -> int:
    return {"niah": _eval_niah, "qa": _eval_qa}[args.evaluation](args)


def _eval_niah(args) -> int:
    from core import cli  # `cli._backend` looked up now, so a test can stand in a loaded model
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
    backend = cli._backend(args, cancel)
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
    report = with_progress(
        lambda on_progress: niah.run(
            backend,
            modes=modes,
            lengths=lengths,
            depths=depths,
            needle=needle,
            haystack=haystack,
            max_new_tokens=args.max_tokens,
            on_progress=cell_progress(),
            cancel=cancel,
        ),
        cancel,
        bar=False,
    )
    return _show_evaluation(args, report, "Heat map", niah.plot, niah.grid)


def _eval_qa(args) -> int:
    from core import cli  # `cli._backend` looked up now, so a test can stand in a loaded model
    from core.eval import qa

    # The questions and their documents first: a bad line or file is reported before the
    # model loads.
    questions = qa.select(qa.load_questions(args.file), type=args.type, limit=args.limit)
    modes = list(qa.ALL) if args.mode == "all" else [args.mode]
    cancel = threading.Event()
    searching = args.retrieval_only or any(m in ("rag", "auto") for m in modes)
    with qa.Corpus(questions, searching=searching, folder=args.library) as corpus:
        files = len(corpus.files)
        print(f"Reading {files} document{'s' * (files != 1)}…", file=sys.stderr)
        try:
            with_progress(
                lambda on_progress: corpus.read(on_progress=on_progress, cancel=cancel),
                cancel,
                title="Reading",
            )
        except InterruptedError:
            return error("stopped before the documents were read.")
        if args.retrieval_only:
            from core.eval import retrieval

            report = retrieval.run(questions, corpus, source=args.file, cancel=cancel)
            return _show_evaluation(args, report, "Chart", None, retrieval.tables)
        backend = cli._backend(args, cancel)
        total = len(questions) * len(modes)
        print(
            f"Question answering: {total} answers ({len(questions)} question"
            f"{'s' * (len(questions) != 1)} × {len(modes)} mode{'s' * (len(modes) != 1)}). "
            "Ctrl+C stops and shows what ran.",
            file=sys.stderr,
        )
        report = with_progress(
            lambda _on_progress: qa.run(
                backend,
                questions,
                corpus,
                modes=modes,
                source=args.file,
                max_new_tokens=args.max_tokens,
                on_progress=cell_progress(),
                cancel=cancel,
            ),
            cancel,
            bar=False,
        )
    return _show_evaluation(args, report, "Bar chart", qa.plot, qa.tables)


def _show_evaluation(args, report, chart: str, plot, text) -> int:
    """An evaluation's report: the chart asked for, then JSON or the tables; exit 1 if the
    user stopped it before the end."""
    if args.plot and plot is not None:
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
