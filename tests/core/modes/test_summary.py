"""Summaries: every part read, each point in its part's words and citing its page, a part of
the documents when the question names one, and a stop that keeps the points written."""

from __future__ import annotations

import threading

import pytest

from core.modes import Request, ask
from core.modes.summary import focus, is_summary
from core.paths import resource

pytestmark = pytest.mark.slow


def test_summary_questions_are_recognised():
    for question in (
        "Summarise this document.",
        "Please summarize the report",
        "Give me a short overview",
        "What is this document about?",
        "tl;dr",
    ):
        assert is_summary(question), question
    for question in ("Who wrote the summary?", "How much did the renovation cost?"):
        assert not is_summary(question), question


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from core.library import Library

    with Library(tmp_path_factory.mktemp("lib")) as library:
        library.add([resource("sample", "harbor-report.pdf")])
        yield library, library.get(library.documents()[0].id)


def test_a_summary_reads_every_part_and_each_point_cites_its_page(report, smollm):
    library, document = report
    progress: list[str] = []
    streamed: list[str] = []
    answer = ask(
        Request(
            "Summarise this document.",
            [document],
            library,
            on_token=streamed.append,
            on_progress=lambda done, total, message: progress.append(message),
        ),
        smollm,
        "auto",
    )
    assert answer.mode == "recursive" and "summary" in answer.reason
    points = [line for line in answer.text.splitlines() if line.startswith("- ")]
    assert len(points) >= 3 and len(points) == len(answer.citations)
    assert len({c.page for c in answer.citations}) >= 3  # points from across the report
    for n, (point, citation) in enumerate(zip(points, answer.citations, strict=True), start=1):
        assert point.endswith(f"[{n}: p. {citation.page_label}]")
        assert citation.quote in document.pages[citation.page - 1].text
    parts = next(t for t in answer.trace if t["step"] == "summary")["parts"]
    assert any(f"part {parts} of {parts}" in m for m in progress)
    assert "".join(streamed).strip() == answer.text  # streamed point by point


def test_a_summary_of_one_page_reads_only_that_page(report, smollm):
    library, document = report
    cut, name = focus("Summarise page 4", [document])
    assert name == "page 4" and [p.number for p in cut[0].pages] == [4]
    answer = ask(Request("Summarise page 4.", [document], library), smollm, "auto")
    assert answer.citations and {c.page for c in answer.citations} == {4}


def test_a_stopped_summary_keeps_the_points_written(report, smollm):
    library, document = report
    cancel = threading.Event()

    def after_first_point(piece: str) -> None:
        cancel.set()

    answer = ask(
        Request(
            "Summarise this document.",
            [document],
            library,
            cancel=cancel,
            on_token=after_first_point,
        ),
        smollm,
        "auto",
    )
    assert not answer.complete
    assert answer.text.startswith("- ") and "Stopped after" in answer.text
    assert len(answer.citations) >= 1
