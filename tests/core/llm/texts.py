"""Long texts with a planted fact, made from a seeded generator so every run sees the same."""

from __future__ import annotations

from core.eval.haystack import chronicle  # the generator the eval uses too

NEEDLE = "The harbour master of Port Elling is a woman named Mirela Voss."
QUESTION = "Who is the harbour master of Port Elling?"
ANSWER = "Mirela Voss"


def planted(count_tokens, tokens: int, depth: float = 0.5, seed: int = 3) -> str:
    """A chronicle of about `tokens` tokens with NEEDLE at `depth` (0 = start, 1 = end)."""
    paragraphs = chronicle(tokens // 40 + 10, seed)
    while count_tokens("\n\n".join(paragraphs)) > tokens:
        paragraphs = paragraphs[: -max(1, len(paragraphs) // 50)]
    paragraphs.insert(int(len(paragraphs) * depth), NEEDLE)
    return "\n\n".join(paragraphs)


def ask(document: str, question: str = QUESTION) -> list[dict]:
    """The messages direct mode sends: the document first, so its KV cache can be kept."""
    return [
        {
            "role": "user",
            "content": f"<document>\n{document}\n</document>\n\n"
            f"Answer the question in one sentence, using the document above.\nQuestion: {question}",
        }
    ]
