"""`longread eval niah`: the grid a user reads, the heat map, and the messages for bad options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from core.eval import niah
from core.eval.haystack import Haystack
from core.llm.base import GenerationStats

ROOT = Path(__file__).resolve().parents[2]


def longread(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.entry", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ,
        cwd=ROOT,
    )


@pytest.mark.slow
def test_direct_mode_grid_finds_the_needle_and_marks_a_length_beyond_the_window(smollm):
    report = niah.run(smollm, modes=["direct"], lengths=[800, 9000], depths=[0, 100])

    near = [report.cell("direct", 800, d) for d in (0, 100)]
    assert all(c.found for c in near), [c.answer for c in near]
    assert all(780 <= c.tokens <= 820 for c in near)  # the haystack has the length asked for
    assert near[0].needle_page == 1 and near[1].needle_page > 1
    assert all(c.needle_page in c.cited_pages for c in near)
    far = [report.cell("direct", 9000, d) for d in (0, 100)]
    assert all(c.found is None and "window is 8,192 tokens" in c.skipped for c in far)
    assert report.score("direct") == (2, 2)

    text = niah.grid(report)
    assert "direct: 2 of 2 found (100%)" in text
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line[:3] == "   "}
    assert rows["800"] == ["✓", "✓"] and rows["9,000"] == ["—", "—"]
    assert "— direct mode puts the whole text in the prompt" in text
    assert "Total time:" in text


class Parrot:
    """A stand-in model that always names the needle's fact: the test's bookkeeping without the
    real model's time."""

    name, device, context_window = "parrot", "cpu", 8192

    def __init__(self) -> None:
        self.last_stats = GenerationStats()

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def fits(self, prompt_tokens: int, max_new_tokens: int = 512) -> bool:
        return prompt_tokens + max_new_tokens <= self.context_window

    def stream(self, messages, max_new_tokens=512, stop=None, cancel=None):
        self.last_stats = GenerationStats(prompt_tokens=100, new_tokens=5, stopped_by="eos")
        yield "It is Mirela Voss."


def test_stopping_keeps_the_cells_that_ran_and_says_so():
    cancel = threading.Event()

    def on_progress(done: int, total: int, message: str) -> None:
        if done == 1:  # the user presses Ctrl+C once the first cell is done
            cancel.set()

    report = niah.run(
        Parrot(),
        modes=["direct"],
        lengths=[300, 600],
        depths=[0, 100],
        on_progress=on_progress,
        cancel=cancel,
    )
    assert report.stopped and [(c.length, c.depth, c.found) for c in report.cells] == [
        (300, 0, True)
    ]
    assert "Stopped by you after 1 of 4 cells." in niah.grid(report)


def _report() -> niah.Report:
    report = niah.Report(
        "Model", "cpu", "test", niah.DEFAULT_NEEDLE, ["direct", "rag"], [1000, 16000], [0, 50]
    )
    for mode in report.modes:
        for length in report.lengths:
            for depth in report.depths:
                cell = niah.Cell(mode, length, depth, found=depth == 0)
                if mode == "direct" and length == 16000:
                    cell.found, cell.skipped = None, "too long"
                report.cells.append(cell)
    return report


def test_the_heat_map_is_a_png_picture(tmp_path):
    path = niah.plot(_report(), tmp_path / "maps" / "niah.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > height > 100


def test_json_reports_each_mode_s_accuracy_and_every_cell():
    data = json.loads(json.dumps(_report().to_json()))
    assert data["accuracy"] == {"direct": {"found": 1, "ran": 2}, "rag": {"found": 2, "ran": 4}}
    assert len(data["cells"]) == 8 and data["needle"]["fact"] == "Mirela Voss"


def test_a_short_haystack_of_your_own_gives_dashes_not_a_made_up_length():
    words = "The river was wide. Boats came and went all day long. " * 20
    haystack = Haystack(words, "your documents (river)", lambda t: len(t.split()), 10_000)
    planted = haystack.plant(100, 0.5, "The key is blue.", "River")
    assert planted is not None
    text = planted.document.text
    # The length asked for (less than one sentence short), with the needle in the middle.
    assert 100 - 8 <= len(text.split()) <= 100, text
    assert text.count("The key is blue.") == 1
    assert 0.3 < text.index("The key is blue.") / len(text) < 0.7
    assert "The key is blue." in planted.document.pages[planted.needle_page - 1].text
    assert haystack.plant(1000, 0.5, "The key is blue.", "River") is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--lengths", "1k,lots"], "“lots” is not a length in tokens"),
        (["--lengths", "5"], "not a usable length"),
        (["--depths", "0,150"], "“150” is not a depth"),
        (["--mode", "fast"], "invalid choice: 'fast'"),
        (["--plot", "grid.jpg"], "the heat map is a PNG"),
        (["--needle", "The key is blue."], "needs all three of --needle, --question and --answer"),
        (
            ["--needle", "The key is blue.", "--question", "What colour?", "--answer", "red"],
            "“red” is not in the needle",
        ),
        (["--haystack", "no-such-file.pdf"], "no-such-file.pdf"),
    ],
)
def test_bad_options_say_what_is_wrong_and_exit_2(argv, message):
    result = longread("eval", "niah", *argv)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_haystack_that_already_holds_the_answer_is_refused(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Minutes of the port board. Mirela Voss chaired the meeting.\n")
    result = longread("eval", "niah", "--haystack", str(tmp_path))  # a folder of documents
    assert result.returncode == 2
    assert "Your documents already contain “Mirela Voss”" in result.stderr
