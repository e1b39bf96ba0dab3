"""Render the window in its main states to PNG files: `python -m app.screenshots FOLDER`.

`make screenshots` runs it under a virtual X server, so the pictures show the real window (fonts,
style, the rendered PDF page) with a fresh library holding the sample report. The states:
empty (first run), indexing, an answer with its sources, the source panel open, a follow-up
question with what it was read as, and a summary whose points cite their pages.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SIZE = (1440, 900)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "resources/screenshots").absolute()
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="longread-screenshots-"))
    os.environ["LONGREAD_HOME"] = str(home)  # a fresh library: the first-run state is real

    from app.main import setup_environment

    setup_environment()
    from core.device import has_torch

    if has_torch():  # the CPU edition has none
        import torch  # noqa: F401
    from PySide6.QtCore import QCoreApplication, QEvent, QSettings
    from PySide6.QtWidgets import QApplication

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(home / "qt"))
    app = QApplication.instance() or QApplication(["longread"])
    app.setApplicationName("Longread")
    app.setOrganizationName("Longread")

    from app.theme import apply_theme
    from app.window import SAMPLE, MainWindow

    apply_theme(app, "light")
    window = MainWindow(settings=QSettings())
    window.resize(*SIZE)
    window.show()

    def wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                raise SystemExit(f"timed out waiting for {what}")
            QCoreApplication.processEvents()
            time.sleep(0.01)

    def settle(seconds: float = 0.6) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            QCoreApplication.processEvents()
            # widgets removed with deleteLater (a cleared conversation) go now, as in the app
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            time.sleep(0.01)

    def shot(name: str) -> None:
        settle()
        path = out / f"{name}.png"
        window.grab().save(str(path))
        print(f"wrote {path}")

    settle(1.0)
    shot("1-first-run")

    # Indexing: a copy of the sample plus a longer generated document, caught mid-way.
    extra = home / "drop"
    extra.mkdir()
    _long_text(extra / "field-notes.txt")
    window.add_paths([str(SAMPLE), str(extra)])
    wait(
        lambda: "indexing" in " ".join(row.status for row in window.library_panel.model.rows()),
        300,
        "indexing to start",
    )
    shot("2-indexing")
    wait(lambda: not window.engine.busy(), 600, "indexing to finish")

    # Ask about the report alone (selected in the list), as a user comparing one document would.
    report = next(
        row for row in window.library_panel.model.rows() if Path(row.path).name == SAMPLE.name
    )
    window.library_panel.select_ids([report.id])
    window.chat.scope.setCurrentIndex(window.chat.scope.findData("selected"))
    window.chat.prompt.setPlainText("How much did the Eastside renovation cost?")
    window.chat._submit()
    wait(lambda: window.answer_job is None, 600, "the answer")
    answers = window.chat.answers()
    if answers:
        answers[-1].details_button.setChecked(True)  # why this mode, the steps, the times
    shot("3-answer")
    if answers:
        answers[-1].details_button.setChecked(False)

    if answers and answers[-1].chips:
        answers[-1].chips[0].click()
        settle(2.0)
        shot("4-source")
        window.source.hide()

    # A follow-up, read with the question before it ("Read as: ..." in its details).
    window.chat.prompt.setPlainText("Who paid for it?")
    window.chat._submit()
    wait(lambda: window.answer_job is None, 600, "the follow-up")
    answers = window.chat.answers()
    if answers:
        answers[-1].details_button.setChecked(True)
    shot("5-follow-up")
    if answers:
        answers[-1].details_button.setChecked(False)

    # Right-click → Summarise: every part read, each point citing its page.
    window.new_conversation()
    ids = [d.id for d in window.library.documents() if Path(d.path).name == SAMPLE.name]
    window.summarise(ids)
    wait(lambda: window.answer_job is None, 900, "the summary")
    shot("6-summary")
    window.close()
    return 0


def _long_text(path: Path) -> None:
    """A few thousand words of plain notes, so indexing takes long enough to be seen."""
    topics = ["tides", "gulls", "ferries", "lighthouses", "fishing nets", "storms", "harbor walls"]
    lines = []
    for n in range(900):
        topic = topics[n % len(topics)]
        lines.append(
            f"Note {n + 1}. Observed the {topic} near pier {n % 17 + 1} in the morning; the "
            f"water was {n % 9 + 3} degrees and the wind came from the {['north', 'west'][n % 2]}."
        )
        if n % 12 == 11:
            lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
