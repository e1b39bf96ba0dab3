"""Check dev.jsonl against the documents as Longread reads them.

    .venv/bin/python bench/eval/check_dev.py [QUESTIONS.jsonl]

For every question: the fields are there, its documents exist and can be read, its evidence
pages exist in them, and, for a "fact" or "table" question, the gold answer (or one of its
alternatives) is found in the text of its evidence pages, scored the way `longread eval qa`
scores an answer; an "unanswerable" question has the answer null and no evidence pages.
Then a table per document: format, pages, words, tokens (words x 1.3) and questions per type.
Exits 1 when something is wrong. Reads documents only; runs no model.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

TYPES = ("fact", "multihop", "table", "whole", "unanswerable", "followup")


def main(argv: list[str]) -> int:
    from core.documents import load
    from core.eval.qa import grade

    source = Path(argv[0]) if argv else HERE / "dev.jsonl"
    problems: list[str] = []
    documents: dict[str, object] = {}
    per_document: dict[str, Counter] = defaultdict(Counter)
    seen: set[str] = set()

    def document(name: str):
        if name not in documents:
            documents[name] = load(source.parent / name)
        return documents[name]

    lines = source.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        item = json.loads(line)
        ident = item.get("id", f"line {number}")
        for name in ("id", "documents", "question", "answer", "evidence_pages", "type"):
            if name not in item:
                problems.append(f"{ident}: no “{name}”")
        if ident in seen:
            problems.append(f"{ident}: the id is used twice")
        seen.add(ident)
        if item.get("type") not in TYPES:
            problems.append(f"{ident}: type “{item.get('type')}” is not one of {TYPES}")
        docs = [document(d) for d in item["documents"]]
        for d in item["documents"]:
            per_document[d][item.get("type")] += 1
        pages = item.get("evidence_pages", [])
        texts = []
        for page in pages:
            found = [p.text for doc in docs for p in doc.pages if p.number == page]
            if not found:
                problems.append(f"{ident}: no page {page}")
            texts += found
        gold = item["answer"] if isinstance(item["answer"], list) else [item["answer"]]
        if (item.get("type") == "unanswerable") != (item["answer"] is None) or (
            item["answer"] is None and pages
        ):
            problems.append(f"{ident}: only an unanswerable question has the answer null")
        elif item["answer"] is None:
            pass
        elif item.get("choices"):
            letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[: len(item["choices"])]
            if not all(str(g) in letters for g in gold):
                problems.append(f"{ident}: a multiple-choice answer must be a letter")
        elif item.get("type") in ("fact", "table"):
            right, _ = grade("\n".join(texts), gold)
            if not right:
                problems.append(f"{ident}: the answer {gold} is not on pages {pages}")

    print(
        f"{len(seen)} questions: "
        + ", ".join(f"{t} {sum(c[t] for c in per_document.values())}" for t in TYPES)
    )
    print()
    header = ["document", "format", "pages", "words", "~tokens", *TYPES]
    rows = []
    for name, counts in per_document.items():
        doc = documents[name]
        words = sum(len(p.text.split()) for p in doc.pages)
        rows.append(
            [
                Path(name).name,
                doc.format,
                f"{len(doc.pages)} {doc.page_unit}s",
                f"{words:,}",
                f"{round(words * 1.3):,}",
                *(str(counts[t]) for t in TYPES),
            ]
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    for problem in problems:
        print("problem:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
