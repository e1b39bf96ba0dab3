"""A long-lived child process that parses documents, so a hostile file cannot hang or crash us.

The parent sends one request at a time and waits with a deadline. If the deadline passes, the
user cancels, or the child dies (a crash in a C extension, the memory cap), the child is killed
and a fresh one is started for the next file.

The child is a plain `python -m core.documents.worker` (or, in the frozen app, the app binary
with `--parser-worker`), talking length-prefixed JSON over its stdin/stdout. Unlike
multiprocessing's spawn, this never re-runs the caller's `__main__`; and unlike pickle, nothing
a child compromised by a hostile file sends back can run code in the app.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from core import errors
from core.documents.models import Document, Page
from core.errors import CorruptFileError, DocumentError, ParserCrashedError, ParseTimeoutError
from core.framing import read_frame, write_frame

_POLL_S = 0.05  # how often the parent looks at the cancel flag while it waits
# Text recognition (OCR) of a scanned page takes seconds: each page the child starts to recognise
# gets at least this long before the deadline, and a file at most this much beyond its limit.
OCR_PAGE_S = 120.0
OCR_MAX_EXTRA_S = 2 * 3600.0
_MAX_MESSAGE = 8 * 1024**3  # a document's text can be large, but not larger than this


def _write(stream, obj) -> None:
    data = json.dumps(obj, ensure_ascii=False).encode("utf-8", errors="surrogatepass")
    write_frame(stream, data)


def _read(stream):
    data = read_frame(stream, _MAX_MESSAGE)
    return json.loads(data.decode("utf-8", errors="surrogatepass"))


def _error_to_json(error: DocumentError) -> dict:
    return {"class": type(error).__name__, "path": error.path, "detail": error.detail}


def _error_from_json(data: dict, path: str) -> DocumentError:
    """Rebuild an error by name, accepting only DocumentError classes (never arbitrary types)."""
    cls = getattr(errors, str(data.get("class")), None)
    if not (isinstance(cls, type) and issubclass(cls, DocumentError)):
        cls = CorruptFileError
    return cls(path, str(data.get("detail", ""))[:1000])


def _document_from_json(data: dict) -> Document:
    pages = [Page(**page) for page in data.pop("pages")]
    return Document(**data, pages=pages)


def serve(max_memory_bytes: int | None = None) -> None:
    """The child's loop: parse each request and answer ("ok", doc) or ("error", exc)."""
    if max_memory_bytes:
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (max_memory_bytes, max_memory_bytes))
        except (ImportError, ValueError, OSError):  # not on this OS
            pass
    sys.setrecursionlimit(5000)  # deep nesting in hostile files fails fast instead of overflowing C
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies may reach the parent's pipe
    from core.documents import read

    while True:
        try:
            request = _read(requests)
        except EOFError:
            return
        if request is None:
            return
        from core.documents import Limits

        path, password, sha256 = request["path"], request["password"], request["sha256"]
        limits = Limits(**request["limits"])

        def progress(done: int, total: int, message: str = "") -> None:
            _write(replies, ["progress", [done, total, message]])

        try:
            doc = read(path, password=password, limits=limits, on_progress=progress, sha256=sha256)
            reply = ["ok", dataclasses.asdict(doc)]
        except DocumentError as e:
            reply = ["error", _error_to_json(e)]
        except MemoryError:
            error = ParserCrashedError(path, "it needed more memory than allowed")
            reply = ["error", _error_to_json(error)]
        except RecursionError:
            reply = ["error", _error_to_json(CorruptFileError(path, "nested too deeply"))]
        except Exception as e:  # any other failure inside a parser means the file is malformed
            detail = f"{type(e).__name__}: {e}"[:300]
            reply = ["error", _error_to_json(CorruptFileError(path, detail))]
        _write(replies, reply)


def _command(max_memory_bytes: int | None) -> list[str]:
    memory = str(max_memory_bytes or 0)
    if getattr(sys, "frozen", False):  # the packaged app: its own binary knows this flag
        return [sys.executable, "--parser-worker", memory]
    return [sys.executable, "-m", "core.documents.worker", memory]


class ParserProcess:
    """One worker process, restarted whenever it has to be killed."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._replies: queue.Queue = queue.Queue()
        self._memory: int | None = None

    def _start(self, max_memory_bytes: int | None) -> None:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        process = subprocess.Popen(
            _command(max_memory_bytes),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        replies: queue.Queue = queue.Queue()

        def pump() -> None:  # move replies from the pipe to a queue the parent can wait on
            try:
                while True:
                    replies.put(_read(process.stdout))
            except Exception:
                replies.put(["eof", None])

        threading.Thread(target=pump, name="longread-parser-reader", daemon=True).start()
        self._process, self._replies, self._memory = process, replies, max_memory_bytes

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait(timeout=5)
            # stdout is left to the reader thread, which sees end-of-file and stops.
            with contextlib.suppress(OSError):
                process.stdin.close()

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            try:
                _write(self._process.stdin, None)
                self._process.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._kill()

    def parse(
        self, path, *, password=None, limits=None, on_progress=None, cancel=None, sha256=None
    ):
        options = dict(
            password=password, limits=limits, on_progress=on_progress, cancel=cancel, sha256=sha256
        )
        try:
            return self._parse(path, **options)
        except _DiedBeforeReading:
            # The worker died between two files (a killed process whose threads are still
            # exiting does not report its death yet, so the file went to it). A fresh one reads
            # the file; only a file that kills that one too is to blame.
            return self._parse(path, **options)

    def _parse(self, path, *, password, limits, on_progress, cancel, sha256):
        from core.documents import Limits

        limits = limits or Limits()
        reused = True
        if (
            self._process is None
            or self._process.poll() is not None
            or self._memory != limits.max_memory_bytes
        ):
            self._kill()
            self._start(limits.max_memory_bytes)
            reused = False
        path = str(Path(path))
        try:
            request = {
                "path": path,
                "password": password,
                "sha256": sha256,
                "limits": dataclasses.asdict(limits),
            }
            _write(self._process.stdin, request)
        except OSError:
            self._kill()
            if reused:
                raise _DiedBeforeReading from None
            raise ParserCrashedError(path, "the reader could not be started") from None
        start = time.monotonic()
        deadline = start + limits.timeout_s
        got_reply = False
        while True:
            if cancel is not None and cancel.is_set():
                self._kill()
                raise InterruptedError("cancelled")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._kill()
                allowed = max(limits.timeout_s, round(deadline - start))
                raise ParseTimeoutError(path, f"{allowed:g}")
            try:
                kind, payload = self._replies.get(timeout=min(_POLL_S, remaining))
            except queue.Empty:
                continue
            got_reply = got_reply or kind in ("progress", "ok", "error")
            if kind == "progress":
                if _recognising(payload):
                    deadline = min(
                        max(deadline, time.monotonic() + OCR_PAGE_S),
                        start + limits.timeout_s + OCR_MAX_EXTRA_S,
                    )
                if on_progress is not None:
                    on_progress(*payload)
            elif kind == "ok":
                try:
                    return _document_from_json(payload)
                except (TypeError, KeyError, AttributeError):
                    self._kill()
                    raise ParserCrashedError(path, "it sent back something unreadable") from None
            elif kind == "error" and isinstance(payload, dict):
                raise _error_from_json(payload, path)
            else:  # the pipe closed: the child died
                code = self._process.wait(timeout=5) if self._process else None
                self._kill()
                if reused and not got_reply:
                    raise _DiedBeforeReading
                raise ParserCrashedError(path, _describe_exit(code))


class _DiedBeforeReading(Exception):
    """A reused worker died before it answered anything about the file sent to it."""


def _recognising(payload) -> bool:
    """Whether a progress message from the child says it starts text recognition of a page."""
    from core.documents.ocr import PROGRESS_START

    return (
        isinstance(payload, list)
        and len(payload) == 3
        and str(payload[2]).startswith(PROGRESS_START)
    )


def _describe_exit(code: int | None) -> str:
    if not code:
        return ""
    if code < 0:
        import signal

        try:
            return f"stopped by {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


if __name__ == "__main__":
    serve(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "0" else None)
