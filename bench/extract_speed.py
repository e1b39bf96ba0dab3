"""How fast Longread reads PDFs, against pypdf's own extraction of the same files (the floor).

Prints pages/s for both and their ratio, medians over repeats, on a generated 400-page PDF and
any PDFs given on the command line. Run: make bench (or python bench/extract_speed.py [PDF...]).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
REPEATS = 3


def generated_pdf(pages: int = 400) -> Path:
    """A long text PDF made with fpdf2 (no download): ~2,500 characters per page."""
    path = OUT / f"generated-{pages}.pdf"
    if path.exists():
        return path
    from fpdf import FPDF

    words = "contract party clause term notice payment period agreement shall means".split()
    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    for n in range(pages):
        pdf.add_page()
        body = " ".join(words[(n * 7 + i * 3) % len(words)] for i in range(420))
        pdf.multi_cell(0, 5, f"Section {n + 1}. {body}")
    OUT.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def pypdf_floor(path: Path) -> float:
    from pypdf import PdfReader

    start = time.perf_counter()
    for page in PdfReader(path).pages:
        page.extract_text()
    return time.perf_counter() - start


def longread_load(path: Path) -> float:
    from core.documents import load

    start = time.perf_counter()
    load(path)
    return time.perf_counter() - start


def main(argv: list[str]) -> None:
    from pypdf import PdfReader

    from core.documents import load

    paths = [generated_pdf(), *(Path(p) for p in argv)]
    load(paths[0])  # start the parser process once, as the app does
    print(f"{'file':40} {'pages':>6} {'pypdf p/s':>10} {'longread p/s':>13} {'ratio':>6}")
    for path in paths:
        pages = len(PdfReader(path).pages)
        floor = statistics.median(pypdf_floor(path) for _ in range(REPEATS))
        ours = statistics.median(longread_load(path) for _ in range(REPEATS))
        print(
            f"{path.name[:40]:40} {pages:6d} {pages / floor:10.1f} {pages / ours:13.1f} "
            f"{ours / floor:5.2f}x"
        )
    print("ratio = Longread's time / pypdf's time (includes hashing, the worker process, columns)")


if __name__ == "__main__":
    main(sys.argv[1:])
