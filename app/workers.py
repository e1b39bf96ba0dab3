"""Long work off the window: jobs run one at a time in the engine process (core.service) and
report back by signals, delivered on the window's thread.

Reading, embedding and generating each use every core; run side by side on a small machine
they slow each other down many times over, so jobs queue: a question asked while a folder is
being indexed waits for it (and the status bar says so). Jobs never touch widgets.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import subprocess
import threading
import time

from PySide6.QtCore import QObject, Signal

from core import service
from core.paths import user_dir

log = logging.getLogger("longread.app")

ENGINE_DIED = (
    "The engine that reads and answers stopped unexpectedly{code}. Nothing you added before was "
    "lost; try again — a fresh engine starts by itself. If it happens again, the details are in "
    "the log file (Help → Open the log folder)."
)


class Job(QObject):
    """One task for the engine process: `task` names a function of core.service (or any
    "module:function" of Longread's) that takes a core.service.Task and `kwargs`."""

    started = Signal()
    progress = Signal(int, int, str)  # done, total, message
    token = Signal(str)  # a piece of an answer, as it is generated
    file_state = Signal(str, str, object, str)  # path, state, fraction or None, message
    finished = Signal(object)  # the result
    failed = Signal(str)  # a message for the user
    notice = Signal(str)  # something the user should know that is not an error
    ended = Signal()  # after finished or failed: the engine is free for the next job

    def __init__(self, title: str, task: str, **kwargs) -> None:
        super().__init__()
        self.title = title  # "Adding 3 files", "Answering": what the status bar says
        self.task, self.kwargs = task, kwargs
        self.id = 0
        self.engine: Engine | None = None
        self.cancelled = False
        self.started_at: float | None = None
        self.done = False

    def stop(self) -> None:
        """Ask the engine to stop this job (it ends with `failed("Stopped.")` or with a
        partial result, as the task decides)."""
        self.cancelled = True
        if self.engine is not None and not self.done:
            self.engine.cancel(self)


class Engine(QObject):
    """The engine process and its queue of jobs, seen from the window."""

    event = Signal(int, str, object)  # from the reader thread to the window's thread
    queue_changed = Signal(int)  # jobs waiting (not counting the running one)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._jobs: dict[int, Job] = {}
        self._waiting: list[Job] = []
        self.current: Job | None = None
        self._process: subprocess.Popen | None = None
        self._write_lock = threading.Lock()
        self._stopping = False
        self.event.connect(self._on_event)

    # -- the window's side -------------------------------------------------------------------

    def submit(self, job: Job) -> Job:
        job.id, job.engine = next(self._ids), self
        self._jobs[job.id] = job
        self._waiting.append(job)
        self.queue_changed.emit(len(self._waiting))
        try:
            self._ensure_started()
            self._send(("run", job.id, job.task, job.kwargs))
        except OSError as e:
            log.error("the engine could not be started: %s", e)
            self._end(job, "failed", f"The engine could not be started: {e}")
        return job

    def waiting(self) -> list[Job]:
        return list(self._waiting)

    def busy(self) -> bool:
        return self.current is not None or bool(self._waiting)

    def cancel(self, job: Job) -> None:
        job.cancelled = True
        with contextlib.suppress(OSError):  # the engine is gone: the reader thread fails the job
            self._send(("cancel", job.id))

    def cancel_all(self) -> None:
        for job in [*self._waiting, self.current]:
            if job is not None:
                self.cancel(job)

    def stop(self, timeout_ms: int = 10_000) -> bool:
        """Cancel everything and end the engine process; False if it had to be killed."""
        self._stopping = True
        process = self._process
        if process is None:
            return True
        self.cancel_all()
        try:
            self._send(("quit",))
            process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout_ms / 1000)
            clean = True
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            clean = False
        self._process = None
        return clean

    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    # -- the process -------------------------------------------------------------------------

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        folder = user_dir() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "engine.log", "ab") as errors:
            self._process = subprocess.Popen(
                service.command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
            )
        self._stopping = False
        reader = threading.Thread(
            target=self._read, args=(self._process,), name="longread-engine-events", daemon=True
        )
        reader.start()

    def _send(self, request) -> None:
        process = self._process
        if process is None or process.stdin is None:
            raise OSError("the engine is not running")
        with self._write_lock:
            try:
                service.write_message(process.stdin, request)
            except (BrokenPipeError, ValueError) as e:
                raise OSError(str(e)) from None

    def _read(self, process: subprocess.Popen) -> None:
        """On the reader thread: each event from the engine, handed to the window's thread."""
        while True:
            try:
                job_id, kind, payload = service.read_message(process.stdout)
            except Exception:  # EOFError: the process ended; anything else: a broken stream
                break
            self.event.emit(job_id, kind, payload)
        code = process.wait()
        self.event.emit(-1, "died", (process.pid, code))

    def _on_event(self, job_id: int, kind: str, payload) -> None:
        if kind == "died":
            self._died(*payload)
            return
        job = self._jobs.get(job_id)
        if job is None:
            return
        if kind == "started":
            if job in self._waiting:
                self._waiting.remove(job)
            self.queue_changed.emit(len(self._waiting))
            self.current = job
            job.started_at = time.monotonic()
            job.started.emit()
        elif kind == "progress":
            job.progress.emit(*payload)
        elif kind == "token":
            job.token.emit(payload)
        elif kind == "file":
            job.file_state.emit(*payload)
        elif kind == "notice":
            job.notice.emit(payload)
        elif kind == "finished":
            self._end(job, "finished", payload)
        elif kind == "failed":
            message, details = payload
            if details:
                log.error("%s failed in the engine:\n%s", job.title, details)
                message = (
                    f"Something went wrong while {job.title[:1].lower()}{job.title[1:]}: "
                    f"{message}. The details are in the log file."
                )
            else:
                log.info("%s: %s", job.title, message)
            self._end(job, "failed", message)

    def _end(self, job: Job, kind: str, payload) -> None:
        job.done = True
        self._jobs.pop(job.id, None)
        if job in self._waiting:
            self._waiting.remove(job)
        if self.current is job:
            self.current = None
        (job.finished if kind == "finished" else job.failed).emit(payload)
        job.ended.emit()

    def _died(self, pid: int, code: int) -> None:
        if self._process is not None and self._process.pid == pid:
            self._process = None
        if self._stopping:
            return
        log.error("the engine process %s ended with code %s", pid, code)
        message = ENGINE_DIED.format(code=f" (code {code})" if code else "")
        for job in [*([self.current] if self.current else []), *self._waiting]:
            self._end(job, "failed", message)
