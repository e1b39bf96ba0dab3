"""The library commands: extract, add, list, remove and search."""

from __future__ import annotations

import json
import sys
import threading

from core.cli.exits import EXIT_FAILED, EXIT_OK
from core.cli.progress import with_progress


def open_library(args):
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
    with open_library(args) as library:
        report = with_progress(
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


def cmd_list(args) -> int:
    from core.documents.models import count_pages

    with open_library(args) as library:
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
    with open_library(args) as library:
        info = library.remove(args.document)
    print(f"Removed “{info.title}” ({info.path}).")
    return EXIT_OK


def cmd_search(args) -> int:
    import shutil
    import textwrap
    from pathlib import Path

    from core.errors import LibraryError

    query = " ".join(args.query)
    with open_library(args) as library:
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
