"""HTML: the page's main text, without scripts, styles, navigation, headers, footers or asides."""

from __future__ import annotations

import re
from pathlib import Path

from core.documents.base import Extracted, split_blocks
from core.errors import CorruptFileError, NotReallyError

# Elements whose content is never the document's text.
_DROP = {
    "script",
    "style",
    "noscript",
    "template",
    "head",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "select",
    "svg",
    "canvas",
    "iframe",
    "object",
    "embed",
    "menu",
    "dialog",
}
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu"}
# Elements that start a new line of text.
_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "address",
    "hr",
    "br",
    "body",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "details",
    "summary",
}
_CELL = {"td", "th"}


def _dropped(el) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag.lower() in _DROP:
        return True
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    return (el.get("role") or "").lower() in _DROP_ROLES


def html_to_text(data: bytes | str) -> tuple[str | None, str]:
    """(title, main text) of an HTML document, with one line per block element."""
    import lxml.html
    from lxml import etree

    if isinstance(data, bytes) and not _declares_encoding(data):
        # Without a declared charset lxml assumes Latin-1; real pages are UTF-8 or Windows-1252.
        from core.documents.text import decode_bytes

        data = decode_bytes(data) or data.decode("latin-1")
    try:
        root = lxml.html.document_fromstring(data)
    except (etree.ParserError, ValueError) as e:
        if "empty" in str(e).lower():
            return None, ""
        raise
    title_el = root.find(".//title")
    title = title_el.text_content().strip() if title_el is not None else None
    if not title:
        meta = root.find(".//meta[@property='og:title']")
        title = meta.get("content") if meta is not None else None

    # Prefer the page's own statement of its main content.
    main = root.find(".//main")
    if main is None:
        articles = root.findall(".//article")
        main = articles[0] if len(articles) == 1 else None
    start = (
        main if main is not None else (root.find("body") if root.find("body") is not None else root)
    )

    parts: list[str] = []
    skipping = None  # the dropped element we are inside, if any
    for event, el in etree.iterwalk(start, events=("start", "end")):
        if skipping is not None:
            if event == "end" and el is skipping:
                skipping = None
                if el.tail:
                    parts.append(el.tail)
            continue
        if not isinstance(el.tag, str):  # comments, processing instructions
            if event == "end" and el.tail:
                parts.append(el.tail)
            continue
        tag = el.tag.lower()
        if event == "start":
            if el is not start and _dropped(el):
                skipping = el
                continue
            if tag in _BLOCK:
                parts.append("\n\n" if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6") else "\n")
            elif tag in _CELL:
                parts.append(" | ")
            if el.text:
                parts.append(el.text)
        else:
            if tag in _BLOCK:
                parts.append("\n\n" if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6") else "\n")
            if el.tail and el is not start:
                parts.append(el.tail)
    return title, _tidy("".join(parts))


_DECLARED = re.compile(rb"<meta[^>]+charset|<\?xml[^>]+encoding", re.I)


def _declares_encoding(data: bytes) -> bool:
    return data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or bool(
        _DECLARED.search(data[:4096])
    )


def _tidy(text: str) -> str:
    text = text.replace("\xa0", " ")
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n(?:\| )+", "\n", text)  # a row's leading cell separator
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def extract(path: Path, *, password=None, limits=None, on_progress=None) -> Extracted:
    from lxml import etree

    data = path.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise NotReallyError(path, "web page (HTML)")
    try:
        title, text = html_to_text(data)
    except etree.LxmlError as e:
        raise CorruptFileError(path, str(e)) from None
    return Extracted(title, split_blocks(text), "block")
