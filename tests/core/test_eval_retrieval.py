"""`longread eval qa --retrieval-only`: whether search finds each question's evidence pages,
per question type, with no model loaded."""

from __future__ import annotations

import json

from core import cli
from tests.core import prose

FACTS = {
    3: "The lighthouse on Gull Point was first lit in 1871 by keeper Agnes Tremayne.",
    6: "The ferry to Ostry Island leaves the north quay at a quarter past seven.",
}


def _folder(tmp_path):
    paragraphs = prose.paragraphs()
    pages = [paragraphs[i * 3] + "\n\n" + paragraphs[i * 3 + 1] for i in range(8)]
    for page, fact in FACTS.items():
        pages[page - 1] += "\n\n" + fact
    (tmp_path / "harbour.txt").write_text("\f".join(pages), encoding="utf-8")
    rows = [
        {"id": "light", "documents": ["harbour.txt"], "type": "fact", "answer": "1871",
         "question": "When was the Gull Point lighthouse first lit?", "evidence_pages": [3]},
        {"id": "both", "documents": ["harbour.txt"], "type": "multihop", "answer": "x",
         "question": "Who lit the Gull Point lighthouse, and when does the Ostry Island ferry "
         "leave?", "evidence_pages": [3, 6]},
        {"id": "none", "documents": ["harbour.txt"], "type": "fact", "answer": "y",
         "question": "What is asked without evidence pages?"},
    ]  # fmt: skip
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_retrieval_only_finds_the_evidence_pages_without_a_model(tmp_path, capsys, monkeypatch):
    def no_model(*args, **kwargs):
        raise AssertionError("a language model was loaded")

    monkeypatch.setattr(cli, "_backend", no_model)
    path = _folder(tmp_path)
    code = cli.main(["eval", "qa", str(path), "--retrieval-only", "--json"])
    assert code == cli.EXIT_OK
    report = json.loads(capsys.readouterr().out)
    by_id = {q["id"]: q for q in report["questions"]}
    assert set(by_id) == {"light", "both"} and report["skipped_without_evidence"] == 1
    assert by_id["light"]["first_evidence_rank"] == 1
    assert report["summary"]["fact"]["recall@5"] == {"found": 1, "questions": 1, "share": 1.0}
    both = report["summary"]["multihop"]
    assert both["recall@10"]["found"] == 1
    # The multihop question needs pages 3 and 6: counted in all_pages only when both came up.
    pages = {p for passage in by_id["both"]["passage_pages"] for p in passage}
    assert both["all_pages@10"]["found"] == int({3, 6} <= pages)


def test_retrieval_only_prints_a_table_by_type(tmp_path, capsys):
    path = _folder(tmp_path)
    assert cli.main(["eval", "qa", str(path), "--retrieval-only"]) == cli.EXIT_OK
    text = capsys.readouterr().out
    assert "recall@5" in text and "all pages@10" in text
    assert any(line.startswith("fact (1)") and "1/1 (100%)" in line for line in text.splitlines())
    assert "(1 questions without evidence pages left out)" in text
