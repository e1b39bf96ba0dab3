"""The engine process: the window's long work (adding, answering) runs in a child process.

Importing the model libraries, loading a model, tokenizing and searching hold Python's global
lock for up to half a second at a time; in the window's own process that freezes the window.
In a child process it cannot. The child also keeps the loaded models and their KV caches
between questions, and if it dies (a crash in a native library, out of memory) the window
says so and starts a fresh one for the next task.

The child is `python -m core.service` (in the frozen app, the app binary with
`--engine-worker`). It reads requests from stdin and writes events to stdout, each a
length-prefixed pickle: both ends are this program, and the child never unpickles anything
that came from a document (documents are parsed in their own process, see
core.documents.worker).

Requests:  ("run", job_id, "module:function", kwargs) · ("cancel", job_id) · ("quit",)
Events:    (job_id, kind, payload) with kind one of "started", "progress" (done, total,
           message), "token" (text), "file" (path, state, fraction, message), "finished"
           (the result), "failed" (message, details); job_id 0 carries "ready" once started.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pickle
import queue
import sys
import threading
import traceback
from dataclasses import dataclass, field

from core.framing import read_frame, write_frame

log = logging.getLogger("longread.engine")


def write_message(stream, obj) -> None:
    write_frame(stream, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def read_message(stream):
    return pickle.loads(read_frame(stream))


def command() -> list[str]:
    """How to start the engine process."""
    if getattr(sys, "frozen", False):  # the packaged app: its own binary knows this flag
        return [sys.executable, "--engine-worker"]
    return [sys.executable, "-m", "core.service"]


@dataclass
class Task:
    """What a task function gets: ways to report, and the flag that asks it to stop."""

    job_id: int
    send: object  # callable(event tuple)
    cancel: threading.Event = field(default_factory=threading.Event)

    def on_progress(self, done: int, total: int, message: str) -> None:
        self.send((self.job_id, "progress", (done, total, message)))

    def on_token(self, piece: str) -> None:
        self.send((self.job_id, "token", piece))

    def on_file(self, path: str, state: str, fraction: float | None, message: str) -> None:
        self.send((self.job_id, "file", (path, state, fraction, message)))

    def on_notice(self, message: str) -> None:
        """Something the user should know that is not an error (shown in the notice bar)."""
        self.send((self.job_id, "notice", message))


def resolve(name: str):
    """ "package.module:function" -> the function. Only Longread's own modules (and tests')."""
    module, _, function = name.partition(":")
    if not module.startswith(("core.", "app.", "tests.")):
        raise ValueError(f"not a task: {name!r}")
    return getattr(importlib.import_module(module), function)


class _Server:
    def __init__(self, inp, out) -> None:
        self.inp, self.out = inp, out
        self.lock = threading.Lock()  # one writer at a time on stdout
        self.jobs: queue.Queue = queue.Queue()
        self.tasks: dict[int, Task] = {}

    def send(self, event) -> None:
        try:
            with self.lock:
                write_message(self.out, event)
        except (OSError, ValueError):  # the window has gone away
            os._exit(0)

    def listen(self) -> None:
        """Requests from the window; a cancel is applied at once, even to a running task."""
        while True:
            try:
                request = read_message(self.inp)
            except (EOFError, OSError):
                request = ("quit",)
            if request[0] == "run":
                _, job_id, name, kwargs = request
                task = Task(job_id, self.send)
                self.tasks[job_id] = task
                self.jobs.put((task, name, kwargs))
            elif request[0] == "cancel":
                if (task := self.tasks.get(request[1])) is not None:
                    task.cancel.set()
            else:
                for task in self.tasks.values():
                    task.cancel.set()
                self.jobs.put(None)
                return

    def serve(self) -> None:
        threading.Thread(target=self.listen, name="longread-requests", daemon=True).start()
        self.send((0, "ready", os.getpid()))
        while (item := self.jobs.get()) is not None:
            task, name, kwargs = item
            self.run(task, name, kwargs)
            self.tasks.pop(task.job_id, None)

    def run(self, task: Task, name: str, kwargs: dict) -> None:
        from core.errors import LongreadError

        if task.cancel.is_set():
            self.send((task.job_id, "failed", ("Stopped.", "")))
            return
        self.send((task.job_id, "started", None))
        try:
            result = resolve(name)(task, **kwargs)
        except LongreadError as e:  # a problem the user can act on: said as it is
            self.send((task.job_id, "failed", (str(e), "")))
        except InterruptedError:
            self.send((task.job_id, "failed", ("Stopped.", "")))
        except Exception as e:
            details = traceback.format_exc()
            log.error("task %s failed:\n%s", name, details)
            self.send((task.job_id, "failed", (f"{type(e).__name__}: {e}", details)))
        else:
            try:
                self.send((task.job_id, "finished", result))
            except (pickle.PicklingError, TypeError, AttributeError) as e:
                self.send((task.job_id, "failed", (f"the result could not be sent back: {e}", "")))


def serve() -> None:
    """Run the engine loop on stdin/stdout until the window closes the pipe or says quit."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    # From here on, anything a library prints goes to stderr (the engine's log), never into
    # the message stream.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    inp = os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    from core import offline

    offline.enforce()  # before any model library is imported
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    with contextlib.suppress(KeyboardInterrupt):
        _Server(inp, out).serve()
    # Every write was a transaction and nothing is running: end now, rather than spend seconds
    # in the model libraries' own teardown while the closing window waits (and then kills us).
    if (documents := sys.modules.get("core.documents")) is not None:
        documents.shutdown()  # the document reader, asked to stop rather than left to notice
    logging.shutdown()
    os._exit(0)


# -- the tasks the window runs -------------------------------------------------------------

_libraries: dict[str, object] = {}


def _library(folder: str):
    from core.library import Library

    if folder not in _libraries:
        _libraries[folder] = Library(folder)
    return _libraries[folder]


def add_files(task: Task, library_dir: str, paths: list[str]):
    """Add files and folders to the library; returns the AddReport."""
    return _library(library_dir).add(
        paths, on_progress=task.on_progress, cancel=task.cancel, on_file=task.on_file
    )


def remove_documents(task: Task, library_dir: str, ids: list[int]) -> int:
    library = _library(library_dir)
    for doc_id in ids:
        library.remove(doc_id)
    return len(ids)


def sync_folders(task: Task, library_dir: str, changed: list[str] | None = None):
    """Bring the library in step with its watched folders (only `changed` paths, if given);
    returns the SyncReport."""
    return _library(library_dir).sync(
        changed, on_progress=task.on_progress, cancel=task.cancel, on_file=task.on_file
    )


def unwatch_folder(task: Task, library_dir: str, folder: str) -> bool:
    """Stop watching a folder; its documents stay."""
    return _library(library_dir).unwatch(folder)


def remove_folder(task: Task, library_dir: str, folder: str) -> int:
    """Take a folder out of the library: no longer watched, its documents removed."""
    return len(_library(library_dir).remove_folder(folder))


def answer(
    task: Task,
    library_dir: str,
    ids: list[int],
    question: str,
    mode: str,
    max_new_tokens: int,
    history: list[dict] | None = None,
):
    """Answer a question about documents of the library; returns the Answer. `history`: the
    conversation's earlier turns (Turn.to_json), oldest first."""
    from core.llm import get_backend
    from core.modes import Request, Turn, ask
    from core.settings import Settings

    settings = Settings.load()  # read each time: the user may have changed the model
    task.on_progress(0, 0, "Loading the model…")
    backend = get_backend(
        settings.model,
        device=settings.device,
        backend=settings.runtime,
        on_progress=task.on_progress,
    )
    _say_runtime_notices(task)
    task.on_progress(0, 0, "Reading the documents…")
    library = _library(library_dir)
    documents = [library.get(i) for i in ids]
    request = Request(
        question=question,
        documents=documents,
        library=library,
        max_new_tokens=max_new_tokens,
        on_token=task.on_token,
        on_progress=task.on_progress,
        cancel=task.cancel,
        history=[Turn.from_json(turn) for turn in history or []],
    )
    return ask(request, backend, mode)


def warm_up(task: Task, library_dir: str, load_model: bool = True) -> None:
    """Import the model libraries and load the model now, so the first answer comes sooner."""
    from core.llm import get_backend
    from core.settings import Settings

    library = _library(library_dir)
    library.chunker()  # the embedding model's tokenizer
    _ = library.embedder.dimension  # loads the embedding model itself
    if load_model and not task.cancel.is_set():
        settings = Settings.load()
        get_backend(settings.model, device=settings.device, backend=settings.runtime)
        _say_runtime_notices(task)


def _say_runtime_notices(task: Task) -> None:
    """A llama.cpp that died under an earlier engine: say so once, in plain words."""
    from core.llm import runtime

    for message in runtime.take_notices():
        task.on_notice(message)


def probe_model(task: Task, spec: str) -> dict:
    """Measure a model's speed on this machine (after a download); returns the stored record."""
    from core.llm import get_backend
    from core.llm.probe import probe
    from core.settings import Settings

    settings = Settings.load()
    backend = get_backend(
        spec, device=settings.device, backend=settings.runtime, on_progress=task.on_progress
    )
    return probe(backend, cancel=task.cancel, on_progress=task.on_progress)


if __name__ == "__main__":
    serve()
