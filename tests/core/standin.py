"""A stand-in model for tests of the bookkeeping around answers, without the real model's time."""

from __future__ import annotations

from core.llm.base import GenerationStats


class Oracle:
    """Answers from a table of question words (the first whose words are in the question that
    ends the prompt), "I do not know." otherwise; keeps the questions it was asked."""

    name, device = "oracle", "cpu"

    def __init__(self, answers: dict[str, str], window: int = 8192) -> None:
        self.answers = answers
        self.context_window = window
        self.asked: list[str] = []
        self.last_stats = GenerationStats()

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def fits(self, prompt_tokens: int, max_new_tokens: int = 512) -> bool:
        return prompt_tokens + max_new_tokens <= self.context_window

    def stream(self, messages, max_new_tokens=512, stop=None, cancel=None):
        question = messages[-1]["content"].rsplit("Question:", 1)[-1].strip()
        self.asked.append(question)
        said = next((a for q, a in self.answers.items() if q in question), "I do not know.")
        self.last_stats = GenerationStats(prompt_tokens=100, new_tokens=5, stopped_by="eos")
        yield said
