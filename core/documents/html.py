"""HTML: the page's main text, without scripts, styles, navigation, headers, footers or asides."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from core.documents.base import Extracted, split_blocks
from core.errors import CorruptFileError

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
_PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


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
    if isinstance(data, str):  # lxml refuses text that still declares a byte encoding
        data = _XML_DECLARATION.sub("", data, count=1)
    # huge_tree: long texts and attributes (over 10 MB) and nesting to 2,048 levels are kept.
    parser = lxml.html.HTMLParser(huge_tree=True)
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as e:
        if "empty" in str(e).lower():
            return None, ""
        raise
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        # Nested deeper than any tree parser allows: libxml2 stops there and drops the rest
        # of the page, so read it again as a flat stream of tags instead.
        return _flat_text(data)
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


class _FlatReader(HTMLParser):
    """Text from a stream of tags, with no tree and so no depth limit; drops the same elements
    as `html_to_text` (without its choice of the main content)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skip: str | None = None  # the dropped element we are inside...
        self._depth = 0  # ...and how many of its kind are open
        self._in_title = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if self._skip is not None:
            if tag == self._skip:
                self._depth += 1
            elif self._skip == "head" and tag == "body":
                self._skip = None
            return
        values = dict(attrs)
        if tag == "title":
            self._in_title = True
        if (
            tag in _DROP
            or "hidden" in values
            or values.get("aria-hidden") == "true"
            or (values.get("role") or "").lower() in _DROP_ROLES
        ) and tag not in _VOID:
            self._skip, self._depth = tag, 1
        elif tag in _BLOCK:
            self.parts.append("\n\n" if tag in _PARAGRAPH else "\n")
        elif tag in _CELL:
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if self._skip is not None:
            if tag == self._skip:
                self._depth -= 1
                if self._depth == 0:
                    self._skip = None
            return
        if tag in _BLOCK:
            self.parts.append("\n\n" if tag in _PARAGRAPH else "\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif self._skip is None:
            self.parts.append(data)


def _flat_text(data: bytes | str) -> tuple[str | None, str]:
    if isinstance(data, bytes):
        from core.documents.text import decode_bytes

        data = decode_bytes(data) or data.decode("latin-1")
    reader = _FlatReader()
    reader.feed(data)
    reader.close()
    return "".join(reader.title).strip() or None, _tidy("".join(reader.parts))


_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
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

    data: bytes | str = path.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        from core.documents.text import decode_text

        data = decode_text(data, path, "web page (HTML)")  # UTF-16 without a BOM, or binary
    try:
        title, text = html_to_text(data)
    except etree.LxmlError as e:
        raise CorruptFileError(path, str(e)) from None
    return Extracted(title, split_blocks(text), "block")
