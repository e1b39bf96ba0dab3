"""Export a conversation: Markdown as core.library.export writes it, or a PDF made from the
same Markdown with Qt's text layout (QTextDocument onto QPdfWriter: no printing module)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

from core.errors import ExportError


def write_markdown(markdown: str, path: str | Path) -> Path:
    path = Path(path)
    _write(path, lambda tmp: tmp.write_text(markdown, encoding="utf-8"))
    return path


def write_pdf(markdown: str, path: str | Path, title: str = "") -> Path:
    """An A4 PDF of the Markdown: headings, paragraphs and the numbered sources."""
    path = Path(path)

    def render(tmp: Path) -> None:
        writer = QPdfWriter(str(tmp))
        writer.setTitle(title or "Longread conversation")
        writer.setCreator("Longread")
        writer.setResolution(96)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(18, 18, 18, 18),
                QPageLayout.Unit.Millimeter,
            )
        )
        document = QTextDocument()
        document.setMarkdown(markdown)
        rect = writer.pageLayout().paintRectPixels(writer.resolution())
        document.setPageSize(QSizeF(rect.width(), rect.height()))
        document.print_(writer)
        del writer  # the file is finished when the writer goes

    _write(path, render)
    return path


def _write(path: Path, make) -> None:
    """Written beside the target and moved into place: a failed export leaves no half file
    and never damages a file that was there."""
    tmp = path.with_name(f".{path.name}.part")
    try:
        make(tmp)
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise OSError("nothing was written")
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ExportError(
            f"The conversation could not be saved to “{path}” ({e.strerror or e}). "
            "Choose another folder, or free some disk space."
        ) from None
