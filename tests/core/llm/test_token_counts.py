"""Long texts' token counts are kept: the router counts the selection at every question, and a
1,000-page manual took ~1.5 s to count each time."""

from __future__ import annotations

from core.llm import token_counts
from core.llm.token_counts import TokenCounts


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, text: str) -> int:
        self.calls += 1
        return len(text.split())


LONG_TEXT = "word " * (token_counts.LONG // 4)


def test_a_long_text_is_counted_once_even_after_a_restart(tmp_path):
    first = Counter()
    assert TokenCounts(first, tmp_path)(LONG_TEXT) == token_counts.LONG // 4
    assert TokenCounts(first, tmp_path)(LONG_TEXT) == token_counts.LONG // 4  # a new process
    assert first.calls == 1
    changed = LONG_TEXT + "one more"
    assert TokenCounts(first, tmp_path)(changed) == token_counts.LONG // 4 + 2
    assert first.calls == 2
    # The file holds digests and numbers, never the text.
    assert "word" not in (tmp_path / "counts.json").read_text()


def test_short_texts_are_counted_each_time_and_nothing_is_written(tmp_path):
    counter = Counter()
    counts = TokenCounts(counter, tmp_path)
    assert counts("a few words") == 3 and counts("a few words") == 3
    assert counter.calls == 2 and not (tmp_path / "counts.json").exists()


def test_a_damaged_file_is_counted_again_and_replaced(tmp_path):
    (tmp_path / "counts.json").write_text("{not json")
    counter = Counter()
    assert TokenCounts(counter, tmp_path)(LONG_TEXT) == token_counts.LONG // 4
    assert TokenCounts(Counter(), tmp_path)(LONG_TEXT) == token_counts.LONG // 4
    assert counter.calls == 1


def test_only_the_most_recent_counts_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(token_counts, "KEPT", 3)
    counter = Counter()
    counts = TokenCounts(counter, tmp_path)
    texts = [LONG_TEXT + f"n{i}" for i in range(4)]
    for text in texts:
        counts(text)
    counts(texts[3])
    assert counter.calls == 4
    TokenCounts(counter, tmp_path)(texts[0])  # the oldest was dropped: counted again
    assert counter.calls == 5


def test_without_a_folder_counts_are_kept_in_memory(tmp_path):
    counter = Counter()
    counts = TokenCounts(counter, None)
    counts(LONG_TEXT)
    counts(LONG_TEXT)
    assert counter.calls == 1 and not any(tmp_path.iterdir())


def test_the_bundled_model_counts_a_long_document_once(smollm, monkeypatch):
    text = "The harbour master keeps the tide tables. " * 2_000
    expected = len(smollm.tokenizer.encode(text, add_special_tokens=False))
    calls = []
    real = smollm._count
    monkeypatch.setattr(smollm, "_count", lambda t: calls.append(1) or real(t))
    monkeypatch.setattr(smollm._counts, "_count", smollm._count)
    assert smollm.count_tokens(text) == expected
    assert smollm.count_tokens(text) == expected
    assert len(calls) == 1
