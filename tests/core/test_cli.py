"""The `longread` command as a user runs it: real files, a real process, exit codes and messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.core.documents import files

LONGREAD = [sys.executable, "-m", "app.entry"]


def longread(
    *args: str, env: dict | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*LONGREAD, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=Path(__file__).resolve().parents[2],
    )


def test_help_is_instant_and_imports_nothing_heavy():
    probe = (
        "import sys, app.entry, core.cli\n"
        "core.cli._parser()\n"
        "heavy = ['pypdf', 'docx', 'ebooklib', 'lxml', 'rich', 'PySide6', 'torch', 'sqlite3']\n"
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = longread("--help")
        times.append(time.perf_counter() - start)
        assert result.returncode == 0 and "extract" in result.stdout
    assert min(times) < 1.0


def test_extract_prints_every_page_with_its_printed_label(tmp_path):
    pdf = files.write_pdf(
        tmp_path / "report.pdf",
        ["Preface text.", "Chapter one begins.", "Chapter one ends."],
        title="Annual Report",
        page_labels=[files.PageLabels(0, 0, "/r"), files.PageLabels(1, 2, "/D", start=1)],
    )
    result = longread("extract", str(pdf))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Annual Report — 3 pages")
    assert "page 1 (printed “i”)" in result.stdout
    assert "page 3 (printed “2”)" in result.stdout
    assert result.stdout.index("Preface text.") < result.stdout.index("Chapter one ends.")

    data = json.loads(longread("extract", "--json", str(pdf)).stdout)
    assert data["title"] == "Annual Report"
    assert [p["number"] for p in data["pages"]] == [1, 2, 3]
    assert [p["label"] for p in data["pages"]] == ["i", "1", "2"]
    assert "Chapter one begins." in data["pages"][1]["text"]
    assert len(data["sha256"]) == 64


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str, dict]]:
    """name -> (file, words the one-line message must contain, extra environment)."""
    scanned = files.write_pdf(tmp_path / "scan.pdf", [files.PictureOnly()])
    locked = files.write_pdf(tmp_path / "locked.pdf", ["Secret."], user_password="pw")
    good = files.write_pdf(tmp_path / "good.pdf", ["Fine."])
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 3])
    empty = tmp_path / "empty.docx"
    empty.touch()
    odd = tmp_path / "notes.xyz"
    odd.write_text("hello")
    bomb = files.write_bomb_zip(tmp_path / "bomb.zip", 300 * files.MB)
    docx_bomb = files.add_bomb(
        tmp_path / "bomb.docx", bomb, files.write_docx(tmp_path / "base.docx", ["Hi."])
    )
    big = files.write_text(tmp_path / "big.txt", "word " * 5000)
    return {
        "missing": (tmp_path / "nowhere.pdf", "not found", {}),
        "unsupported": (odd, "not a format", {}),
        "empty": (empty, "empty", {}),
        "truncated": (truncated, "damaged", {}),
        "password": (locked, "password", {}),
        "scanned": (scanned, "OCR", {}),
        "zip bomb": (docx_bomb, "refused for safety", {}),
        "too large": (big, "size limit", {"LONGREAD_MAX_FILE_MB": "0.01"}),
    }


def test_every_bad_file_gives_one_clear_line_and_exit_code_2(tmp_path):
    for case, (path, words, env) in _bad_files(tmp_path).items():
        result = longread("extract", str(path), env=env)
        assert result.returncode == 2, case
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (case, result.stderr)
        assert path.name in lines[0] and words in lines[0], (case, lines[0])
        assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_password_opens_a_protected_pdf(tmp_path, algorithm):
    locked = files.write_pdf(
        tmp_path / "locked.pdf", ["Secret plans."], user_password="s3cret", algorithm=algorithm
    )
    assert "password" in longread("extract", str(locked)).stderr
    result = longread("extract", "--password", "s3cret", str(locked))
    assert result.returncode == 0 and "Secret plans." in result.stdout


def test_add_a_mixed_folder_adds_the_good_files_and_reports_the_bad(tmp_path):
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    files.write_pdf(folder / "a.pdf", ["Alpha page one.", "Alpha page two."], title="Alpha")
    files.write_docx(folder / "sub" / "b.docx", ["Bravo paragraph."], title="Bravo")
    files.write_text(folder / "sub" / "c.md", "# Charlie\n\nCharlie text.")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage")
    (folder / "empty.txt").touch()
    library = tmp_path / "lib"

    result = longread("add", "--library", str(library), str(folder))
    assert result.returncode == 1
    assert "3 added" in result.stdout and "2 failed" in result.stdout
    assert "broken.pdf" in result.stderr and "empty.txt" in result.stderr
    assert "Traceback" not in result.stderr

    listed = json.loads(longread("list", "--library", str(library), "--json").stdout)
    assert sorted(d["title"] for d in listed) == ["Alpha", "Bravo", "Charlie"]
    alpha = next(d for d in listed if d["title"] == "Alpha")
    assert alpha["pages"] == 2

    again = longread("add", "--library", str(library), str(folder / "a.pdf"))
    assert again.returncode == 0 and "0 added" in again.stdout and "1 unchanged" in again.stdout

    removed = longread("remove", "--library", str(library), str(alpha["id"]))
    assert removed.returncode == 0 and "Alpha" in removed.stdout
    listed = json.loads(longread("list", "--library", str(library), "--json").stdout)
    assert sorted(d["title"] for d in listed) == ["Bravo", "Charlie"]

    gone = longread("remove", "--library", str(library), "999")
    assert gone.returncode == 2 and len(gone.stderr.strip().splitlines()) == 1


def test_list_of_an_empty_library_says_how_to_add(tmp_path):
    result = longread("list", "--library", str(tmp_path / "lib"))
    assert result.returncode == 0 and "longread add" in result.stdout


@pytest.mark.parametrize("argv", [["add"], ["extract"], ["nonsense"]])
def test_wrong_usage_explains_itself(argv):
    result = longread(*argv)
    assert result.returncode == 2 and "usage:" in result.stderr


def test_a_streamed_answer_ends_saying_what_the_documents_do_not_support(capsys):
    from core.cli.answer import _after_stream
    from core.modes import Answer

    silent = Answer("I could not find this in the selected documents.", [], "rag", "",
                    [{"step": "grounding", "shown": False, "draft": "It is 42."}])  # fmt: skip
    _after_stream(silent)
    assert "(Set aside: not supported by your documents.) I could not find this" in (
        capsys.readouterr().out
    )
    trimmed = {"step": "grounding", "shown": "part", "set_aside": "with 11 more."}
    part = Answer("It has 121 positions.", [], "rag", "", [trimmed])
    _after_stream(part)
    out = capsys.readouterr().out
    assert "(Only this part is supported by your documents.) It has 121 positions." in out
    _after_stream(Answer("It has 121 positions.", [], "rag", "", [{"step": "search"}]))
    assert capsys.readouterr().out == "\n"
