"""Tasks the engine-process tests run (core.service runs any Longread "module:function")."""

from __future__ import annotations

import time


def count(task, until: int = 3) -> int:
    for n in range(until):
        task.on_progress(n, until, f"counted {n}")
        task.on_token(str(n))
    return until


def wait_for_cancel(task, seconds: float = 30.0) -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if task.cancel.is_set():
            raise InterruptedError
        time.sleep(0.01)
    return "never cancelled"


def unpicklable(task):
    return lambda: None  # a result that cannot be sent back
