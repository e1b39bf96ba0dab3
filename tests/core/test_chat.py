"""`longread chat` with the real model: piped questions, each answered, the follow-up fast."""

from __future__ import annotations

import io
import re

import pytest

from core.cli import main
from tests.core.llm import texts

pytestmark = pytest.mark.slow


def test_two_piped_questions_are_both_answered_and_the_second_reuses_the_document(
    tmp_path, monkeypatch, capsys, smollm
):
    # The CLI would load the model itself; the session's copy is the same model, already loaded.
    monkeypatch.setattr("core.llm.get_backend", lambda *args, **kwargs: smollm)
    doc = tmp_path / "chronicle.txt"
    doc.write_text(texts.planted(smollm.count_tokens, 700, depth=0.4, seed=11), encoding="utf-8")
    questions = f"{texts.QUESTION}\n\nTell me who the harbour master of Port Elling is.\n/quit\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(questions + "Never asked?\n"))

    assert main(["chat", "--mode", "direct", "--max-tokens", "40", str(doc)]) == 0
    out = capsys.readouterr().out

    turns = out.split("\n? ")[1:]
    assert len(turns) == 2, out  # the blank line is skipped and nothing after /quit is asked
    assert turns[0].startswith(texts.QUESTION)
    for turn in turns:
        assert texts.ANSWER in turn  # the answer, and its citation quoting the needle
        assert "mode: direct" in turn
        assert "first words after" in turn
    first_reused = re.search(r"([\d,]+) of ([\d,]+) prompt tokens reused", turns[0])
    assert first_reused is None, "the first question reads the whole document"
    reused, prompt = (
        int(n.replace(",", ""))
        for n in re.search(r"([\d,]+) of ([\d,]+) prompt tokens reused", turns[1]).groups()
    )
    assert reused >= 600 and prompt - reused < 40, "the follow-up reads only its own question"
    seconds = [float(s) for s in re.findall(r"first words after ([\d.]+) s", out)]
    assert seconds[1] < seconds[0]


def test_a_piped_follow_up_is_read_with_the_question_before_it(monkeypatch, capsys, smollm):
    from core.paths import resource

    monkeypatch.setattr("core.llm.get_backend", lambda *args, **kwargs: smollm)
    monkeypatch.setattr(
        "sys.stdin",
        io.StringIO(
            "How much did the Eastside renovation cost?\nWho paid for it?\nWhen did it reopen?\n"
        ),
    )
    assert main(["chat", "--max-tokens", "60", str(resource("sample", "harbor-report.pdf"))]) == 0
    turns = capsys.readouterr().out.split("\n? ")[1:]

    assert len(turns) == 3
    assert "2.4 million" in turns[0]
    assert "(read as: Who paid for the Eastside renovation?)" in turns[1]
    assert re.search(r"\[1\] [^\n]*page 4", turns[1])  # first from the renovation's page
    assert "town" in turns[1].split("\n")[1].lower()
    # the third turn builds on the rewritten second one, and reads the same page
    assert "(read as: When did the Eastside renovation reopen?)" in turns[2]
    assert re.search(r"\[1\] [^\n]*page 4", turns[2])


def test_ask_takes_the_earlier_turns_from_a_history_file(tmp_path, capsys, monkeypatch, smollm):
    import json

    from core.paths import resource

    monkeypatch.setattr("core.llm.get_backend", lambda *args, **kwargs: smollm)
    history = tmp_path / "history.json"
    history.write_text(
        json.dumps(
            [
                {
                    "question": "How much did the Eastside renovation cost?",
                    "answer": "It cost $2.4 million.",
                }
            ]
        )
    )
    sample = str(resource("sample", "harbor-report.pdf"))
    assert (
        main(
            [
                "ask",
                sample,
                "-q",
                "Who paid for it?",
                "--history",
                str(history),
                "--json",
                "--max-tokens",
                "60",
            ]
        )
        == 0
    )
    answer = json.loads(capsys.readouterr().out)
    step = next(t for t in answer["trace"] if t["step"] == "follow-up")
    assert step["searched_with"] == "Who paid for the Eastside renovation?"

    history.write_text('{"question": "not a list"}')
    assert main(["ask", sample, "-q", "Who paid for it?", "--history", str(history)]) == 2
    assert "must be a JSON list" in capsys.readouterr().err
    assert main(["ask", sample, "-q", "Why?", "--history", str(tmp_path / "none.json")]) == 2
    assert "could not be read" in capsys.readouterr().err
