"""Long texts with a planted fact, made from a seeded generator so every run sees the same."""

from __future__ import annotations

import random

NEEDLE = "The harbour master of Port Elling is a woman named Mirela Voss."
QUESTION = "Who is the harbour master of Port Elling?"
ANSWER = "Mirela Voss"

_FIRST = "Anna Boris Clara Dmitri Elena Felix Greta Hugo Ines Jonas Karla Luca Maren Nils".split()
_LAST = "Berg Castell Dorn Eklund Falk Gruber Holm Ilves Jansen Kraus Lind Moreau Novak".split()
_TOWNS = "Alder Brightwater Cobbleford Dunmere Eastwick Fallowby Greyhaven Hollin Ivybridge".split()
_JOBS = (
    "baker teacher miller blacksmith doctor librarian carpenter weaver brewer clockmaker".split()
)
_DEEDS = [
    "opened a small shop",
    "repaired the old bridge",
    "wrote a book about birds",
    "planted forty apple trees",
    "won the autumn rowing race",
    "moved to the coast",
    "restored the chapel organ",
    "kept bees behind the school",
    "built a boat in a barn",
    "sang in the winter choir",
]


def chronicle(paragraphs: int, seed: int = 3) -> list[str]:
    """Paragraphs of a made-up town chronicle: varied, and about nothing the needle says."""
    rng = random.Random(seed)
    out = []
    for _ in range(paragraphs):
        sentences = [
            f"In {rng.randint(1851, 1910)}, {rng.choice(_FIRST)} {rng.choice(_LAST)}, the "
            f"{rng.choice(_JOBS)} of {rng.choice(_TOWNS)}, {rng.choice(_DEEDS)}."
            for _ in range(4)
        ]
        out.append(" ".join(sentences))
    return out


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
