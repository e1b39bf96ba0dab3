"""Scanned PDF pages (pictures, no text layer) are read with text recognition (OCR).

The scans are made here: Pillow draws the text at 150 dpi, the picture is saved as a JPEG (as
scanners do) and fpdf2 places it as a whole page, with no text layer, after a normal text page.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import core.documents
from core.documents import Limits, load, ocr
from core.documents.worker import ParserProcess
from core.errors import ScannedPDFError
from core.library import Library

ROOT = Path(__file__).resolve().parents[3]
DPI = 150
PAGE_MM = (105, 148)  # A6: a small page keeps recognition quick
TEXT_PAGE = "The harbour ledger lists every arrival."
SCAN = [
    "The lighthouse keeper Ambrose",
    "Pellegrini recorded seventeen",
    "shipwrecks near Kestrel Point",
    "between 1871 and 1879.",
    "",
    "The quarantine harbour at",
    "Vellmoor was closed after",
    "the cholera outbreak.",
]
WORDS = ["Pellegrini", "shipwrecks", "Kestrel", "1879", "quarantine", "Vellmoor", "cholera"]


def scan_jpeg(lines: list[str]) -> bytes:
    """A page of text as a scanner would give it: a greyscale JPEG at DPI."""
    from PIL import Image, ImageDraw, ImageFont

    def px(mm: float) -> int:
        return round(mm / 25.4 * DPI)

    image = Image.new("L", (px(PAGE_MM[0]), px(PAGE_MM[1])), 250)  # off-white paper
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=round(11 / 72 * DPI))  # 11 pt
    y = px(15)
    for line in lines:
        draw.text((px(12), y), line, fill=20, font=font)
        y += round(11 * 1.4 / 72 * DPI)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def write_pdf(path: Path, pages: list[str | list[str]]) -> Path:
    """A str is a normal page of text ("": a blank page); a list of lines is a scanned page
    (a picture only)."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=PAGE_MM)
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=11)
    for page in pages:
        pdf.add_page()
        if isinstance(page, str):
            for n, line in enumerate(textwrap.wrap(page, 45)):
                pdf.text(12, 20 + 6 * n, line)
        else:
            pdf.image(io.BytesIO(scan_jpeg(page)), x=0, y=0, w=PAGE_MM[0], h=PAGE_MM[1])
    path.write_bytes(bytes(pdf.output()))
    return path


@pytest.fixture(scope="module")
def scanned_pdf(tmp_path_factory) -> Path:
    """A blank cover, a scanned page, then a page with a text layer."""
    folder = tmp_path_factory.mktemp("scan")
    return write_pdf(folder / "harbour letter.pdf", ["", SCAN, TEXT_PAGE])


def flat(text: str) -> str:
    return " ".join(text.split()).lower()


def test_a_scanned_page_is_recognised_in_the_parser_process(scanned_pdf):
    """Through the parser process as the app reads files: the scanned page's words, the text
    page exactly as written, a progress message for the recognition, and OpenCV (which carries
    its own Qt libraries) never loaded into the calling process."""
    script = textwrap.dedent(
        """
        import json, os, sys
        import core.documents
        progress = []
        doc = core.documents.load(sys.argv[1], on_progress=lambda *a: progress.append(list(a)))
        core.documents.shutdown()
        print(json.dumps({
            "pages": [[p.number, p.text] for p in doc.pages],
            "progress": progress,
            "loaded": sorted(m for m in ("cv2", "rapidocr_onnxruntime", "onnxruntime")
                             if m in sys.modules),
        }))
        """
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", script, str(scanned_pdf)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert [number for number, _text in result["pages"]] == [1, 2, 3]
    (_, cover), (_, second), (_, third) = result["pages"]
    assert cover == "" and third == TEXT_PAGE
    for word in WORDS:
        assert word.lower() in flat(second), (word, second)
    # read top to bottom, and the blank line between the paragraphs kept
    assert flat(second).index("pellegrini") < flat(second).index("vellmoor")
    assert "\n\n" in second
    assert [0, 1, "recognising text on page 2 of 3"] in result["progress"]
    assert result["loaded"] == []


def test_recognition_time_does_not_count_against_the_reading_limit(scanned_pdf, tmp_path):
    parser = ParserProcess()
    try:
        parser.parse(scanned_pdf)  # the parser and its recognition engine started
        start = time.monotonic()
        parser.parse(scanned_pdf)
        recognition = time.monotonic() - start
        # A limit a quarter of what reading this very file takes on this machine: too short by
        # construction, whatever the CPU.
        limit = recognition / 4
        start = time.monotonic()
        doc = parser.parse(scanned_pdf, limits=Limits(timeout_s=limit))
        took = time.monotonic() - start
    finally:
        parser.close()
    assert "kestrel" in flat(doc.pages[1].text)
    assert took > limit, (took, limit)  # the file did take longer than its own limit
    print(f"OCR of one scanned A6 page at {DPI} dpi: {recognition:.2f} s; limit {limit:.2f} s")


def test_cancel_stops_recognition_at_once(scanned_pdf):
    cancel = threading.Event()
    said: list[float] = []

    def progress(done, total, message):
        if message.startswith(ocr.PROGRESS_START):
            said.append(time.monotonic())
            cancel.set()

    with pytest.raises(InterruptedError):
        load(scanned_pdf, on_progress=progress, cancel=cancel)
    assert said and time.monotonic() - said[0] < 1.0
    core.documents.shutdown()


def test_adding_a_scanned_pdf_makes_its_scanned_page_searchable(scanned_pdf, tmp_path):
    messages: list[str] = []
    with Library(tmp_path / "lib") as library:
        report = library.add(scanned_pdf, on_progress=lambda d, t, m: messages.append(m))
        assert not report.failed
        found = library.search("shipwrecks near Kestrel Point", k=3)
    assert found and found[0].page_start == 2
    assert "kestrel point" in flat(found[0].text)
    assert "Reading harbour letter.pdf: recognising text on page 2 of 3" in messages


@pytest.fixture
def ocr_not_installed(tmp_path, monkeypatch):
    """A parser process in which the OCR package cannot be imported, as when the optional
    `longread[ocr]` extra was not installed."""
    shadow = tmp_path / "shadow" / "rapidocr_onnxruntime"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named rapidocr_onnxruntime')")
    monkeypatch.setenv("PYTHONPATH", str(shadow.parent))
    core.documents.shutdown()  # the next load starts a parser process that sees the shadow
    yield
    core.documents.shutdown()


def test_without_ocr_a_scanned_pdf_says_it_needs_ocr_and_how_to_get_it(ocr_not_installed, tmp_path):
    path = write_pdf(tmp_path / "scanned contract.pdf", [SCAN[:2], SCAN[2:4]])
    with pytest.raises(ScannedPDFError) as error:
        load(path)
    message = str(error.value)
    assert "scanned contract.pdf" in message
    assert "no text layer" in message and "scanned" in message
    assert "not installed" in message and "longread[ocr]" in message


def test_without_ocr_the_text_pages_of_a_partly_scanned_pdf_are_still_read(
    ocr_not_installed, scanned_pdf
):
    doc = load(scanned_pdf)
    assert [page.number for page in doc.pages] == [1, 2, 3]
    assert [page.text for page in doc.pages] == ["", "", TEXT_PAGE]


def test_recognised_lines_are_joined_top_to_bottom_and_left_to_right():
    """The model's boxes come in any order; the page reads as it is printed."""

    def box(left, top, right, bottom):
        return [[left, top], [right, top], [right, bottom], [left, bottom]]

    found = [
        (box(300, 102, 500, 130), "of the estuary", 0.9),
        (box(40, 200, 400, 228), "A new paragraph.", 0.9),
        (box(40, 60, 420, 88), "The ferry crossing", 0.9),
        (box(40, 100, 280, 128), "at the mouth", 0.9),
    ]
    assert ocr.reading_order(found) == (
        "The ferry crossing\nat the mouth of the estuary\n\nA new paragraph."
    )


def test_starting_ocr_leaves_qt_pointed_at_its_own_plugins():
    """OpenCV's wheel sets QT_QPA_PLATFORM_PLUGIN_PATH to its bundled Qt 5 plugins when
    imported; a Qt 6 program started later from the parser process would inherit it and fail
    to open a window."""
    script = (
        "import os\n"
        "from core.documents import ocr\n"
        "ocr.engine()\n"
        "import cv2\n"  # really imported, so its configuration ran
        "print(os.environ.get('QT_QPA_PLATFORM_PLUGIN_PATH', 'unset'))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("QT_QPA_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "unset"
