"""Progress on the terminal: bars for work run in a thread (Ctrl+C cancels), and eval cells."""

from __future__ import annotations

import sys
import threading


def with_progress(work, cancel: threading.Event, *, bar: bool = True, title: str = "Adding"):
    """Run `work(on_progress)` in a thread; show a progress bar on a terminal; Ctrl+C cancels."""
    result: dict = {}

    def run(on_progress) -> None:
        try:
            result["value"] = work(on_progress)
        except BaseException as e:  # re-raised in the main thread
            result["error"] = e

    if bar and sys.stderr.isatty():
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            TextColumn("[dim]{task.fields[message]}"),
            transient=True,
        ) as display:
            task = display.add_task(title, total=None, message="")

            def on_progress(done: int, total: int, message: str = "") -> None:
                display.update(task, completed=done, total=total, message=message[-60:])

            run_cancellable(lambda: run(on_progress), cancel)
    else:
        run_cancellable(lambda: run(None), cancel)
    if "error" in result:
        raise result["error"]
    return result["value"]


def run_cancellable(target, cancel: threading.Event) -> None:
    """Run `target` in a thread until it ends; Ctrl+C sets `cancel` and waits for it to stop.

    The wait is on an Event, not on Thread.join: a Ctrl+C landing inside join() can leave the
    thread looking finished while it still runs (CPython before 3.13), and the caller would
    then read a result that is not there yet.
    """
    finished = threading.Event()

    def body() -> None:
        try:
            target()
        finally:
            finished.set()

    thread = threading.Thread(target=body, name="longread-work")
    thread.start()
    try:
        finished.wait()
    except KeyboardInterrupt:
        print("\nStopping…", file=sys.stderr)
        cancel.set()
        finished.wait()
    thread.join()


def cell_progress():
    """Progress of the needle test on stderr: each cell as it starts (on a terminal), and its
    outcome when done."""
    terminal = sys.stderr.isatty()
    seen = {"done": 0}

    def on_progress(done: int, total: int, message: str) -> None:
        if done > seen["done"]:
            seen["done"] = done
            end = "\r\x1b[K" if terminal else ""
            print(f"{end}[{done}/{total}] {message}", file=sys.stderr, flush=True)
        elif terminal:
            print(f"[{done + 1}/{total}] {message}…", end="", file=sys.stderr, flush=True)

    return on_progress
