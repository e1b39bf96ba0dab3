"""Experiment: rerank the passages search finds by the bundled model's own judgement.

For each answerable dev question with evidence pages, the library's search gives its first 10
passages; the model is then asked of each "Does this passage answer the question? Answer yes or
no." and the passages are reordered by the probability of "yes" in its next-token logits (one
prefill per passage, nothing generated). Prints where the first evidence page comes, before and
after, as recall@1/2/3/5, for the model's order alone and fused with the search's order
(reciprocal ranks, as search fuses its own two), and the time the judging takes.

    .venv/bin/python bench/eval/rerank.py [--library /tmp/evallib]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
K = 10
PROMPT = (
    "Question: {question}\n\nPassage:\n{passage}\n\n"
    "Does the passage answer the question? Answer yes or no."
)


def yes_probability(backend, question: str, passage: str, yes_ids, no_ids) -> float:
    import torch

    from core.llm.kvcache import new_cache

    messages = [{"role": "user", "content": PROMPT.format(passage=passage, question=question)}]
    ids = backend.encode(messages)
    with backend._lock, torch.inference_mode():
        logits = backend._forward(ids, 0, new_cache(backend.config))[0, -1].float()
    probs = torch.softmax(logits, dim=-1)
    yes, no = float(probs[yes_ids].sum()), float(probs[no_ids].sum())
    return yes / (yes + no) if yes + no else 0.0


def first_ids(tokenizer, words) -> list[int]:
    out = set()
    for word in words:
        for variant in (word, word.capitalize(), " " + word, " " + word.capitalize()):
            out.add(tokenizer.encode(variant, add_special_tokens=False)[0])
    return sorted(out)


def main() -> int:
    sys.path.insert(0, str(HERE.parents[1]))
    from core import offline

    offline.enforce()
    parser = argparse.ArgumentParser()
    parser.add_argument("--library", default="/tmp/evallib")
    parser.add_argument("--questions", default=str(HERE / "dev.jsonl"))
    args = parser.parse_args()

    from core.library import Library
    from core.llm import get_backend

    backend = get_backend("default")
    yes_ids = first_ids(backend.tokenizer, ["yes"])
    no_ids = first_ids(backend.tokenizer, ["no"])
    library = Library(args.library)
    by_path = {i.path: i.id for i in library.documents()}
    ranks: dict[str, list[tuple[int | None, int | None]]] = {}
    seconds = []
    for line in Path(args.questions).read_text().splitlines():
        q = json.loads(line)
        if q["answer"] is None or not q.get("evidence_pages") or q.get("choices"):
            continue
        ids = [by_path[str((HERE / p).resolve())] for p in q["documents"]]
        found = library.search(q["question"], k=K, doc_ids=ids)
        evidence = set(q["evidence_pages"])

        def first(order, evidence=evidence):
            for rank, p in enumerate(order, 1):
                if set(range(p.page_start, p.page_end + 1)) & evidence:
                    return rank
            return None

        started = time.perf_counter()
        scored = [
            (yes_probability(backend, q["question"], p.text, yes_ids, no_ids), -i, p)
            for i, p in enumerate(found)
        ]
        seconds.append(time.perf_counter() - started)
        reranked = [p for _s, _i, p in sorted(scored, key=lambda row: row[:2], reverse=True)]
        model_rank = {id(p): r for r, p in enumerate(reranked)}

        def fusion(p, model_rank=model_rank, found=found):
            return 1 / (60 + found.index(p)) + 1 / (60 + model_rank[id(p)])

        fused = sorted(found, key=fusion, reverse=True)
        ranks.setdefault(q["type"], []).append((first(found), first(reranked)))
        ranks.setdefault("fused " + q["type"], []).append((first(found), first(fused)))
        said = f"search {first(found)}  reranked {first(reranked)}  fused {first(fused)}"
        print(f"{q['id']:22} {said}", flush=True)
    print()
    print(f"{'type':10} " + " ".join(f"{'@' + str(k):>13}" for k in (1, 2, 3, 5)))
    everything = [r for t, rows in ranks.items() if not t.startswith("fused") for r in rows]
    fused_all = [r for t, rows in ranks.items() if t.startswith("fused") for r in rows]
    for kind, rows in [*ranks.items(), ("all", everything), ("fused all", fused_all)]:
        cells = []
        for k in (1, 2, 3, 5):
            before = sum(a is not None and a <= k for a, _ in rows)
            after = sum(b is not None and b <= k for _, b in rows)
            cells.append(f"{before:>3} -> {after:<3}/{len(rows):<3}")
        print(f"{kind:10} " + " ".join(f"{c:>13}" for c in cells))
    print(f"\njudging {K} passages: median {statistics.median(seconds):.2f} s a question")
    return 0


if __name__ == "__main__":
    sys.exit(main())
