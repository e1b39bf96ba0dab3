"""How many numbered chapters: counted in the text, each heading cited, never a model's guess."""

from __future__ import annotations

import pytest

from core.documents import load
from core.modes import Request, ask, counting, router
from tests.core.standin import Oracle

MANUAL = """Heat pump manual

1 Safety

Switch off the power before opening the unit.

2 Installation

Follow these steps:
1. Place the unit on a level base.
2. Connect the water pipes.
3. Fill and vent the heating system.

3 Maintenance

Clean the strainer every year.

4 Troubleshooting

5 Warranty and disposal

Steps above are numbered lists, not chapters.
"""

LICENCE = """Terms and conditions

  0. Definitions.

  1. Source Code.

  2. Basic Permissions.

    7.  This requirement modifies the requirement in section 4 to read as it does now.

  3. Protecting Users' Legal Rights From Anti-Circumvention Law.
"""


@pytest.fixture
def manual(tmp_path):
    path = tmp_path / "manual.txt"
    path.write_text(MANUAL, encoding="utf-8")
    return load(path)


def test_the_chapters_are_the_longest_run_of_numbered_lines(manual):
    counted = counting.answer("How many numbered chapters does the manual have?", [manual])
    assert [h.number for h in counted.headings] == [1, 2, 3, 4, 5]
    assert counted.text.startswith("5 numbered chapters (1 to 5): 1 Safety, 2 Installation")
    # Each heading is cited where it stands, with its own words.
    assert [c.quote for c in counted.citations][:2] == ["1 Safety", "2 Installation"]


def test_a_section_0_and_a_wrapped_line_are_read_as_they_are(tmp_path):
    path = tmp_path / "licence.txt"
    path.write_text(LICENCE, encoding="utf-8")
    counted = counting.answer("How many sections, counting section 0?", [load(path)])
    assert [h.number for h in counted.headings] == [0, 1, 2, 3]
    assert counted.kind == "sections" and counted.text.startswith("4 numbered sections (0 to 3)")


def test_a_number_above_its_title_is_a_heading(tmp_path):
    path = tmp_path / "book.md"
    path.write_text("# 1. Introduction\n\ntext\n\n2.\nUsage\n\ntext\n\n## 3. Limits\n")
    assert counting.answer("How many chapters?", [load(path)]).text.startswith(
        "3 numbered chapters (1 to 3): 1 Introduction, 2 Usage, 3 Limits."
    )


@pytest.mark.parametrize(
    "question",
    ["How many floods does the history describe?", "Which chapter covers safety?"],
)
def test_other_questions_are_left_to_the_other_plans(manual, question):
    assert counting.answer(question, [manual]) is None


def test_a_text_without_numbered_headings_has_no_count(tmp_path):
    path = tmp_path / "letter.txt"
    path.write_text("Dear Anna,\n\n1 Thing to say.\n\nBest, Tom\n")
    assert counting.answer("How many chapters does it have?", [load(path)]) is None


class NoModel(Oracle):
    def __init__(self) -> None:
        super().__init__({})

    def stream(self, *args, **kwargs):
        raise AssertionError("a count of headings needs no model")


def test_auto_counts_in_the_text_and_says_why(manual):
    request = Request("How many numbered chapters does the manual have?", [manual])
    assert router.choose(request, NoModel()).mode == "recursive"
    shown = []
    request.on_token = shown.append
    answer = ask(request, NoModel())
    assert answer.mode == "recursive" and answer.text.startswith("5 numbered chapters")
    assert shown == [answer.text] and "counted in the whole text" in answer.reason
    assert len(answer.citations) == 5 and answer.supported


def test_the_headings_cited_are_the_chapters_not_the_table_of_contents(tmp_path):
    path = tmp_path / "guide.txt"
    contents = "Contents\n\n1 Start\n\n2 Use\n\n3 Care\n\n"
    body = "1 Start\n\nUnpack it.\n\n2 Use\n\nPress the button.\n\n3 Care\n\nWipe it.\n"
    path.write_text(contents + body, encoding="utf-8")
    counted = counting.answer("How many chapters does the guide have?", [load(path)])
    assert counted.text.startswith("3 numbered chapters")
    offsets = [h.start for h in counted.headings]
    assert min(offsets) > len(contents) - 2  # all three in the body, after the contents
