"""The main window: for now, the library's documents and a drop target that adds files."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from core.documents.models import count_pages
from core.library import Library


class AddWorker(QObject):
    """Adds paths to the library off the GUI thread; reports through signals only."""

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, library_dir: Path, paths: list[str]) -> None:
        super().__init__()
        self.library_dir, self.paths = library_dir, paths
        self.cancel = threading.Event()

    def run(self) -> None:
        try:
            with Library(self.library_dir) as library:
                report = library.add(self.paths, on_progress=self.progress.emit, cancel=self.cancel)
            self.finished.emit(report)
        except Exception as e:  # shown in the window, never a crash
            self.failed.emit(str(e))


class MainWindow(QMainWindow):
    def __init__(self, library: Library | None = None) -> None:
        super().__init__()
        self.library = library or Library()
        self.setWindowTitle("Longread")
        self.setAcceptDrops(True)
        self.resize(900, 600)

        self.hint = QLabel("Drop PDF, Word, text, HTML, EPUB or CSV files (or folders) here.")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.documents = QListWidget()
        self.documents.setAccessibleName("Documents in the library")
        self.progress = QProgressBar()
        self.progress.setVisible(False)

        layout = QVBoxLayout()
        layout.addWidget(self.hint)
        layout.addWidget(self.documents, 1)
        layout.addWidget(self.progress)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)
        self._thread: QThread | None = None
        self.refresh()

    def refresh(self) -> None:
        self.documents.clear()
        for doc in self.library.documents():
            pages = count_pages(doc.page_unit, doc.page_count)
            item = QListWidgetItem(f"{doc.title}  —  {pages}, {doc.format}")
            item.setToolTip(doc.path)
            self.documents.addItem(item)

    def add_paths(self, paths: list[str]) -> None:
        if self._thread is not None:
            return
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        thread = QThread(self)
        worker = AddWorker(self.library.dir, paths)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_added)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(thread.quit)
        worker.failed.connect(thread.quit)
        thread.finished.connect(worker.deleteLater)
        thread.finished.connect(self._on_thread_done)
        self._worker, self._thread = worker, thread
        thread.start()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done}/{total}  {Path(message).name}")

    def _on_added(self, report) -> None:
        self.refresh()
        if report.failed:
            QMessageBox.information(
                self, "Some files were not added", "\n\n".join(m for _, m in report.failed)
            )

    def _on_failed(self, message: str) -> None:
        QMessageBox.warning(self, "Could not add files", message)

    def _on_thread_done(self) -> None:
        self.progress.setVisible(False)
        self._thread.deleteLater()
        self._thread = None

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    def closeEvent(self, event) -> None:
        if self._thread is not None:
            self._worker.cancel.set()
            self._thread.quit()
            self._thread.wait(5000)
        self.library.close()
        super().closeEvent(event)
