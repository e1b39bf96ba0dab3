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
