"""Python's garbage collector, run on the GUI thread only.

A collection runs in whichever thread happens to allocate when a threshold is crossed: a worker
thread importing a library, say. If it then frees a Qt object that lives in cycles with Python
objects (a closed dialog, a widget), Qt's destructor runs off the GUI thread, and the process can
crash (seen: a segmentation fault in "Test connection"'s thread, collecting while it imported
httpx). So the automatic collector is turned off and the same thresholds are checked from a timer
on the GUI thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds, as gc would."""
        counts = gc.get_count()
        generation = -1
        for level in range(3):
            if counts[level] > self.threshold[level]:
                generation = level
        if generation >= 0:
            gc.collect(generation)

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()
