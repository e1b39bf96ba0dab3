"""Retrieval measured on its own (`longread eval qa --retrieval-only`): for each question with
evidence pages, does the library's search put an evidence page among its first 5 and 10
passages? No model runs, so a change to search or chunking is judged without the generator's
noise.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

KS = (5, 10)


@dataclass
class Hit:
    """One question's search: where its evidence pages came among the passages found."""

    id: str
    type: str
    evidence_pages: list[int]
    pages: list[list[int]] = field(default_factory=list)  # each passage's pages, best first
    first: int | None = None  # rank (1-based) of the first passage on an evidence page
    seconds: float = 0.0

    def found(self, k: int) -> bool:
        """An evidence page among the first k passages."""
        return self.first is not None and self.first <= k

    def all_found(self, k: int) -> bool:
        """Every evidence page among the first k passages (a multihop question needs both)."""
        covered = {p for pages in self.pages[:k] for p in pages}
        return set(self.evidence_pages) <= covered

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "type": self.type,
            "evidence_pages": self.evidence_pages,
            "first_evidence_rank": self.first,
            "passage_pages": self.pages,
            "seconds": round(self.seconds, 4),
        }


@dataclass
class RetrievalReport:
    source: str
    hits: list[Hit] = field(default_factory=list)
    skipped: int = 0  # questions without evidence pages
    stopped: bool = False

    def types(self) -> list[str]:
        return list(dict.fromkeys(h.type for h in self.hits))

    def recall(self, k: int, type: str | None = None, *, every: bool = False) -> tuple[int, int]:
        """(questions with an evidence page in the first k, questions): `every` asks for all
        of each question's evidence pages."""
        rows = [h for h in self.hits if type is None or h.type == type]
        found = sum((h.all_found(k) if every else h.found(k)) for h in rows)
        return found, len(rows)

    def to_json(self) -> dict:
        summary = {
            (t or "all"): {
                **{f"recall@{k}": _share_json(self.recall(k, t)) for k in KS},
                **{f"all_pages@{k}": _share_json(self.recall(k, t, every=True)) for k in KS},
            }
            for t in [None, *self.types()]
        }
        return {
            "source": self.source,
            "summary": summary,
            "skipped_without_evidence": self.skipped,
            "stopped": self.stopped,
            "questions": [h.to_json() for h in self.hits],
        }


def _share_json(pair: tuple[int, int]) -> dict:
    found, total = pair
    return {"found": found, "questions": total, "share": round(found / total, 3) if total else None}


def run(
    questions: Sequence,
    corpus,
    *,
    source: str = "",
    on_progress=None,
    cancel: threading.Event | None = None,
) -> RetrievalReport:
    """Search for every question (core.eval.qa.Question) in its own documents, in the corpus's
    library (already read: `Corpus.read`)."""
    report = RetrievalReport(source)
    k = max(KS)
    for done, question in enumerate(questions):
        if cancel is not None and cancel.is_set():
            report.stopped = True
            break
        if not question.evidence_pages:
            report.skipped += 1
            continue
        ids = [d.id for d in corpus.documents(question)]
        started = time.perf_counter()
        passages = corpus.library.search(question.question, k=k, doc_ids=ids)
        hit = Hit(question.id, question.type, list(question.evidence_pages))
        hit.seconds = time.perf_counter() - started
        evidence = set(question.evidence_pages)
        for rank, p in enumerate(passages, start=1):
            pages = list(range(p.page_start, p.page_end + 1))
            hit.pages.append(pages)
            if hit.first is None and evidence & set(pages):
                hit.first = rank
        report.hits.append(hit)
        if on_progress is not None:
            on_progress(done + 1, len(questions), question.id)
    return report


def tables(report: RetrievalReport) -> str:
    """The recall table, per question type, as text."""

    def cell(pair: tuple[int, int]) -> str:
        found, total = pair
        return f"{found}/{total} ({found / total:.0%})" if total else "–"

    header = ["type (questions)", *[f"recall@{k}" for k in KS], *[f"all pages@{k}" for k in KS]]
    rows = []
    for t in [*report.types(), None]:
        total = report.recall(KS[0], t)[1]
        rows.append(
            [
                f"{t or 'all'} ({total})",
                *[cell(report.recall(k, t)) for k in KS],
                *[cell(report.recall(k, t, every=True)) for k in KS],
            ]
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        f"Retrieval only — evidence pages among the passages the search finds ({report.source})",
        "",
    ]
    for r in [header, *rows]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    if report.skipped:
        lines.append(f"({report.skipped} questions without evidence pages left out)")
    lines.append(
        "recall@k: a passage on an evidence page among the first k; all pages@k: every "
        "evidence page of the question among them (multihop questions need both)."
    )
    return "\n".join(lines)
