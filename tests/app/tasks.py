"""Tasks the window tests run in the engine process (core.service runs any Longread
"module:function"), to see how the window meets failures."""

from __future__ import annotations

import os
import time


def explode(task) -> None:
    raise RuntimeError("disk on fire")


def crash(task) -> None:
    """The engine process dies the hard way, as a crash in a native library would end it."""
    os._exit(3)


def slow_count(task, seconds: float = 30.0) -> int:
    """Counts until cancelled: a job that only ends when it is stopped."""
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if task.cancel.is_set():
            raise InterruptedError
        task.on_progress(n, 0, f"counted {n}")
        n += 1
        time.sleep(0.05)
    return n
