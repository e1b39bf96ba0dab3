"""Questions in two steps: which questions are split, how, and what each step finds."""

from __future__ import annotations

import pytest

from core.library import Library
from core.modes import Request, ask, hops
from tests.core.standin import Oracle


@pytest.mark.parametrize(
    ("question", "find", "then"),
    [
        (
            "How many staff will the department whose director has led it since 2016 have in 2025?",
            "Which department's director has led it since 2016?",
            "How many staff will the {} have in 2025?",
        ),
        (
            "What interest rate is paid on the bonds that fund the pier repairs?",
            "Which bonds fund the pier repairs?",
            "What interest rate is paid on the {}?",
        ),
        (
            "What is the daily allowance in the city led by Anna Berg?",
            "Which city is led by Anna Berg?",
            "What is the daily allowance in the {}?",
        ),
        (
            "How many days of leave does an employee earn if they joined in the year its Lyon "
            "office opened?",
            "In what year did its Lyon office opened?",
            "How many days of leave does an employee earn if they joined in {}?",
        ),
    ],
)
def test_a_question_about_a_thing_described_by_a_second_fact_is_two_steps(question, find, then):
    plan = hops.plan(question)
    assert isinstance(plan, hops.Bridge)
    assert (plan.find, plan.then) == (find, then)


@pytest.mark.parametrize(
    ("question", "first", "second", "unit"),
    [
        (
            "How many years after the railway reached Ashby did the station close?",
            "In what year the railway reached Ashby?",
            "In what year did the station close?",
            "years",
        ),
        (
            "For how many years did the paper mill operate, from its founding to its closure?",
            "When was the founding of the paper mill?",
            "When was the closure of the paper mill?",
            "years",
        ),
        (
            "By how many euros was the winning bid for the dredging lower than the highest bid?",
            "What was the winning bid for the dredging?",
            "What was the highest bid for the dredging?",  # about the same thing as the first
            "euros",
        ),
    ],
)
def test_a_difference_of_two_numbers_is_two_questions(question, first, second, unit):
    plan = hops.plan(question)
    assert isinstance(plan, hops.Difference)
    assert (plan.first, plan.second, plan.unit) == (first, second, unit)


@pytest.mark.parametrize(
    "question",
    [
        "What is the maximum glycol concentration allowed in the heating system water?",
        "In which file does Ninja keep its log of the command used to build each file?",
        "What is the total number of calls over all the months whose statistics appear?",
        "Which of these is not a tool that Ninja runs?\nA) clean\nB) graph",
        "Who is the harbour master of Port Elling?",
    ],
)
def test_a_question_about_one_fact_is_asked_as_it_is(question):
    assert hops.plan(question) is None


def test_the_names_a_sentence_gives_that_the_question_did_not():
    find = "Which city's Brightwell office is led by Davide Ferraro?"
    assert hops.names_in("| Milan | Italy | 2017 | 140 | Davide Ferraro |", find, "city")[:2] == [
        "Milan",
        "Italy",
    ]
    find = "Which department's director has led it since 2016?"
    said = "Director Hiroshi Bancroft-Mori has led Public Works Department since 2016."
    # the name holding the noun looked for comes first
    assert hops.names_in(said, find, "department")[0] == "Public Works Department"
    year = hops.Bridge("In what year did its Lyon office open?", "{}", "year", year=True)
    assert hops.candidates(["| Lyon | France | 2015 | 160 |"], year) == ["2015"]


def test_the_second_question_names_what_the_first_found():
    assert hops.fill("How many staff does the {} have?", "Public Works", "department") == (
        "How many staff does the Public Works department have?"
    )
    assert hops.fill("What is paid on the {}?", "2022 Revenue Bonds", "bonds") == (
        "What is paid on the 2022 Revenue Bonds?"
    )
    assert hops.figure(440000.0) == "440,000" and hops.figure(3.5) == "3.5"


# -- in a library, with a stand-in model ---------------------------------------------------------

HANDBOOK = """# Offices

The company has offices in several cities, each run by an office lead.

| Office | Country | Opened | Employees | Office lead |
| --- | --- | --- | --- | --- |
| Lyon | France | 2015 | 160 | Camille Roussel |
| Milan | Italy | 2017 | 140 | Davide Ferraro |

# Travel

Staff who travel for work receive a daily travel allowance that depends on the city.

| City | Hotel limit | Daily travel allowance |
| --- | --- | --- |
| Lyon | €140 | €45 |
| Milan | €150 | €50 |
"""


@pytest.fixture(scope="module")
def handbook(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hops")
    path = folder / "handbook.md"
    path.write_text(HANDBOOK, encoding="utf-8")
    library = Library(folder / "library")
    report = library.add([path])
    assert report.ok, report.failed
    yield library, library.get(report.added[0].id)
    library.close()


QUESTION = "What is the daily travel allowance in the city whose office is led by Davide Ferraro?"


def test_the_first_fact_is_read_from_the_text_and_the_second_asked_with_it(handbook):
    library, doc = handbook
    model = Oracle({"allowance in the Milan": "The daily travel allowance in Milan is €50."})
    shown = []
    answer = ask(Request(QUESTION, [doc], library, on_token=shown.append), model, "rag")
    assert answer.supported and answer.text == "The daily travel allowance in Milan is €50."
    assert shown == [answer.text]  # only the final answer is streamed
    # The model was asked about Milan, found in the row that names Davide Ferraro.
    assert any("Milan" in q and "Ferraro" not in q for q in model.asked)
    quotes = [c.quote for c in answer.citations]
    assert any("€50" in q for q in quotes) and any("Davide Ferraro" in q for q in quotes)
    assert "two steps" in answer.reason and "Milan" in answer.reason


def test_when_a_step_finds_nothing_the_question_is_asked_in_one_step(handbook):
    library, doc = handbook
    model = Oracle({"allowance in the Milan": "It is €99.", "Ferraro": "I do not know."})
    answer = ask(Request(QUESTION, [doc], library), model, "rag")
    assert not answer.supported  # €99 is nowhere: not shown, the one-step answer knows nothing
    assert model.asked[-1] == QUESTION
    assert [s["step"] for s in answer.trace[:2]] == ["plan", "bridge"]


def test_a_difference_is_worked_out_from_the_two_numbers_found(handbook):
    library, doc = handbook
    model = Oracle(
        {
            "Lyon office open": "The Lyon office opened in 2015.",
            "Milan office open": "The Milan office opened in 2017.",
        }
    )
    question = "How many years after the Lyon office opened did the Milan office open?"
    answer = ask(Request(question, [doc], library), model, "rag")
    assert answer.supported
    assert answer.text.startswith("2 years.") and "2015" in answer.text and "2017" in answer.text
    assert {c.page for c in answer.citations} and all("20" in c.quote for c in answer.citations)
