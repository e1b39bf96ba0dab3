"""A long-lived child process that parses documents, so a hostile file cannot hang or crash us.

The parent sends one request at a time over a pipe and waits with a deadline. If the deadline
passes, the user cancels, or the child dies (a crash in a C extension, the memory cap), the
child is killed and a fresh one is started for the next file.
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from core.errors import CorruptFileError, DocumentError, ParserCrashedError, ParseTimeoutError

_POLL_S = 0.05  # how often the parent looks at the cancel flag while it waits


def _serve(conn, max_memory_bytes: int | None) -> None:
    """The child's loop: parse each request and send back ("ok", doc) or ("error", exc)."""
    if max_memory_bytes:
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (max_memory_bytes, max_memory_bytes))
        except (ImportError, ValueError, OSError):  # not on this OS
            pass
    import sys

    sys.setrecursionlimit(5000)  # deep nesting in hostile files fails fast instead of overflowing C
    from core.documents import read

    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        path, password, limits, sha256 = request

        def progress(done: int, total: int, message: str = "") -> None:
            conn.send(("progress", (done, total, message)))

        try:
            doc = read(path, password=password, limits=limits, on_progress=progress, sha256=sha256)
            conn.send(("ok", doc))
        except DocumentError as e:
            conn.send(("error", e))
        except MemoryError:
            conn.send(("error", ParserCrashedError(path, "it needed more memory than allowed")))
        except RecursionError:
            conn.send(("error", CorruptFileError(path, "nested too deeply")))
        except Exception as e:  # any other failure inside a parser means the file is malformed
            conn.send(("error", CorruptFileError(path, f"{type(e).__name__}: {e}"[:300])))


class ParserProcess:
    """One worker process, restarted whenever it has to be killed."""

    def __init__(self) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self._process = None
        self._conn = None
        self._memory = None

    def _start(self, max_memory_bytes: int | None) -> None:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(
            target=_serve, args=(child, max_memory_bytes), name="longread-parser", daemon=True
        )
        process.start()
        child.close()
        self._process, self._conn, self._memory = process, parent, max_memory_bytes

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(timeout=5)
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = None

    def close(self) -> None:
        if self._process is not None and self._process.is_alive():
            try:
                self._conn.send(None)
                self._process.join(timeout=2)
            except (OSError, BrokenPipeError):
                pass
        self._kill()

    def parse(self, path, *, password=None, limits=None, on_progress=None, cancel=None, sha256=None):
        from core.documents import Limits

        limits = limits or Limits()
        if self._process is None or not self._process.is_alive() or self._memory != limits.max_memory_bytes:
            self._kill()
            self._start(limits.max_memory_bytes)
        path = str(Path(path))
        self._conn.send((path, password, limits, sha256))
        deadline = time.monotonic() + limits.timeout_s
        while True:
            if cancel is not None and cancel.is_set():
                self._kill()
                raise InterruptedError("cancelled")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._kill()
                raise ParseTimeoutError(path, f"{limits.timeout_s:g}")
            try:
                ready = self._conn.poll(min(_POLL_S, remaining))
                if not ready:
                    if not self._process.is_alive():
                        raise EOFError
                    continue
                kind, payload = self._conn.recv()
            except (EOFError, OSError, BrokenPipeError):
                code = self._process.exitcode if self._process else None
                self._kill()
                raise ParserCrashedError(path, _describe_exit(code)) from None
            if kind == "progress":
                if on_progress is not None:
                    on_progress(*payload)
            elif kind == "ok":
                return payload
            else:
                raise payload

    def __del__(self) -> None:  # pragma: no cover - best effort at interpreter exit
        try:
            self._kill()
        except Exception:
            pass


def _describe_exit(code: int | None) -> str:
    if code is None or code == 0:
        return ""
    if code < 0:
        import signal

        try:
            return f"stopped by {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


