"""Garbage made on a worker thread is collected on the GUI thread, so no Qt object is ever
freed off it (a crash seen in "Test connection")."""

from __future__ import annotations

import gc
import threading

FREED_ON: list[str] = []
MADE = 3000  # objects in cycles of their own: past gc's first threshold (700) several times


class _Cyclic:
    def __init__(self) -> None:
        self.me = self  # only the cyclic collector can free it

    def __del__(self) -> None:
        FREED_ON.append(threading.current_thread().name)


def test_cycles_made_on_a_worker_thread_are_freed_on_the_gui_thread(qtbot):
    assert not gc.isenabled()  # the automatic collector would run in whichever thread allocates
    FREED_ON.clear()

    def work() -> None:
        for _ in range(MADE):  # the automatic collector would have run here several times
            _Cyclic()

    worker = threading.Thread(target=work, name="worker")
    worker.start()
    worker.join()
    assert FREED_ON == []  # nothing freed on the worker
    qtbot.waitUntil(lambda: len(FREED_ON) == MADE, timeout=5000)
    assert set(FREED_ON) == {threading.main_thread().name}
