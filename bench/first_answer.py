"""From "Download" to the first answer with a new model, excluding the transfer itself.

    python bench/first_answer.py [--model FILE.gguf]

A stand-in hub on this machine serves the model (the transfer is timed and reported but not
counted: its time is the user's line, not Longread's), then each step a user waits for is
timed as the app runs it: the download's checks (SHA-256, the move into place, the header
against the catalog), loading the model on its runtime, the 15-second speed probe, and the
first answer about the sample report (already in the library). Without --model, a synthetic
Q8_0 Llama of ~0.4B parameters stands in for the catalog's smallest models (random weights:
its answers are nonsense, its speed is that of a real model of this shape).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "resources" / "sample" / "harbor-report.pdf"
QUESTION = "How many visits did the library welcome in 2023?"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, help="a GGUF file (default: a synthetic 0.4B)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="longread-first-answer-"))
    os.environ["LONGREAD_HOME"] = str(home)
    from core import offline

    offline.enforce()
    from core.library import Library

    print("Indexing the sample report first (not counted)…", flush=True)
    library = Library(home / "library")
    library.add([SAMPLE])
    (document,) = library.documents()

    if args.model is None:
        sys.argv = sys.argv[:1]
        from llm_speed import synthetic_model

        args.model = synthetic_model()
    from core.llm import download, get_backend
    from core.llm.probe import probe
    from core.modes import Request, ask
    from tests.core.llm.hub import Hub

    steps: dict[str, float] = {}
    with Hub() as hub:
        os.environ["HF_ENDPOINT"] = hub.url
        hub.add("bench/model-GGUF", args.model.name, args.model.read_bytes())
        started = time.perf_counter()
        transfer: dict[str, float] = {}

        def on_progress(done, total, _rate, _left) -> None:
            if total and done >= total and "end" not in transfer:
                transfer["end"] = time.perf_counter()

        path = download.pull("bench/model-GGUF", args.model.name, on_progress=on_progress)
        finished = time.perf_counter()
        transferred = transfer.get("end", finished) - started
        steps["checks after the transfer (SHA-256, move, record)"] = (
            finished - started - transferred
        )
    t = time.perf_counter()
    backend = get_backend(f"gguf:{path}")
    where = f"{getattr(backend, 'runtime', 'torch')}, {getattr(backend, 'device', 'cpu')}"
    steps[f"load on {where}"] = time.perf_counter() - t
    t = time.perf_counter()
    record = probe(backend)
    steps["speed probe"] = time.perf_counter() - t
    backend.forget() if hasattr(backend, "forget") else None
    t = time.perf_counter()
    answer = ask(Request(QUESTION, [library.get(document.id)], library), backend, "auto")
    steps[f"first answer ({answer.mode})"] = time.perf_counter() - t
    # A question asked while the probe runs: the window stops the probe, which keeps what it
    # measured; the wait is the time the probe takes to give way.
    import threading

    cancel = threading.Event()
    runner = threading.Thread(target=lambda: probe(backend, cancel=cancel))
    runner.start()
    time.sleep(3.0)
    t = time.perf_counter()
    cancel.set()
    runner.join()
    gave_way = time.perf_counter() - t
    print(f"\nmodel: {args.model.name} ({path.stat().st_size / 1e6:,.0f} MB), {backend.name}")
    print(f"transfer from the stand-in hub (not counted): {transferred:.1f} s")
    for name, seconds in steps.items():
        print(f"  {name:<52} {seconds:6.1f} s")
    print(
        f"  {'from Download to the first answer, transfer excluded':<52} "
        f"{sum(steps.values()):6.1f} s"
    )
    quick = sum(v for k, v in steps.items() if k != "speed probe") + gave_way
    print(
        f"  {'... asked at once (the probe gives way in ' + format(gave_way, '.2f') + ' s)':<52}"
        f" {quick:6.1f} s"
    )
    print(
        f"probe: reads ~{record['prefill_tok_s']:,.0f} tokens/s, writes "
        f"~{record['decode_tok_s']:.1f} tokens/s"
    )


if __name__ == "__main__":
    main()
