"""A second question set, on documents the dev set's tuning never saw (Debian's own manuals,
present on every machine of this kind), for checking a change before it is kept.

Answerable questions are graded like `longread eval qa`; on unanswerable ones ("answer": null)
an answer shown as found is a hallucination and "not found" is right.

    python bench/eval/heldout.py [--mode auto]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    from core import offline

    offline.enforce()
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", default="auto")
    parser.add_argument("--questions", default=str(HERE / "heldout.jsonl"))
    args = parser.parse_args()

    from core.eval.qa import grade
    from core.library import Library
    from core.llm import get_backend
    from core.modes import Request, Turn, ask

    try:
        from core.modes.grounding import abstains
    except ImportError:  # a version before grounding: the map step's own test
        from core.modes.recursive_prompts import not_found as abstains

    questions = [json.loads(line) for line in Path(args.questions).read_text().splitlines()]
    backend = get_backend("default")
    right = answerable = invented = unanswerable = abstained = 0
    with tempfile.TemporaryDirectory() as folder, Library(folder) as library:
        paths = sorted({p for q in questions for p in q["documents"]})
        library.add(paths)
        by_path = {info.path: info.id for info in library.documents()}
        for q in questions:
            docs = [library.get(by_path[str(Path(p).resolve())]) for p in q["documents"]]
            started = time.perf_counter()
            # A follow-up ("type": "followup") carries the earlier turns it leans on.
            history = [Turn(t["question"], t.get("answer", "")) for t in q.get("history", [])]
            answer = ask(
                Request(q["question"], docs, library, max_new_tokens=96, history=history),
                backend,
                args.mode,
            )
            shown = getattr(answer, "supported", True) and not abstains(answer.text)
            if q["answer"] is None:
                unanswerable += 1
                invented += shown
                verdict = "HALLUCINATED" if shown else "not found (right)"
            else:
                answerable += 1
                ok = shown and grade(answer.text, q["answer"])[0]
                right += ok
                abstained += not shown
                verdict = "right" if ok else ("not found" if not shown else "wrong")
            pages = [c.page for c in answer.citations]
            print(
                f"{q['id']:14} {answer.mode:9} {verdict:18} {time.perf_counter() - started:5.1f} s"
                f"  {answer.text[:90]!r} {pages}"
            )
    print(
        f"\nanswerable: {right}/{answerable} right, {abstained} not found; "
        f"unanswerable: {invented}/{unanswerable} hallucinated"
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1]))
    sys.exit(main())
