"""Turn a file into a `Document`: pages of text with exact spans, or a clear `DocumentError`.

`load(path)` checks the cheap things here (exists, size, format) and parses in a separate
worker process with a time and memory limit, so a hostile or broken file can never hang or
crash the app. `read(path)` parses in this process, with no time limit (the worker uses it).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.documents.models import PAGE_SEPARATOR, Document, Page, make_pages
from core.errors import (
    DocumentError,
    EmptyFileError,
    FileAccessError,
    FileMissingError,
    FileTooLargeError,
    NotAFileError,
    NoTextError,
    UnsupportedFormatError,
)

__all__ = [
    "FORMATS",
    "PAGE_SEPARATOR",
    "Document",
    "Limits",
    "Page",
    "file_sha256",
    "is_supported",
    "load",
    "make_pages",
    "read",
]

GB = 1000**3

# extension -> (format name, module in core.documents that reads it)
FORMATS: dict[str, tuple[str, str]] = {
    ".pdf": ("pdf", "pdf"),
    ".docx": ("docx", "docx"),
    ".txt": ("txt", "text"),
    ".text": ("txt", "text"),
    ".md": ("md", "text"),
    ".markdown": ("md", "text"),
    ".html": ("html", "html"),
    ".htm": ("html", "html"),
    ".xhtml": ("html", "html"),
    ".epub": ("epub", "epub"),
    ".csv": ("csv", "csv"),
    ".tsv": ("tsv", "csv"),  # the CSV reader, with tabs between the cells
    ".tab": ("tsv", "csv"),
}

ProgressCallback = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Limits:
    """What Longread accepts from one file; each can be changed in the settings."""

    max_bytes: int = 2 * GB  # refuse files larger than this
    timeout_s: float = 300.0  # stop parsing one file after this long
    max_unpacked_bytes: int = 2 * GB  # a DOCX/EPUB may not unpack to more than this...
    max_unpack_ratio: float = 200.0  # ...nor to more than this many times its packed size
    max_memory_bytes: int | None = 8 * 1024**3  # the parser process's address-space cap (Linux)

    @classmethod
    def from_env(cls) -> Limits:
        """Limits with overrides from LONGREAD_MAX_FILE_MB / LONGREAD_PARSE_TIMEOUT_S."""
        kwargs: dict[str, float | int] = {}
        if value := os.environ.get("LONGREAD_MAX_FILE_MB"):
            kwargs["max_bytes"] = int(float(value) * 1000**2)
        if value := os.environ.get("LONGREAD_PARSE_TIMEOUT_S"):
            kwargs["timeout_s"] = float(value)
        return cls(**kwargs)


def is_supported(path: str | Path) -> bool:
    return Path(path).suffix.lower() in FORMATS


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def check(path: str | Path, limits: Limits | None = None) -> tuple[Path, str, int]:
    """The checks that need no parsing: returns (path, format, size) or raises a DocumentError."""
    limits = limits or Limits()
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise FileMissingError(path) from None
    except PermissionError:
        raise FileAccessError(path) from None
    except OSError as e:  # symlink loops, names too long, ...
        raise NotAFileError(path, str(e)) from None
    import stat

    if not stat.S_ISREG(st.st_mode):
        raise NotAFileError(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UnsupportedFormatError(path)
    if st.st_size == 0:
        raise EmptyFileError(path)
    if st.st_size > limits.max_bytes:
        raise FileTooLargeError(path, f"{st.st_size},{limits.max_bytes}")
    if not os.access(path, os.R_OK):
        raise FileAccessError(path)
    return path, fmt[0], st.st_size


def read(
    path: str | Path,
    *,
    password: str | None = None,
    limits: Limits | None = None,
    on_progress: ProgressCallback | None = None,
    sha256: str | None = None,
) -> Document:
    """Parse `path` in this process (no time limit: use `load` for untrusted files)."""
    import importlib

    limits = limits or Limits()
    path, fmt, _size = check(path, limits)
    module = importlib.import_module(f"core.documents.{FORMATS[path.suffix.lower()][1]}")
    try:
        extracted = module.extract(path, password=password, limits=limits, on_progress=on_progress)
    except PermissionError:
        raise FileAccessError(path) from None
    except FileNotFoundError:
        raise FileMissingError(path) from None
    texts = [t.strip("\n") for t in extracted.pages]
    if not any(t.strip() for t in texts):
        raise NoTextError(path)
    return Document(
        path=str(path.resolve()),
        title=(extracted.title or "").strip() or path.stem,
        sha256=sha256 or file_sha256(path),
        format=fmt,
        page_unit=extracted.page_unit,
        pages=make_pages(texts, extracted.labels),
    )


_worker_lock = threading.Lock()
_worker = None


def load(
    path: str | Path,
    *,
    password: str | None = None,
    limits: Limits | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    sha256: str | None = None,
) -> Document:
    """Read `path` into a Document in the shared parser process, within `limits`.

    Raises a DocumentError subclass for anything wrong with the file (its message is for the
    user), or InterruptedError if `cancel` is set.
    """
    from core.documents.worker import ParserProcess

    global _worker
    limits = limits or Limits()
    check(path, limits)  # fail fast on the cheap checks, without the worker
    with _worker_lock:
        if _worker is None:
            import atexit

            _worker = ParserProcess()
            atexit.register(shutdown)
        return _worker.parse(
            path,
            password=password,
            limits=limits,
            on_progress=on_progress,
            cancel=cancel,
            sha256=sha256,
        )


def shutdown() -> None:
    """Stop the shared parser process (it is restarted on the next `load`)."""
    global _worker
    with _worker_lock:
        if _worker is not None:
            _worker.close()
            _worker = None


__all__ += ["DocumentError", "check", "shutdown"]
