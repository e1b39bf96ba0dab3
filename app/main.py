"""Start the Longread window."""

from __future__ import annotations

import sys


def run_app(argv: list[str] | None = None) -> int:
    """Open the main window and run the Qt event loop until it closes."""
    from PySide6.QtWidgets import QApplication

    from app.window import MainWindow

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Longread")
    app.setOrganizationName("Longread")
    window = MainWindow()
    window.show()
    return app.exec()
