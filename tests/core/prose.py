"""Pages of real English for search tests: the docstrings of Python's standard library.

Retrieval over random words tells nothing (every passage is equally unlike every question);
docstrings cover many topics in ordinary technical prose, and the same Python gives the same
pages every time.
"""

from __future__ import annotations

import importlib
import inspect
import re
from functools import cache

MODULES = (
    "argparse asyncio base64 calendar collections csv datetime decimal difflib email fractions "
    "ftplib functools gzip hashlib heapq html http.client imaplib inspect ipaddress itertools "
    "json logging mailbox mimetypes os pathlib pickle queue random re sched secrets shutil "
    "smtplib socket sqlite3 statistics string subprocess tarfile tempfile textwrap threading "
    "timeit tkinter.ttk turtle unittest urllib.parse uuid wave xml.dom.minidom zipfile zoneinfo"
).split()


@cache
def paragraphs() -> tuple[str, ...]:
    """Every docstring paragraph of 30+ words, flattened to one line of Latin-1 text."""
    found: list[str] = []
    seen: set[str] = set()
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        objects = [module] + [
            value
            for key, value in sorted(vars(module).items())
            if not key.startswith("_") and (inspect.isclass(value) or inspect.isfunction(value))
        ]
        for obj in objects:
            doc = inspect.getdoc(obj) or ""
            for block in re.split(r"\n\s*\n", doc):
                text = " ".join(block.split())
                if len(text.split()) >= 30 and text not in seen:
                    seen.add(text)
                    found.append(text.encode("latin-1", "replace").decode("latin-1"))
    return tuple(found)


def pages(count: int, chars: int = 1500, start: int = 0) -> list[str]:
    """`count` pages of about `chars` characters each, paragraphs separated by blank lines."""
    source = paragraphs()
    out: list[str] = []
    i = start
    for _ in range(count):
        page: list[str] = []
        size = 0
        while size < chars:
            paragraph = source[i % len(source)]
            page.append(paragraph)
            size += len(paragraph)
            i += 1
        out.append("\n\n".join(page))
    return out
