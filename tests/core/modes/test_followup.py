"""Follow-up questions: the stand-alone form each is searched with, and the earlier turns the
prompt carries within its budget."""

from __future__ import annotations

import pytest

from core.modes.base import Turn
from core.modes.followup import kept_turns, needs_context, standalone, topic

COST = Turn("How much did the Eastside renovation cost?", "The renovation cost $2.4 million.")
VISITS = Turn("How many visits did the library have in 2023?", "It had 184,200 visits.")
DIRECTOR = Turn("Who is the library director?", "The director is Tomasz Okafor.")


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("How much did the Eastside renovation cost?", "the Eastside renovation"),
        ("Who founded the library?", "the library"),
        ("When was the harbour wall built?", "the harbour wall"),
        ("What is the annual budget of the library?", "the annual budget of the library"),
        ("How many visits did the library have in 2023?", "the library"),
        ("How many books does the library lend each year?", "the library"),
        ("When did the council approve the budget?", "the council"),
        ("Which branch has the most visitors?", "the branch"),
        ("What happened to the ferry?", "the ferry"),
    ],
)
def test_the_topic_of_a_question_is_the_noun_phrase_it_asks_about(question, subject):
    assert topic(question) == subject


@pytest.mark.parametrize(
    ("turn", "follow_up", "searched"),
    [
        (COST, "Who paid for it?", "Who paid for the Eastside renovation?"),
        (COST, "How long did it take?", "How long did the Eastside renovation take?"),
        (
            COST,
            "What did its budget include?",
            "What did the Eastside renovation’s budget include?",
        ),
        (COST, "What about the Westside branch?", "How much did the Westside branch cost?"),
        (VISITS, "And in 2022?", "How many visits did the library have in 2022?"),
        (VISITS, "How many of them were children?", "How many of the visits were children?"),
        (DIRECTOR, "When did he start?", "When did Tomasz Okafor start?"),
        (DIRECTOR, "Who hired her?", "Who hired Tomasz Okafor?"),
    ],
)
def test_a_follow_up_is_searched_in_its_stand_alone_form(turn, follow_up, searched):
    rewrite = standalone(follow_up, [turn])
    assert (rewrite.question, rewrite.how) == (searched, "rules")
    assert rewrite.why  # Details says what was resolved
    step = rewrite.step(follow_up)
    assert step["asked"] == follow_up and step["searched_with"] == searched


def test_a_question_that_stands_alone_is_left_as_it_is():
    for question in ("What was the library's budget in 2023?", "Who wrote the report?"):
        assert not needs_context(question)
        assert standalone(question, [COST]).how == "unchanged"
    assert standalone("Who paid for it?", []).question == "Who paid for it?"  # nothing before


def test_a_rewritten_turn_is_the_one_the_next_follow_up_builds_on():
    earlier = Turn("Who paid for it?", "The town paid.", searched="Who paid for the renovation?")
    assert standalone("And when did it finish?", [COST, earlier]).question == (
        "And when did the renovation finish?"
    )


class Counter:
    """Counts tokens as words: what kept_turns needs of a backend."""

    parameter_count = 135_000_000

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def test_the_oldest_turns_are_dropped_first_to_fit_the_budget():
    turns = [Turn(f"Question number {i} about the report?", "An answer " * 20) for i in range(8)]
    kept, dropped = kept_turns(turns, Counter(), budget=100)
    assert kept == turns[-len(kept) :] and 1 <= len(kept) < 8
    assert dropped == 8 - len(kept)
    assert kept_turns(turns, Counter(), budget=0) == ([], 8)


@pytest.mark.parametrize(
    ("earlier", "follow_up", "searched"),
    [
        (
            "What's the net weight of the AT-12?",
            "And the AT-6?",
            "What's the net weight of the AT-6?",
        ),
        (
            "How much memory does it use with the -9 flag?",
            "And with -1?",
            "How much memory does it use with the -1 flag?",
        ),
        (
            "How many ferries sailed in August 2023?",
            "And in September?",
            "How many ferries sailed in September 2023?",
        ),
        (
            "What is the section titled 'Definitions'?",
            "And 'Remedies'?",
            "What is the section titled 'Remedies'?",
        ),
        (
            "What is the maximum output base in bc?",
            "And the maximum input base?",
            "What is the maximum input base in bc?",
        ),
    ],
)
def test_an_elliptical_follow_up_takes_the_place_of_its_like_in_the_question(
    earlier, follow_up, searched
):
    assert standalone(follow_up, [Turn(earlier, "…")]).question == searched


def test_it_after_a_which_question_is_what_the_answer_named():
    which = Turn("Which company collects the town's waste?", "Bayside Disposal collects it.")
    assert standalone("How many employees does it have?", [which]).question == (
        "How many employees does Bayside Disposal have?"
    )
    doctor = Turn(
        "Which doctor traced the source of the cholera outbreak of 1854?",
        "Dr Edwin Marsh traced it to the well.",
    )
    assert standalone("How many people did it kill?", [doctor]).question == (
        "How many people did the cholera outbreak of 1854 kill?"
    )
    treaty = Turn("Which article of the WIPO copyright treaty does the licence mention?", "11")
    assert standalone("When was that treaty adopted?", [treaty]).question == (
        "When was the WIPO copyright treaty adopted?"
    )


def test_a_models_rewrite_is_used_only_when_it_resolves_something_and_keeps_the_question():
    from core.modes.followup import acceptable_rewrite

    turns = [COST]
    asked = "Who paid for it?"
    good = acceptable_rewrite(' "Who paid for the Eastside renovation?"\n', asked, turns)
    assert good == "Who paid for the Eastside renovation?"
    assert acceptable_rewrite("Question: Who paid for the renovation?", asked, turns)
    for bad in (
        "The town paid for it.",  # an answer, not a question
        "Who paid for it?",  # nothing resolved
        "Who paid for the new harbour wall?",  # words from nowhere in the conversation
        "Who built the Eastside renovation?",  # the question's own word "paid" lost
        "Who paid for the Eastside renovation? And when did it finish?",  # two questions
    ):
        assert acceptable_rewrite(bad, asked, turns) is None, bad


class Rewriter(Counter):
    """A model large enough to be asked for the rewrite, answering with `reply`."""

    parameter_count = 3_000_000_000

    def __init__(self, reply: str) -> None:
        self.reply = reply

    def stream(self, messages, max_new_tokens=60, stop=None):
        yield self.reply


def test_a_large_model_writes_the_rewrite_and_the_rules_stand_in_when_it_fails():
    by_model = standalone("Who paid for it?", [COST], Rewriter("Who funded the renovation costs?"))
    assert by_model.how == "rules"  # it dropped "paid": the rules' rewrite is used
    by_model = standalone(
        "Who paid for it?", [COST], Rewriter("Who paid for the Eastside renovation work?")
    )
    assert (by_model.how, by_model.question) == (
        "model",
        "Who paid for the Eastside renovation work?",
    )
