"""The corpus of bench/scale.py: thousands of documents of real text in the formats Longread reads.

The text is the system's own manual pages (sections 1-8, English), rendered to plain text by
groff as `man` shows them, each page under its own licence (mostly GPL, BSD and MIT; the text
is read from this machine and written only under bench/out, never shipped). Where the system
has too few, the plain-text documentation of Python's standard library (pydoc, PSF licence)
is added after them.

The rendered pages are laid end to end in name order and cut into documents whose lengths
follow a long-tailed spread (many of a few pages, some of hundreds), as a real archive's do.
A page is PAGE_LINES lines of the rendered text. The documents are written as PDF (A5,
monospaced, one page per page), Word (a page break per page), HTML, Markdown, plain text and
EPUB (a chapter per manual page), in the proportions of FORMATS, in folders of about a
twentieth of the pages each (a user adding one folder at a time). manifest.json records every
file with its pages and the manual pages it holds; the corpus is made once and reused.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import math
import os
import random
import re
import subprocess
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

PAGE_LINES = 56  # lines of rendered text on a page (an A5 page in 7.2 pt type)
VERSION = 2  # of the layout below: a corpus made by another version is made again
# (format, share of the documents): PDF first, as in the archives people bring.
FORMATS = (("pdf", 11), ("docx", 4), ("html", 2), ("md", 1), ("txt", 1), ("epub", 1))
FOLDERS = 20
_LATIN = str.maketrans(
    {
        "‐": "-",
        "−": "-",
        "–": "-",
        "—": "--",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "•": "*",
        "·": "*",
        "…": "...",
        "\u00a0": " ",
    }
)


@dataclass(slots=True)
class ManPage:
    name: str  # "ls(1)"
    summary: str  # what its NAME section says it does: "list directory contents"
    lines: list[str]


# -- rendering ---------------------------------------------------------------------------------


def _render(path: str) -> ManPage | None:
    """One manual page as text (groff's man macros, 78 columns, no bold or underline)."""
    try:
        with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
            source = f.read()
    except OSError:
        return None
    if source.lstrip().startswith(b".so "):  # another page's alias
        return None
    done = subprocess.run(
        ["groff", "-t", "-mandoc", "-Tutf8", "-P-cbou", "-rLL=78n"],
        input=source,
        capture_output=True,
        timeout=60,
        check=False,
    )
    text = done.stdout.decode("utf-8", "replace").translate(_LATIN)
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)  # no control characters
    lines = [line.rstrip() for line in text.splitlines()]
    words = sum(len(line.split()) for line in lines)
    if words < 80:
        return None
    base = os.path.basename(path).removesuffix(".gz")
    stem, _, section = base.rpartition(".")
    name = f"{stem}({section})"
    summary = ""
    for i, line in enumerate(lines):
        if line.strip() == "NAME" and i + 1 < len(lines):
            block = []
            for following in lines[i + 1 : i + 5]:
                if not following.strip():
                    break
                block.append(following.strip())
            joined = " ".join(block)
            if " - " in joined:
                summary = joined.split(" - ", 1)[1].strip()
            break
    # Page headers and footers of the terminal rendering ("LS(1)  User Commands  LS(1)") are
    # dropped: a printed page has its own.
    lines = [line for line in lines if not re.match(r"^\S+\(\w+\)\s{3,}.*\S+\(\w+\)$", line)]
    while lines and not lines[0].strip():
        lines.pop(0)
    return ManPage(name, summary, lines)


def manual_pages(limit_lines: int) -> list[ManPage]:
    """Rendered manual pages in name order, until about `limit_lines` lines."""
    paths = sorted(
        str(p)
        for section in range(1, 9)
        for p in Path(f"/usr/share/man/man{section}").glob("*")
        if p.is_file() and not p.is_symlink()
    )
    pages: list[ManPage] = []
    total = 0
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for page in pool.map(_render, paths, chunksize=16):
            if page is None:
                continue
            pages.append(page)
            total += len(page.lines)
            if total >= limit_lines:
                break
    return pages


def pydoc_pages() -> list[ManPage]:
    """The standard library's documentation, one module a page, where the manual runs short."""
    import importlib
    import pkgutil
    import pydoc
    import sys

    found: list[ManPage] = []
    for info in sorted(pkgutil.iter_modules(), key=lambda m: m.name):
        name = info.name
        if name.startswith("_") or name in {"antigravity", "this", "idlelib", "tkinter", "turtle"}:
            continue
        if name not in sys.stdlib_module_names:
            continue
        try:
            module = importlib.import_module(name)
            text = pydoc.render_doc(module, renderer=pydoc.plaintext)
        except Exception:  # a module that cannot be imported here
            continue
        lines = [line.rstrip() for line in text.translate(_LATIN).splitlines()]
        doc = (module.__doc__ or "").strip().splitlines()
        found.append(ManPage(f"{name} (Python)", doc[0] if doc else "", lines))
    return found


# -- laying out documents ----------------------------------------------------------------------


@dataclass(slots=True)
class Planned:
    file: str  # relative to the corpus folder
    format: str
    title: str
    pages: list[list[str]]  # each page's lines
    chapters: list[tuple[str, int]]  # (manual page, first page index) in the document
    summaries: dict[str, str]


def plan(sources: list[ManPage], documents: int, seed: int = 18) -> list[Planned]:
    """Cut the manual pages, end to end, into `documents` documents of long-tailed lengths."""
    rng = random.Random(seed)
    stream = [(source.name, source.lines) for source in sources]  # in order
    total_lines = sum(len(lines) for _, lines in stream)
    total_pages = total_lines // PAGE_LINES
    # Log-normal lengths (median ~9 pages, a tail into the hundreds), scaled to the pages there are.
    raw = [rng.lognormvariate(math.log(9), 1.25) for _ in range(documents)]
    scale = total_pages / sum(raw)
    lengths = [max(1, round(r * scale)) for r in raw]
    summaries = {s.name: s.summary for s in sources}
    formats = [f for f, share in FORMATS for _ in range(share)]
    planned: list[Planned] = []
    position = 0  # in stream
    line_in = 0  # in stream[position]
    for number, length in enumerate(lengths):
        if position >= len(stream):
            break
        pages: list[list[str]] = []
        chapters: list[tuple[str, int]] = []
        page: list[str] = []
        while len(pages) < length and position < len(stream):
            name, lines = stream[position]
            if line_in == 0:
                chapters.append((name, len(pages)))
            take = min(PAGE_LINES - len(page), len(lines) - line_in)
            page.extend(lines[line_in : line_in + take])
            line_in += take
            if line_in >= len(lines):
                position, line_in = position + 1, 0
                page.append("")
            if len(page) >= PAGE_LINES:
                pages.append(page[:PAGE_LINES])
                page = page[PAGE_LINES:]
        if page and any(line.strip() for line in page):
            pages.append(page)
        if not chapters:
            chapters.append((stream[max(0, position - 1)][0], 0))
        fmt = formats[number % len(formats)]
        first, last = chapters[0][0], chapters[-1][0]
        title = first if first == last else f"{first} to {last}"
        slug = re.sub(r"[^A-Za-z0-9]+", "-", first).strip("-").lower()[:40] or "manual"
        planned.append(
            Planned(
                file=f"{number:05d}-{slug}.{fmt}",
                format=fmt,
                title=f"Manual: {title}",
                pages=pages,
                chapters=chapters,
                summaries={n: summaries.get(n, "") for n, _ in chapters},
            )
        )
    # Folders of about equal pages, in order.
    per_folder = sum(len(p.pages) for p in planned) / FOLDERS
    running = 0
    for doc in planned:
        folder = min(FOLDERS - 1, int(running / per_folder))
        doc.file = f"folder-{folder + 1:02d}/{doc.file}"
        running += len(doc.pages)
    return planned


# -- writing -----------------------------------------------------------------------------------


def _latin1(line: str) -> str:
    return line.encode("latin-1", "replace").decode("latin-1")


def _paragraphs(lines: list[str]) -> list[str]:
    """Wrapped lines joined into paragraphs at blank lines (what a word processor holds)."""
    out: list[str] = []
    block: list[str] = []
    for line in lines:
        if line.strip():
            block.append(line.strip())
        elif block:
            out.append(" ".join(block))
            block = []
    if block:
        out.append(" ".join(block))
    return out


def write_pdf(doc: Planned, path: Path) -> None:
    import warnings

    from fpdf import FPDF

    warnings.filterwarnings("ignore", message="Dimensions for page format")
    pdf = FPDF(format="A5", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_title(_latin1(doc.title))
    pdf.set_font("Courier", size=7.2)
    for number, page in enumerate(doc.pages, start=1):
        pdf.add_page()
        y = 30.0
        for line in page:
            if line.strip():
                pdf.text(30, y, _latin1(line))
            y += 9.6
        pdf.text(200, 585, str(number))
    pdf.output(str(path))


def write_docx(doc: Planned, path: Path) -> None:
    import docx
    from docx.enum.text import WD_BREAK

    out = docx.Document()
    out.core_properties.title = doc.title
    out.add_heading(doc.title, level=1)
    for number, page in enumerate(doc.pages):
        paragraphs = _paragraphs(page)
        for text in paragraphs:
            out.add_paragraph(text)
        if number < len(doc.pages) - 1:
            (out.paragraphs[-1] if paragraphs else out.add_paragraph()).add_run().add_break(
                WD_BREAK.PAGE
            )
    out.save(str(path))


def _sections(doc: Planned) -> list[tuple[str, list[str]]]:
    """(manual page, its paragraphs) in order, from the document's pages."""
    starts = [first for _, first in doc.chapters] + [len(doc.pages)]
    return [
        (
            name,
            _paragraphs([line for page in doc.pages[starts[i] : starts[i + 1]] for line in page]),
        )
        for i, (name, _) in enumerate(doc.chapters)
    ]


def write_html(doc: Planned, path: Path) -> None:
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(doc.title)}"
        "</title></head><body>",
        f"<h1>{html.escape(doc.title)}</h1>",
    ]
    for name, paragraphs in _sections(doc):
        parts.append(f"<h2>{html.escape(name)}</h2>")
        parts.extend(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")


def write_markdown(doc: Planned, path: Path) -> None:
    parts = [f"# {doc.title}", ""]
    for name, paragraphs in _sections(doc):
        parts += [f"## {name}", ""] + [p + "\n" for p in paragraphs]
    path.write_text("\n".join(parts), encoding="utf-8")


def write_text(doc: Planned, path: Path) -> None:
    parts = [doc.title, ""]
    for name, paragraphs in _sections(doc):
        parts += [name.upper(), ""] + [p + "\n" for p in paragraphs]
    path.write_text("\n".join(parts), encoding="utf-8")


def write_epub(doc: Planned, path: Path) -> None:
    sections = _sections(doc)
    ident = hashlib.sha1(doc.file.encode()).hexdigest()
    manifest = "".join(
        f'<item id="c{i}" href="c{i}.xhtml" media-type="application/xhtml+xml"/>'
        for i in range(len(sections))
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(sections)))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        z.writestr(
            "content.opf",
            '<?xml version="1.0" encoding="utf-8"?><package xmlns="http://www.idpf.org/2007/opf" '
            'version="3.0" unique-identifier="id"><metadata '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<dc:identifier id="id">{ident}</dc:identifier>'
            f"<dc:title>{html.escape(doc.title)}</dc:title><dc:language>en</dc:language>"
            f"</metadata><manifest>{manifest}</manifest><spine>{spine}</spine></package>",
        )
        for i, (name, paragraphs) in enumerate(sections):
            body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
            z.writestr(
                f"c{i}.xhtml",
                '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
                f"<head><title>{html.escape(name)}</title></head><body>"
                f"<h1>{html.escape(name)}</h1>{body}</body></html>",
            )


WRITERS = {
    "pdf": write_pdf,
    "docx": write_docx,
    "html": write_html,
    "md": write_markdown,
    "txt": write_text,
    "epub": write_epub,
}


def _write(job: tuple[Planned, str]) -> None:
    doc, root = job
    path = Path(root) / doc.file
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".writing-" + path.name)
    WRITERS[doc.format](doc, tmp)
    os.replace(tmp, path)


def write_document(doc: Planned, root: Path) -> None:
    _write((doc, str(root)))


def make(root: Path, pages: int, documents: int, say=print) -> dict:
    """The corpus in `root` (made unless a manifest of the same size and version is there)."""
    manifest_path = root / "manifest.json"
    wanted = {"version": VERSION, "pages": pages, "documents": documents}
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        if all(manifest.get(k) == v for k, v in wanted.items()):
            return manifest
    say(f"Rendering manual pages for {pages:,} pages of text…")
    sources = manual_pages(limit_lines=int(pages * PAGE_LINES * 1.02))
    from_pydoc = 0
    if sum(len(s.lines) for s in sources) < pages * PAGE_LINES:
        extra = pydoc_pages()
        from_pydoc = len(extra)
        sources += extra
    say(f"{len(sources):,} manual pages; writing {documents:,} documents…")
    planned = plan(sources, documents)
    if root.exists():
        import shutil

        shutil.rmtree(root)
    root.mkdir(parents=True)
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(_write, [(doc, str(root)) for doc in planned], chunksize=8))
    manifest = {
        **wanted,
        "sources": {"manual pages": len(sources) - from_pydoc, "pydoc modules": from_pydoc},
        "files": [
            {
                "file": d.file,
                "format": d.format,
                "title": d.title,
                "pages": len(d.pages),
                "words": sum(len(line.split()) for page in d.pages for line in page),
                "chapters": [name for name, _ in d.chapters],
                "summaries": d.summaries,
            }
            for d in planned
        ],
    }
    manifest["pages_made"] = sum(f["pages"] for f in manifest["files"])
    # The pages of a few mid-sized PDFs, to write one again with a page changed.
    candidates = [d for d in planned if d.format == "pdf" and 20 <= len(d.pages) <= 80][:3]
    with gzip.open(root / "change-candidates.json.gz", "wt") as f:
        json.dump([{"file": d.file, "title": d.title, "pages": d.pages} for d in candidates], f)
    manifest_path.write_text(json.dumps(manifest))
    return manifest


def change_candidates(root: Path) -> list[Planned]:
    """Documents of the corpus that the benchmark may write again with a page changed."""
    with gzip.open(root / "change-candidates.json.gz", "rt") as f:
        return [Planned(d["file"], "pdf", d["title"], d["pages"], [], {}) for d in json.load(f)]
