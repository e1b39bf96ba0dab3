"""Text recognition (OCR) for PDF pages that are scanned pictures with no text layer.

The optional `longread[ocr]` extra (rapidocr-onnxruntime) ships its models inside the package,
so recognition works offline with nothing to download. It runs only in the parser process
(`core.documents.worker`): the package imports OpenCV, whose wheel carries Qt 5 libraries of its
own that must never be loaded next to the window's PySide6.

A scanned page's pictures are the PDF's embedded images (pypdf decodes them; nothing renders
the page), turned upright as the page shows them, recognised, and their lines joined top to
bottom, left to right.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
from dataclasses import dataclass

PROGRESS = "recognising text on page {page} of {pages}"  # the parser's deadline looks for it
PROGRESS_START = PROGRESS.split("{", 1)[0]

# Recognition runs beside the window and the embedding model: two threads fit two cores.
THREADS = max(1, min(2, os.cpu_count() or 1))
MAX_PIXELS = 60_000_000  # a page picture larger than this (a 600 dpi A3 scan is ~70M) is skipped
MIN_SIDE = 16  # pictures smaller than this on either side hold no readable line
DETECT_SIDE = 1600  # text is found on the picture shrunk to this long side (speed; ~140 dpi A4)
# Boxes grown this much around each found line keep the spaces between words (tighter crops
# make the recognition model drop them).
UNCLIP_RATIO = 2.5


class OCRUnavailable(Exception):
    """The OCR package is not installed or cannot start; `str()` says why."""


@dataclass
class _State:
    engine: object | None = None
    failure: str | None = None  # why the engine cannot be had, once known


_state = _State()


def engine():
    """The recognition engine, loaded once per process on first use; OCRUnavailable if not."""
    if _state.engine is not None:
        return _state.engine
    if _state.failure is not None:
        raise OCRUnavailable(_state.failure)
    # OpenCV's wheel points Qt at its own plugins through the environment when imported; a Qt
    # program started from this process later must not inherit that.
    saved = {
        name: os.environ.get(name) for name in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR")
    }
    try:
        from rapidocr_onnxruntime import RapidOCR

        _state.engine = RapidOCR(
            use_cls=False,  # upside-down line detection: slower, and it flips good lines
            intra_op_num_threads=THREADS,
            inter_op_num_threads=1,
            det_limit_type="max",
            det_limit_side_len=DETECT_SIDE,
            det_unclip_ratio=UNCLIP_RATIO,
        )
    except Exception as e:  # not installed, a missing native library, a damaged model file
        _state.failure = f"{type(e).__name__}: {e}"[:300]
        raise OCRUnavailable(_state.failure) from None
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    with contextlib.suppress(Exception):  # only a speed setting
        import cv2

        cv2.setNumThreads(THREADS)
    return _state.engine


def page_text(page) -> str:
    """The text recognised on a PDF page's pictures, in reading order ("" if none)."""
    ocr = engine()
    parts = []
    for image in _page_images(page):
        try:
            text = recognise(image, ocr)
        except MemoryError:
            raise
        except Exception:  # one undecodable or odd picture must not lose the page's others
            continue
        if text:
            parts.append(text)
    return "\n\n".join(parts)


def recognise(image, ocr=None) -> str:
    """The text on a PIL image, its lines in reading order and paragraphs split by blank lines."""
    import numpy as np

    ocr = ocr or engine()
    if image.mode != "RGB":
        image = image.convert("RGB")
    found, _timings = ocr(np.asarray(image))
    return reading_order(found or [])


@dataclass
class _Line:
    top: float
    bottom: float
    words: list[tuple[float, str]]


def reading_order(found) -> str:
    """Join OCR results [(box of 4 points, text, score), ...] into lines top to bottom (boxes
    that share most of their height are one line, read left to right); a gap half a line
    wider than the usual one between lines starts a new paragraph."""
    boxes = []
    for box, text, *_ in found:
        text = str(text).strip()
        if text:
            ys = [float(point[1]) for point in box]
            boxes.append((min(ys), max(ys), min(float(point[0]) for point in box), text))
    boxes.sort(key=lambda b: ((b[0] + b[1]) / 2, b[2]))
    lines: list[_Line] = []
    for top, bottom, left, text in boxes:
        if lines:
            line = lines[-1]
            shared = min(bottom, line.bottom) - max(top, line.top)
            if shared > 0.5 * min(bottom - top, line.bottom - line.top):
                line.words.append((left, text))
                line.top, line.bottom = min(top, line.top), max(bottom, line.bottom)
                continue
        lines.append(_Line(top, bottom, [(left, text)]))
    if not lines:
        return ""
    # A paragraph break is a gap clearly wider than the usual one between lines (which the
    # grown boxes make about zero, or negative).
    height = _median([line.bottom - line.top for line in lines])
    gaps = [line.top - above.bottom for above, line in itertools.pairwise(lines)]
    usual = max(_median(gaps), 0.0) if gaps else 0.0
    out = []
    for i, line in enumerate(lines):
        if i:
            out.append("\n\n" if gaps[i - 1] > usual + 0.5 * height else "\n")
        out.append(" ".join(text for _left, text in sorted(line.words)))
    return "".join(out)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]  # the lower middle: of two gaps, the usual one


# -- the page's pictures -------------------------------------------------------------------


def _page_images(page):
    """The page's pictures as upright PIL images, top of the page first."""
    try:
        keys = list(page.images.keys())
    except Exception:
        return
    placements = _placements(page)
    try:
        rotate = int(page.get("/Rotate", 0) or 0) % 360
    except (TypeError, ValueError):
        rotate = 0
    order = []
    for n, key in enumerate(keys):
        name = key if isinstance(key, str) else str(key[-1])
        matrix = placements.get(name)
        if matrix is None:
            order.append(((1, 0.0, 0.0, n), key, None))
        else:  # the picture's top-left corner on the page, top first
            corners = [_apply(matrix, x, y) for x, y in ((0, 0), (1, 0), (0, 1), (1, 1))]
            top = max(y for _x, y in corners)
            left = min(x for x, _y in corners)
            order.append(((0, -top, left, n), key, matrix))
    order.sort(key=lambda item: item[0])
    for _key_order, key, matrix in order:
        size = _declared_size(page, key)
        if size is not None and (min(size) < MIN_SIDE or size[0] * size[1] > MAX_PIXELS):
            continue
        try:
            image = page.images[key].image
        except MemoryError:
            raise
        except Exception:  # an image filter pypdf or Pillow cannot decode
            continue
        if image is None or min(image.size) < MIN_SIDE or math.prod(image.size) > MAX_PIXELS:
            continue
        yield _upright(_readable(image), matrix, rotate)


def _placements(page) -> dict[str, list[float]]:
    """Where each picture is drawn: XObject name -> the matrix in force at its `Do`."""
    found: dict[str, list[float]] = {}

    def visit(operator, operands, cm, _tm):
        if operator == b"Do" and operands:
            found.setdefault(str(operands[0]), [float(v) for v in cm])

    # Unknown placements leave the pictures in the file's order.
    with contextlib.suppress(Exception):
        page.extract_text(visitor_operand_before=visit)
    return found


def _apply(matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


def _declared_size(page, key) -> tuple[int, int] | None:
    """/Width and /Height of an image XObject, read before decoding it (None if unknown)."""
    try:
        obj = page
        for name in [key] if isinstance(key, str) else list(key):
            obj = obj["/Resources"].get_object()["/XObject"].get_object()[name].get_object()
        return int(obj["/Width"]), int(obj["/Height"])
    except Exception:  # inline images, odd structures: the decoded size is checked instead
        return None


def _readable(image):
    """Dark text on a light ground, as the model expects: a mostly dark black-and-white or
    grey picture (a negative scan, or 1-bit data with its colours swapped) is inverted."""
    from PIL import ImageOps, ImageStat

    if image.mode not in ("RGB", "L"):
        grey = image.mode in ("1", "I", "I;16", "F", "LA")
        image = image.convert("L" if grey else "RGB")
    if image.mode == "L" and ImageStat.Stat(image).mean[0] < 90:
        image = ImageOps.invert(image)
    return image


def _upright(image, matrix, rotate: int):
    """Turn the picture as the page shows it: its drawing matrix may mirror or turn it, and the
    page may be shown turned (/Rotate, clockwise)."""
    if matrix is not None:
        a, b, c, d = matrix[:4]
        if a * d - b * c < 0:  # drawn mirrored top to bottom
            from PIL import ImageOps

            image = ImageOps.flip(image)
        turn = round(math.degrees(math.atan2(b, a)) / 90) * 90 % 360
        if turn:
            image = image.rotate(turn, expand=True)
    if rotate in (90, 180, 270):
        image = image.rotate(-rotate, expand=True)
    return image
