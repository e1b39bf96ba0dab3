"""Start the Longread window: offline settings, the log file, the theme, then the event loop."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import sys
import threading

log = logging.getLogger("longread.app")


def setup_environment() -> None:
    """Settings that must be in place before any model library is imported."""
    from core import offline

    offline.enforce()


def setup_logging() -> str:
    """Log to `<user folder>/logs/longread.log` (kept to a few MB); returns the file's path."""
    from core.paths import user_dir

    folder = user_dir() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "longread.log"
    root = logging.getLogger("longread")
    for old in [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]:
        if old.baseFilename == str(path.absolute()):
            return str(path)
        root.removeHandler(old)  # the user folder changed (a test, a portable install)
        old.close()
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return str(path)


def install_exception_hooks(show) -> None:
    """An exception nobody caught is logged and shown as a notice; the window stays open.

    `show` must be safe to call from any thread (a signal's emit is)."""

    def hook(kind, value, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        log.error("unexpected error", exc_info=(kind, value, tb))
        # If the window itself is gone, the log has it.
        with contextlib.suppress(Exception):
            show(
                f"Something went wrong: {kind.__name__}: {value}. Your documents and "
                "conversations are safe; the details are in the log file (Help → Open the log "
                "folder)."
            )

    sys.excepthook = hook
    threading.excepthook = lambda args: hook(args.exc_type, args.exc_value, args.exc_traceback)


def run_app(argv: list[str] | None = None, open_paths: list[str] | None = None) -> int:
    """Open the main window and run the Qt event loop until it closes. open_paths: files the
    system asked Longread to open (a double-click on a PDF): added to the library."""
    setup_environment()
    # torch before Qt: on Windows, torch's DLLs fail to load once Qt's are in the process.
    from core.device import has_torch

    if has_torch():  # the CPU edition has none
        import torch  # noqa: F401
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    setup_logging()
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Longread")
    app.setOrganizationName("Longread")
    app.setApplicationDisplayName("Longread")

    from app.collector import GuiThreadCollector
    from app.theme import apply_theme
    from app.window import MainWindow

    GuiThreadCollector(app)  # garbage is collected on this thread only (see app/collector.py)
    from core.errors import LongreadError

    settings = QSettings()
    apply_theme(app, str(settings.value("theme", "system")))
    try:
        window = MainWindow(settings=settings)
    except LongreadError as e:  # e.g. the library folder cannot be opened
        from PySide6.QtWidgets import QMessageBox

        log.error("could not open the window: %s", e)
        QMessageBox.critical(None, "Longread cannot start", str(e))
        return 1
    install_exception_hooks(window.problem.emit)
    window.show()
    log.info("window opened; library %s", window.library.dir)
    if open_paths:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, lambda: window.add_paths(open_paths))
    return app.exec()
