"""`longread eval qa`: scoring answers, reading the question file, the tables and the JSON."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from core import cli
from core.errors import EvaluationError
from core.eval import qa
from tests.core.standin import Oracle

# -- scoring ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("The Harbor Town Library!", "harbor town library"),
        ("An  apple, a pear and the plum.", "apple pear and plum"),
        ("“Salt and Timber”", "salt and timber"),
        ("$1,920,000", "1920000"),
        ("Theatre", "theatre"),  # "the" inside a word stays
    ],
)
def test_normalize_is_squad_style(text, normal):
    assert qa.normalize(text) == normal


def test_token_f1():
    assert qa.token_f1("Marta Oyelaran", "marta oyelaran.") == 1.0
    assert qa.token_f1("Oyelaran", "Marta Oyelaran") == pytest.approx(2 / 3)
    assert qa.token_f1("the director Marta Oyelaran", "Marta Oyelaran") == pytest.approx(0.8)
    assert qa.token_f1("nothing alike", "Marta Oyelaran") == 0.0
    assert qa.token_f1("", "Marta") == 0.0
    assert qa.token_f1("The", "a") == 1.0  # both empty once articles go


def test_containment_is_of_whole_words():
    assert qa.contains("The director is Marta Oyelaran, since 2019.", "marta oyelaran")
    assert not qa.contains("A party", "art")
    assert not qa.contains("anything", "the")  # nothing left of the gold answer


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("It cost $1,920,000 in all.", [1_920_000]),
        ("$2.4 million, of which $1.6m from the town", [2_400_000, 1_600_000]),
        ("27 percent, or 27%", [27, 27]),
        ("1\u00a0920\u00a0000 and 1\u202f920\u202f000", [1_920_000, 1_920_000]),
        ("pages 3 100", [3, 100]),  # a plain space does not join numbers
        ("$3bn, 40k and 2 billion", [3e9, 40_000, 2e9]),
        ("eleven months, twenty-seven days", [11, 27]),
        ("a 5 m ramp", [5]),  # a spaced single letter is a unit, not a scale
        ("in 2022, 151,900 visits", [2022, 151_900]),
        ("items 1,2,3", [1, 2, 3]),  # not thousands: one digit after each comma
        ("-3.5 and .5", [-3.5, 0.5]),
        ("model v2 and a B52", []),  # parts of words
        ("no numbers here", []),
    ],
)
def test_numbers_in_text(text, values):
    assert [n.value for n in qa.numbers_in(text)] == pytest.approx(values)


@pytest.mark.parametrize(
    ("gold", "value"),
    [
        (1920000, 1_920_000),
        (2.5, 2.5),
        ("$2.4 million", 2_400_000),
        ("27%", 27),
        ("27 percent", 27),
        ("1,140", 1140),
        ("2.98 million dollars", 2_980_000),
        ("USD 85,000", 85_000),
        ("13 May 2023", None),  # a date: scored as text
        ("Marta Oyelaran", None),
        (True, None),
    ],
)
def test_gold_numbers(gold, value):
    number = qa.gold_number(gold)
    assert (number and number.value) == (value and pytest.approx(value))


@pytest.mark.parametrize(
    ("answer", "gold", "right"),
    [
        ("Staff cost $1,920,000.", 1920000, True),
        ("Staff cost 1.92 million dollars.", "1,920,000", True),
        ("It cost $2.4m.", "$2.4 million", True),
        ("It cost 2.4.", "$2.4 million", True),  # the question gave the unit
        ("The total was 2.41 million.", "2.4 million", True),  # within 1 %
        ("The total was 2.5 million.", "2.4 million", False),
        ("About 184,000 visits.", 184200, True),  # rounded, within 1 %
        ("E-loans grew by 27 percent.", "27%", True),
        ("E-loans grew by 27%.", 27, True),
        ("It reopened in 2022.", 2023, False),  # whole numbers below 10,000: exactly
        ("It reopened on 13 May 2023.", "2023", True),
        ("It lent 611 items.", 612, False),
        ("It took eleven months.", 11, True),
        ("No figure is given.", 38400, False),
    ],
)
def test_numbers_are_right_within_one_percent(answer, gold, right):
    assert qa.grade(answer, [gold]) == (right, float(right))


@pytest.mark.parametrize(
    ("answer", "gold", "strict", "lenient"),
    [
        ("It has 164 FTE positions.", 164, True, True),
        ("It had 156 positions in FY2024 and has 164 now.", 164, False, True),  # a list
        ("The positions are 156, 160 and 164.", 164, False, True),
        # A number the question says is not the answer's: the rate asked about in 2025.
        ("In 2025 the rate is 7.85 mills.", 7.85, True, True),
        ("The rate is 7.85 mills [2] (page 4).", 7.85, True, True),  # references are not it
        ("See page 4: the rate is 3.", 4, False, True),
        ("No figure is given.", 38400, False, False),
    ],
)
def test_strictly_the_answers_main_number_must_be_the_gold_one(answer, gold, strict, lenient):
    question = "What is the rate in 2025?"
    assert qa.grade(answer, [gold], strict=True, question=question) == (strict, float(strict))
    assert qa.grade(answer, [gold], question=question) == (lenient, float(lenient))


def test_the_main_number_of_an_answer():
    assert qa.main_number("In 2025 it was 18,945 thousand.", "in 2025?").value == 18_945_000
    assert qa.main_number("2025.", "in 2025?").value == 2025  # only the question's number
    assert qa.main_number("Nothing here [3].") is None


def test_short_answers_score_by_containment_or_f1():
    assert qa.grade("The director is Marta Oyelaran.", ["Marta Oyelaran"]) == (True, 1.0)
    right, score = qa.grade("Oyelaran", ["Marta Oyelaran"])
    assert not right and score == pytest.approx(2 / 3)
    right, score = qa.grade("director Marta Oyelaran", ["the director, Marta Oyelaran wrote"])
    assert right and score == pytest.approx(6 / 7)  # F1 >= 0.8 without containment
    assert qa.grade("Salt and timber", ["“Salt and Timber”"]) == (True, 1.0)
    assert qa.grade("Nobody knows.", ["Marta Oyelaran"]) == (False, 0.0)


def test_any_alternative_counts_and_the_best_score_is_kept():
    gold = ["Marta Oyelaran", "the director", 2019]
    assert qa.grade("Oyelaran.", gold) == (False, pytest.approx(2 / 3))
    assert qa.grade("It was the director.", gold) == (True, 1.0)
    assert qa.grade("Since 2019.", gold) == (True, 1.0)
    assert qa.grade("Since 2018.", gold)[0] is False


CHOICES = ["Main library", "Eastside", "Harborfront kiosk", "Ferry terminal"]


@pytest.mark.parametrize(
    ("answer", "letter"),
    [
        ("B", "B"),
        ("(C)", "C"),
        ("D) Ferry terminal", "D"),
        ("The answer is B.", "B"),
        ("Answer: C", "C"),
        ("A library reopened: B", "B"),  # "A library": the article, not a choice
        ("I think it is D.", "D"),  # "I" is not a choice here anyway
        ("A", "A"),
        ("A) Main library", "A"),
        ("E is not a choice, B is", "B"),  # letters past the choices are passed over
        ("It was the Eastside branch.", "B"),  # no letter: the choice's text
        ("The kiosk, then the Harborfront kiosk", "C"),
        ("The main library, not Eastside", "A"),  # the choice named first
        ("BA, AB and CD are not letters", None),
        ("No idea.", None),
    ],
)
def test_the_choice_an_answer_picks(answer, letter):
    assert qa.choice_letter(answer, CHOICES) == letter


def test_multiple_choice_grades_by_letter():
    assert qa.grade("The answer is B.", ["B"], CHOICES) == (True, 1.0)
    assert qa.grade("Eastside", ["B"], CHOICES) == (True, 1.0)
    assert qa.grade("C", ["B"], CHOICES) == (False, 0.0)
    assert qa.grade("C", ["B", "C"], CHOICES) == (True, 1.0)


def test_citation_is_right_when_any_cited_page_is_evidence():
    assert qa.citation_ok([3, 4], [4, 5]) is True
    assert qa.citation_ok([3], [4, 5]) is False
    assert qa.citation_ok([], [4]) is False  # no citation for a question with evidence
    assert qa.citation_ok([3], []) is None and qa.citation_ok([3], None) is None


# -- the question file --------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "harbour.txt").write_text(
        "The harbour master of Port Elling is Mirela Voss.\n"
    )
    (tmp_path / "docs" / "bakery.txt").write_text(
        "The bakery on Quay Street sells 420 loaves a day.\n"
    )
    return tmp_path


def _write(folder: Path, *lines) -> Path:
    path = folder / "questions.jsonl"
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
        encoding="utf-8",
    )
    return path


GOOD = {"documents": ["docs/harbour.txt"], "question": "Who?", "answer": "Mirela Voss"}


def test_questions_are_read_with_their_defaults(folder):
    absolute = str(folder / "docs" / "bakery.txt")
    path = _write(
        folder,
        GOOD,
        "",  # blank lines are skipped
        {
            "id": "bread",
            "documents": [absolute, "docs/harbour.txt", absolute],
            "question": " How many loaves? ",
            "answer": [420, "four hundred and twenty"],
            "evidence_pages": [2, 1, 2],
            "type": "number",
        },
        {**GOOD, "id": 7, "choices": ["Anna Berg", "Mirela Voss"], "answer": "mirela voss"},
        {**GOOD, "id": "letter", "choices": ["Anna Berg", "Mirela Voss"], "answer": "b"},
        {**GOOD, "id": "none", "answer": None, "type": "unanswerable"},
    )
    first, bread, choice, letter, none = qa.load_questions(path)
    assert first.answerable and not none.answerable and none.gold == ()
    assert (first.id, first.line, first.type, first.gold) == (
        "line 1",
        1,
        "other",
        ("Mirela Voss",),
    )
    assert first.documents == ((folder / "docs" / "harbour.txt").resolve(),)
    assert bread.line == 3 and bread.question == "How many loaves?"
    assert [d.name for d in bread.documents] == ["bakery.txt", "harbour.txt"]  # each once
    assert bread.gold == (420, "four hundred and twenty") and bread.evidence_pages == (1, 2)
    assert choice.id == "7" and choice.gold == ("B",) and letter.gold == ("B",)
    assert choice.prompt() == (
        "Who?\nA) Anna Berg\nB) Mirela Voss\nAnswer with the letter of the right choice."
    )
    assert first.prompt() == "Who?"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "Line 2 of “questions.jsonl”: this is not valid JSON"),
        ('["a list"]', "Line 2 of “questions.jsonl”: each line should be a JSON object"),
        ({"question": "Who?", "answer": "x"}, "Line 2 of “questions.jsonl”: the “documents”"),
        ({**GOOD, "question": ""}, "Line 2 of “questions.jsonl”: “question” should be"),
        ({k: v for k, v in GOOD.items() if k != "answer"}, "the “answer” field is missing"),
        ({**GOOD, "answer": []}, "“answer” should be a text, a number, a list"),
        ({**GOOD, "answer": True}, "“answer” should be a text, a number, a list"),
        ({**GOOD, "answer": None, "choices": ["A", "B"]}, "needs its right choice as “answer”"),
        ({**GOOD, "documents": []}, "“documents” should be a list of file names"),
        ({**GOOD, "documents": ["docs/gone.pdf"]}, "the document “docs/gone.pdf” was not found"),
        ({**GOOD, "documents": ["docs"]}, "“docs” is not a file"),
        ({**GOOD, "documents": ["questions.jsonl"]}, "not a format Longread can read"),
        ({**GOOD, "choices": ["only one"]}, "give from 2 to 26 choices"),
        ({**GOOD, "choices": ["Anna", "Tomas"]}, "the answer “Mirela Voss” is neither a choice"),
        ({**GOOD, "choices": ["Anna", "Tomas"], "answer": "C"}, "letter (A to B)"),
        ({**GOOD, "evidence_pages": [0]}, "“evidence_pages” should be a list of page numbers"),
        ({**GOOD, "evidence_pages": "4"}, "“evidence_pages” should be a list of page numbers"),
        ({**GOOD, "type": ""}, "“type” should be a word"),
        ({**GOOD, "id": "line 1"}, "Line 2 of “questions.jsonl” repeats the id “line 1” of line 1"),
    ],
)
def test_a_bad_line_is_named_with_what_is_wrong(folder, line, message):
    with pytest.raises(EvaluationError) as caught:
        qa.load_questions(_write(folder, GOOD, line))
    assert message in str(caught.value)


def test_a_missing_or_empty_question_file(folder):
    with pytest.raises(EvaluationError, match="was not found"):
        qa.load_questions(folder / "nothing.jsonl")
    with pytest.raises(EvaluationError, match="holds no questions"):
        qa.load_questions(_write(folder, "", "  "))


def test_select_by_type_and_limit(folder):
    questions = qa.load_questions(
        _write(
            folder, {**GOOD, "type": "fact"}, {**GOOD, "type": "table"}, {**GOOD, "type": "fact"}
        )
    )
    assert [q.line for q in qa.select(questions, type="fact")] == [1, 3]
    assert [q.line for q in qa.select(questions, type="fact", limit=1)] == [1]
    assert len(qa.select(questions)) == 3
    with pytest.raises(EvaluationError, match="the types are: fact, table"):
        qa.select(questions, type="whole")


def test_the_command_reports_a_bad_line_before_loading_a_model(folder, capsys, monkeypatch):
    monkeypatch.setattr(cli, "_backend", lambda *a: pytest.fail("the model was loaded"))
    path = _write(folder, GOOD, {**GOOD, "documents": ["docs/gone.pdf"]})
    assert cli.main(["eval", "qa", str(path)]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "Line 2 of “questions.jsonl”: the document “docs/gone.pdf” was not found" in err
    path = _write(folder, GOOD)
    assert cli.main(["eval", "qa", str(path), "--type", "whole"]) == cli.EXIT_ERROR
    assert "No question has the type “whole”" in capsys.readouterr().err


# -- running, with a stand-in model -------------------------------------------------------------

ORACLE = {
    "harbour master": "The harbour master is Mirela Voss.",
    "loaves": "It sells 400 loaves a day.",
    "Which town": "B",
}


def _questions(folder: Path) -> list[qa.Question]:
    return qa.load_questions(
        _write(
            folder,
            {
                "id": "master",
                "documents": ["docs/harbour.txt"],
                "question": "Who is the harbour master of Port Elling?",
                "answer": "Mirela Voss",
                "evidence_pages": [1],
                "type": "fact",
            },
            {
                "id": "bread",
                "documents": ["docs/bakery.txt"],
                "question": "How many loaves does the bakery sell a day?",
                "answer": 420,
                "type": "number",
            },
            {
                "id": "town",
                "documents": ["docs/harbour.txt", "docs/bakery.txt"],
                "question": "Which town has the harbour?",
                "choices": ["Quay Street", "Port Elling"],
                "answer": "Port Elling",
                "evidence_pages": [1],
                "type": "fact",
            },
        )
    )


def _run(folder: Path, backend, **kwargs) -> qa.Report:
    questions = _questions(folder)
    with qa.Corpus(questions, searching=False) as corpus:
        corpus.read()
        return qa.run(backend, questions, corpus, modes=["direct"], source="q.jsonl", **kwargs)


def test_each_answer_is_scored_and_summed_up(folder):
    report = _run(folder, Oracle(ORACLE))
    rows = {r.id: r for r in report.rows}
    assert [r.mode for r in report.rows] == ["direct"] * 3
    master, bread, town = rows["master"], rows["bread"], rows["town"]
    assert master.correct and master.score == 1.0 and master.cited_pages == [1]
    assert master.citation_ok is True and master.tokens == 105 and master.answered_by == "direct"
    assert bread.correct is False and bread.citation_ok is None  # 400 is not 420
    # 400 is in no document: the answer was set aside, and its nearest passages are no citation.
    assert bread.answer.startswith("I could not find this") and bread.cited_pages == []
    # A choice's letter adds nothing to check: it cites the sentence that says what was asked.
    assert town.correct and town.gold == ["B"] and town.cited_pages == [1]

    summary = report.summary("direct")
    assert (summary.questions, summary.answered, summary.correct) == (3, 3, 2)
    assert summary.accuracy == pytest.approx(2 / 3)
    assert (summary.cited, summary.with_evidence) == (2, 2)
    assert (summary.right_cited, summary.right_with_evidence) == (2, 2)
    # 400 was set aside: "not found", not a wrong number shown
    assert summary.abstained == 1 and bread.abstained and not master.abstained
    assert summary.hallucination_rate is None  # no unanswerable question
    assert summary.median_tokens == 105
    assert report.summary("direct", "number").accuracy == 0.0

    text = qa.tables(report)
    assert "Question answering — oracle on cpu" in text
    assert "questions: q.jsonl (3 questions about 2 documents)" in text
    line = next(x for x in text.splitlines() if x.strip().startswith("direct"))
    # right, lenient, not found, invented (none asked), right cited
    said = "direct 3 3 2/3 (67%) 2/3 (67%) 1/3 (33%) — 2/2 (100%)"
    assert line.split()[:12] == said.split()
    by_type = text.split("Right by type")[1].splitlines()
    assert any(x.split() == ["fact", "(2)", "2/2", "(100%)"] for x in by_type)
    assert any(x.split() == ["number", "(1)", "0/1", "(0%)"] for x in by_type)

    data = json.loads(json.dumps(report.to_json()))
    assert data["summary"]["direct"]["correct"] == 2 and len(data["rows"]) == 3
    assert data["by_type"]["fact"]["direct"]["accuracy"] == 1.0
    assert data["rows"][0]["skipped"] is None and data["auto_picked"] == {}


def test_unanswerable_questions_count_not_found_as_right_and_any_answer_as_invented(folder):
    path = _write(
        folder,
        {
            "id": "mayor",
            "documents": ["docs/harbour.txt"],
            "question": "Who is the mayor of Port Elling?",
            "answer": None,
            "type": "unanswerable",
        },
        {
            "id": "flour",
            "documents": ["docs/bakery.txt"],
            "question": "Which mill supplies the bakery's flour?",
            "answer": None,
            "type": "unanswerable",
        },
        {
            "id": "master",
            "documents": ["docs/harbour.txt"],
            "question": "Who is the harbour master of Port Elling?",
            "answer": "Mirela Voss",
            "type": "fact",
        },
    )
    questions = qa.load_questions(path)
    oracle = Oracle(
        {
            "mayor": "The mayor is Mirela Voss.",  # on the page, but not what was asked
            "flour": "I could not find which mill supplies it.",
            "harbour master": "The harbour master is Mirela Voss.",
        }
    )
    with qa.Corpus(questions, searching=False) as corpus:
        corpus.read()
        report = qa.run(oracle, questions, corpus, modes=["direct"], source="q.jsonl")
    rows = {r.id: r for r in report.rows}
    assert rows["mayor"].hallucinated and rows["mayor"].correct is False
    assert rows["flour"].abstained and rows["flour"].correct and not rows["flour"].hallucinated
    summary = report.summary("direct")
    assert (summary.answerable, summary.correct, summary.accuracy) == (1, 1, 1.0)
    assert (summary.unanswerable, summary.hallucinated, summary.hallucination_rate) == (2, 1, 0.5)
    assert summary.abstention_rate == 0.0 and summary.right == 2
    text = qa.tables(report)
    line = next(x for x in text.splitlines() if x.strip().startswith("direct"))
    assert "1/2 (50%)" in line  # invented
    by_type = text.split("Right by type")[1].splitlines()
    assert any(x.split() == ["unanswerable", "(2)", "1/2", "(50%)"] for x in by_type)
    data = json.loads(json.dumps(report.to_json()))
    assert data["summary"]["direct"]["hallucination_rate"] == 0.5
    assert data["rows"][0]["gold"] is None and data["rows"][1]["abstained"] is True


def test_direct_mode_is_not_run_on_documents_past_the_window(folder):
    (folder / "docs" / "harbour.txt").write_text("word " * 400 + "Mirela Voss.\n")
    report = _run(folder, Oracle(ORACLE, window=600))
    master = next(r for r in report.rows if r.id == "master")
    assert master.correct is None and "window is 600 tokens" in master.skipped
    summary = report.summary("direct")
    assert (summary.questions, summary.answered, summary.correct) == (3, 1, 0)
    assert "— direct: 2 not run: direct mode puts the whole text" in qa.tables(report)


def test_stopping_keeps_the_answers_given_and_says_so(folder):
    cancel = threading.Event()

    def on_progress(done: int, total: int, message: str) -> None:
        if done == 1:  # Ctrl+C once the first answer is in
            cancel.set()

    report = _run(folder, Oracle(ORACLE), on_progress=on_progress, cancel=cancel)
    assert report.stopped and [r.id for r in report.rows] == ["master"]
    assert "Stopped by you after 1 of 3 answers." in qa.tables(report)


def _report() -> qa.Report:
    question = qa.Question(1, "q", (), "Who?", ("x",), type="fact")
    report = qa.Report("Model", "cpu", "q.jsonl", ["direct", "rag", "auto"], [question])
    report.questions.append(qa.Question(2, "r", (), "Why?", ("y",), type="whole"))
    for mode, kind, correct, by in [
        ("direct", "fact", True, "direct"),
        ("direct", "whole", None, ""),
        ("rag", "fact", False, "rag"),
        ("rag", "whole", True, "rag"),
        ("auto", "fact", True, "direct"),
        ("auto", "whole", True, "recursive"),
    ]:
        row = qa.Row("q", kind, mode, "?", ["x"], correct=correct, answered_by=by)
        row.score = None if correct is None else float(correct)
        row.skipped = "too long" if correct is None else ""
        report.rows.append(row)
    return report


def test_auto_shows_the_mode_it_picked_for_each_type():
    report = _report()
    assert report.auto_picks() == {"fact": {"direct": 1}, "whole": {"recursive": 1}}
    text = qa.tables(report)
    assert "Auto answered with\n  fact: direct 1\n  whole: recursive 1" in text
    whole = next(x for x in text.splitlines() if x.strip().startswith("whole"))
    assert whole.split() == ["whole", "(1)", "—", "1/1", "(100%)", "1/1", "(100%)"]


def test_the_bar_chart_is_a_png_picture(tmp_path):
    path = qa.plot(_report(), tmp_path / "charts" / "qa.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


# -- the real model -----------------------------------------------------------------------------


@pytest.mark.slow
def test_the_command_scores_the_bundled_model_in_rag_and_direct_mode(
    smollm, folder, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(cli, "_backend", lambda *a: smollm)  # the model the session loaded
    path = _write(
        folder,
        {
            "documents": ["docs/harbour.txt"],
            "question": "Who is the harbour master of Port Elling?",
            "answer": "Mirela Voss",
            "evidence_pages": [1],
            "type": "fact",
        },
        {
            "documents": ["docs/bakery.txt"],
            "question": "How many loaves does the bakery on Quay Street sell a day?",
            "answer": 420,
            "type": "number",
        },
        {
            "documents": ["docs/harbour.txt", "docs/bakery.txt"],
            "question": "Who is the harbour master?",
            "choices": ["Anna Berg", "Mirela Voss", "Tomas Lind"],
            "answer": "B",
            "type": "choice",
        },
    )
    library = tmp_path / "library"
    runs = {}
    for mode in ("rag", "direct"):  # the second run finds the documents in the library
        argv = ["eval", "qa", str(path), "--mode", mode, "--library", str(library), "--json"]
        assert cli.main(argv) == cli.EXIT_OK
        out, err = capsys.readouterr()
        runs[mode] = json.loads(out)
        assert "[3/3] " in err and "Question answering: 3 answers" in err

    for mode, data in runs.items():
        assert data["modes"] == [mode] and data["questions"] == 3 and not data["stopped"]
        assert [r["id"] for r in data["rows"]] == ["line 1", "line 2", "line 3"]
        assert set(data["summary"][mode]) >= {"accuracy", "mean_f1", "citation_accuracy"}
        assert set(data["by_type"]) == {"fact", "number", "choice"}
        master = data["rows"][0]
        assert master["correct"] is True and master["answered_by"] == mode, master
        assert master["tokens"] > 10 and master["seconds"] > 0
        assert all(r["skipped"] is None for r in data["rows"])
