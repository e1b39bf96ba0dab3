"""Run by test_library's crash test: adds folders to a library in child processes it forks, so
that the test can SIGKILL an `add` at any moment without loading the embedding model again for
every kill.

usage: python crash_add_helper.py
       python crash_add_helper.py LIBRARY FOLDER [STALL_AT_PAGE_ROW]

The second form (used by test_search) adds FOLDER once in this process, printing
"progress DONE TOTAL MESSAGE" before each file and "finished" at the end; with
STALL_AT_PAGE_ROW it prints "stalled" after writing that many page rows and waits inside that
document's transaction to be killed.

The first form loads the model, prints "ready", then reads one JSON command a line from stdin:

    {"library": DIR, "paths": [FOLDER, ...], "hook": null | {"step": STEP, "at": N}}

For each, it forks a child that starts a session of its own (so the test can kill it together
with its parser process), opens the library and adds the paths. The child prints

    started PID             once the library is open and the add begins
    stored PATH             when a file's document is in the library (its transaction committed,
                            or it was there already)
    stalled STEP N          when the hook was reached: the child then waits there to be killed
    finished SUMMARY        when the add returned

The helper prints "forked PID" as soon as the child exists (a kill may come before the child has
opened the library) and "ended PID STATUS" once it is gone, then reads the next command.

Hook steps, each stalling at the N-th time it happens in that child:
    read            a file is about to be parsed (earlier files may still be being embedded)
    embed           a batch of passages has just been embedded, inside the embedding thread
    pages, chunks   a page or chunk row is being inserted, inside the document's transaction
    commit          a write transaction is about to commit
    vectors-save    the new FAISS file is written and about to be renamed into place
    keywords-save   a new BM25 folder (all passages, or the recent ones) is written and about
                    to be put in place
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time


def say(*parts: object) -> None:
    """One line on stdout in one write: a kill never leaves half of it (stdout may be
    unbuffered, and then print writes each part on its own)."""
    os.write(1, (" ".join(map(str, parts)) + "\n").encode())


STALL_S = 120  # longer than any test waits: the test always kills first


class _Counter:
    def __init__(self, step: str, at: int, announce: str) -> None:
        self.step, self.at, self.seen, self.announce = step, at, 0, announce
        self.lock = threading.Lock()

    def hit(self, step: str) -> None:
        if step != self.step:
            return
        with self.lock:
            self.seen += 1
            reached = self.seen == self.at
        if reached:
            say(self.announce)
            time.sleep(STALL_S)
            os._exit(3)  # never reached when the test does its job


def _install(hook: dict | None, lib, announce: str | None = None) -> None:
    """Make the child stall where the hook says (the test reaches into the internals here on
    purpose: it is the only way to be sure a kill lands inside a given step)."""
    if hook is None:
        return
    step, at = hook["step"], int(hook["at"])
    counter = _Counter(step, at, announce or f"stalled {step} {at}")

    import core.documents
    import core.embeddings
    import core.retrieval

    real_load = core.documents.load

    def load(*args, **kwargs):
        counter.hit("read")
        return real_load(*args, **kwargs)

    core.documents.load = load

    real_forward = core.embeddings.Embedder._forward

    def forward(self, model, texts):
        result = real_forward(self, model, texts)
        counter.hit("embed")
        return result

    core.embeddings.Embedder._forward = forward

    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        name = os.path.basename(os.fspath(dst))
        if name == core.retrieval.VECTORS_FILE:
            counter.hit("vectors-save")
        elif name in (core.retrieval.KEYWORDS_DIR, core.retrieval.RECENT_KEYWORDS_DIR):
            counter.hit("keywords-save")
        return real_replace(src, dst, *args, **kwargs)

    os.replace = replace

    writing = False

    def trace(sql: str) -> None:
        nonlocal writing
        if sql.startswith("BEGIN"):
            writing = "IMMEDIATE" in sql
        elif sql.startswith("INSERT INTO pages"):
            counter.hit("pages")
        elif sql.startswith("INSERT INTO chunks"):
            counter.hit("chunks")
        elif sql == "COMMIT" and writing:
            counter.hit("commit")

    lib._db.set_trace_callback(trace)


def _child(command: dict) -> None:
    from core.library import Library

    os.setsid()  # a process group of its own: killed with its parser process
    with Library(command["library"]) as lib:
        _install(command.get("hook"), lib)
        say("started", os.getpid())

        def on_file(path: str, state: str, fraction, message: str) -> None:
            if state == "ready":
                say("stored", path)

        report = lib.add(command["paths"], on_file=on_file)
    say("finished", report.summary())


def add_once(library: str, folder: str, stall_at: int | None) -> None:
    from core.library import Library

    with Library(library) as lib:
        if stall_at is not None:
            _install({"step": "pages", "at": stall_at}, lib, "stalled")

        def progress(done: int, total: int, message: str) -> None:
            say("progress", done, total, message)

        lib.add(folder, on_progress=progress)
    say("finished")


def main() -> None:
    if len(sys.argv) > 2:
        add_once(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else None)
        return
    from core.embeddings import default_embedder

    # Loaded once here; every child forked below starts with it in memory.
    default_embedder().embed(["warm up"])
    say("ready")
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _child(command)
            except BaseException as e:  # said on stdout, where the test is listening
                say("error", repr(e).replace("\n", " "))
                code = 1
            finally:
                os._exit(code)
        say("forked", pid)
        _, status = os.waitpid(pid, 0)
        say("ended", pid, status)


if __name__ == "__main__":
    main()
