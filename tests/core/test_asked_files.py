"""Files asked about directly are read and embedded once: a second question about the same
content (at any path) starts from the cache, which drops the files asked about longest ago."""

from __future__ import annotations

import shutil

import pytest

from core.cli import main
from core.embeddings import Embedder
from core.paths import resource

pytestmark = pytest.mark.slow


@pytest.fixture
def counted(monkeypatch, tmp_path, smollm):
    monkeypatch.setenv("LONGREAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("core.llm.get_backend", lambda *args, **kwargs: smollm)
    texts: list[int] = []
    real = Embedder.embed

    def embed(self, batch, **kwargs):
        texts.append(len(batch))
        return real(self, batch, **kwargs)

    monkeypatch.setattr(Embedder, "embed", embed)
    return texts


def test_the_same_file_asked_about_twice_is_read_and_embedded_once(counted, tmp_path, capsys):
    sample = resource("sample", "harbor-report.pdf")
    question = ["-q", "How many visits did the library have?", "--max-tokens", "30"]
    assert main(["ask", str(sample), *question]) == 0
    answered = capsys.readouterr().out.splitlines()[0]
    first = sum(counted)
    counted.clear()
    copy = shutil.copy(sample, tmp_path / "the same report.pdf")  # same content, other path
    assert main(["ask", str(copy), *question]) == 0
    assert first >= 3 and sum(counted) <= 1  # at most the question's own vector
    assert capsys.readouterr().out.splitlines()[0] == answered  # the same answer from it

    counted.clear()
    assert main(["ask", str(sample), "--no-cache", *question]) == 0
    assert sum(counted) >= first  # --no-cache reads it afresh


def test_the_files_asked_about_longest_ago_leave_the_cache_first(counted, tmp_path, monkeypatch):
    from core.library import asked

    notes = []
    for n in range(3):
        path = tmp_path / f"notes-{n}.txt"
        path.write_text(f"Meeting {n}: the ferry timetable changes in month {n + 3}. " * 40)
        notes.append(path)
    monkeypatch.setattr(asked, "ASKED_CACHE_CHARS", 2 * len(notes[0].read_text()) + 10)
    for path in notes:
        assert (
            main(["ask", str(path), "-q", "When does the timetable change?", "--max-tokens", "20"])
            == 0
        )
    with asked.open_asked() as library:
        kept = sorted(d.path for d in library.documents())
    assert kept == [str(notes[1]), str(notes[2])]
