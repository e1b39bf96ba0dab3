"""Settings → Models: the catalog of models to download, whether each fits this computer, and
the download itself (progress, speed, time left, Cancel).

The machine is read and the catalog judged on a pool thread (reading the GPU imports torch); a
download runs on a thread of its own and reports by signals. Nothing connects to the internet
until the user presses Download, and nothing at all while "Never connect to the internet" is on.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.errors import LongreadError

RUNTIME_CHOICES = (
    ("Auto (llama.cpp where it works and is faster)", "auto"),
    ("llama.cpp", "llamacpp"),
    ("Built-in (torch)", "transformers"),
)
COLUMNS = ("Model", "Download", "Memory needed", "On this computer", "Speed here", "")


def _size(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 90:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


class _Signals(QObject):
    judged = Signal(object, object, object)  # machine, fits, downloaded names
    progress = Signal(object, object, float, object)  # done, total, bytes/s, seconds left
    finished = Signal(str, str)  # path, a note on the file's header
    failed = Signal(str)


class _Judge(QRunnable):
    def __init__(self, signals: _Signals) -> None:
        super().__init__()
        self.signals = signals

    def run(self) -> None:
        from core.llm.catalog import fits_for, read_machine
        from core.llm.download import installed
        from core.llm.probe import load_speeds

        try:
            machine = read_machine()
            fits = fits_for(machine, load_speeds())
            have = {r["name"]: r["path"] for r in installed() if r["state"] == "installed"}
        except Exception as e:  # shown on the page, never a crash
            with contextlib.suppress(RuntimeError):
                self.signals.failed.emit(f"Longread could not read this computer's memory: {e}")
            return
        with contextlib.suppress(RuntimeError):  # the page was closed meanwhile
            self.signals.judged.emit(machine, fits, have)


class ModelsPage(QWidget):
    """The catalog with fit labels, Download / Use buttons, and the download's progress."""

    use_requested = Signal(str)  # a model spec: "gguf:/path/to/file.gguf"
    downloaded = Signal(str)  # a model spec, just downloaded (the window measures its speed)

    def __init__(
        self, parent: QWidget | None = None, *, never_connect: bool = False, runtime: str = "auto"
    ) -> None:
        super().__init__(parent)
        self.signals = _Signals()
        self.signals.judged.connect(self._show)
        self.signals.progress.connect(self._progress)
        self.signals.finished.connect(self._finished)
        self.signals.failed.connect(self._failed)
        self.fits: list = []
        self.have: dict[str, str] = {}
        self.cancel: threading.Event | None = None
        self.downloading: str = ""  # the catalog id being downloaded
        self._thread: threading.Thread | None = None
        self._started = 0.0

        self.machine = QLabel("Reading this computer's memory…")
        self.machine.setWordWrap(True)
        self.machine.setAccessibleName("This computer")
        self.never = QCheckBox("Never connect to the internet")
        self.never.setAccessibleName("Never connect to the internet")
        self.never.setAccessibleDescription(
            "Longread connects only to download a model you ask for; this turns that off too"
        )
        self.never.setChecked(never_connect)
        self.never.toggled.connect(self._update_buttons)
        self.never_note = QLabel(
            "A download is the only connection Longread ever makes, and only when you press "
            "Download: it sends the model's name, nothing of your documents."
        )
        self.never_note.setWordWrap(True)
        self.never_note.setEnabled(False)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Models to download")
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        corner = self.table.findChild(QAbstractButton)  # the top-left "select all" button
        if corner is not None:
            corner.setAccessibleName("Select every model")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)

        self.bar = QProgressBar()
        self.bar.setAccessibleName("Download progress")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setAccessibleName("Download status")
        self.cancel_button = QPushButton("Cancel download")
        self.cancel_button.setAccessibleName("Cancel the download")
        self.cancel_button.clicked.connect(self.cancel_download)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.bar, 1)
        progress_row.addWidget(self.cancel_button)
        self.bar.hide()
        self.cancel_button.hide()

        self.runtime = QComboBox()
        for text, value in RUNTIME_CHOICES:
            self.runtime.addItem(text, value)
        index = self.runtime.findData(runtime)
        self.runtime.setCurrentIndex(max(index, 0))
        self.runtime.setAccessibleName("Runtime for GGUF models")
        runtime_form = QFormLayout()
        runtime_form.addRow("Run GGUF models with:", self.runtime)

        layout = QVBoxLayout(self)
        layout.addWidget(self.machine)
        layout.addWidget(self.table, 1)
        layout.addLayout(progress_row)
        layout.addWidget(self.status)
        layout.addLayout(runtime_form)
        layout.addWidget(self.never)
        layout.addWidget(self.never_note)
        QThreadPool.globalInstance().start(_Judge(self.signals))

    # -- the list ------------------------------------------------------------------------------

    def refresh(self) -> None:
        QThreadPool.globalInstance().start(_Judge(self.signals))

    def _show(self, machine, fits, have) -> None:
        self.fits, self.have = fits, have
        self.machine.setText(f"This computer: {machine.describe()}.")
        self.table.setRowCount(len(fits))
        for row, f in enumerate(fits):
            e = f.entry
            star = "★ " if f.recommended else ""
            name = QTableWidgetItem(f"{star}{e.name}\n{e.params_b:g}B · {e.licence}")
            name.setToolTip(e.why + ("\nThe best fit for this computer." if f.recommended else ""))
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, QTableWidgetItem(_size(e.size_bytes)))
            self.table.setItem(
                row,
                2,
                QTableWidgetItem(
                    f"{e.ram_8k_gb:.1f} GB at 8k\n{e.ram_full_gb:.1f} GB at {e.context // 1024}k"
                ),
            )
            self.table.setItem(row, 3, QTableWidgetItem(f.label))
            speed = (
                f"~{f.decode_tok_s:.0f} tokens/s\n({'measured' if f.measured else 'estimated'})"
                if f.status != "too big"
                else "—"
            )
            self.table.setItem(row, 4, QTableWidgetItem(speed))
            button = QPushButton()
            button.clicked.connect(lambda _checked=False, entry=e: self._act(entry))
            self.table.setCellWidget(row, 5, button)
        self._update_buttons()
        self.table.resizeRowsToContents()

    def _update_buttons(self) -> None:
        never = self.never.isChecked()
        for row, f in enumerate(self.fits):
            button = self.table.cellWidget(row, 5)
            if button is None:
                continue
            e = f.entry
            if e.file in self.have:
                button.setText("Use")
                button.setAccessibleName(f"Answer with {e.name}")
                button.setVisible(True)
                button.setEnabled(True)
            else:
                button.setText("Download")
                button.setAccessibleName(f"Download {e.name} ({_size(e.size_bytes)})")
                # "Never connect" removes the download buttons altogether.
                button.setVisible(not never)
                button.setEnabled(not self.downloading and f.disk_ok)
                if not f.disk_ok:
                    button.setToolTip("Not enough free disk space for this model.")
        self.never_note.setText(
            "Longread never connects to the internet: downloads are off."
            if never
            else "A download is the only connection Longread ever makes, and only when you "
            "press Download: it sends the model's name, nothing of your documents."
        )

    def button_for(self, entry_id: str) -> QPushButton | None:
        for row, f in enumerate(self.fits):
            if f.entry.id == entry_id:
                return self.table.cellWidget(row, 5)
        return None

    def _act(self, entry) -> None:
        if entry.file in self.have:
            self.use_requested.emit(f"gguf:{self.have[entry.file]}")
        else:
            self.start_download(entry)

    # -- downloading ---------------------------------------------------------------------------

    def start_download(self, entry) -> None:
        if self.downloading or self.never.isChecked():
            return
        from core.llm import download

        self.downloading = entry.id
        self.cancel = threading.Event()
        self._started = time.monotonic()
        self.bar.setRange(0, 0)
        self.bar.show()
        self.cancel_button.show()
        self.status.setText(f"Downloading {entry.name}…")
        self._update_buttons()
        signals, cancel = self.signals, self.cancel

        def work() -> None:
            try:
                path = download.pull(
                    entry.repo,
                    entry.file,
                    on_progress=lambda *a: signals.progress.emit(*a),
                    cancel=cancel,
                )
                problems = entry.header_problems(path)
                note = (
                    "its header differs from the catalog: " + "; ".join(problems)
                    if problems
                    else "checked: SHA-256 and header match"
                )
                signals.finished.emit(str(path), note)
            except LongreadError as e:
                signals.failed.emit(str(e))
            except Exception as e:  # never a crash of the window
                signals.failed.emit(f"The download failed: {e}")

        self._thread = threading.Thread(target=work, name="model download", daemon=True)
        self._thread.start()

    def cancel_download(self) -> None:
        if self.cancel is not None:
            self.cancel.set()
            self.status.setText("Cancelling…")

    def _progress(self, done, total, rate, left) -> None:
        if total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(done / total * 1000))
        parts = [f"{_size(done)}" + (f" of {_size(total)}" if total else "")]
        if rate:
            parts.append(f"{rate / 1e6:.1f} MB/s")
        if left is not None:
            parts.append(f"{_duration(left)} left")
        self.status.setText(" · ".join(parts))

    def _finished(self, path: str, note: str) -> None:
        from core.llm.probe import store_download_speed

        size = Path(path).stat().st_size
        elapsed = max(time.monotonic() - self._started, 0.001)
        store_download_speed(size / elapsed)
        self._end()
        self.status.setText(f"Downloaded {Path(path).name} ({note}). Press Use to answer with it.")
        self.downloaded.emit(f"gguf:{path}")
        self.refresh()

    def _failed(self, message: str) -> None:
        self._end()
        self.status.setText(message)
        self.refresh()

    def _end(self) -> None:
        self.downloading = ""
        self.cancel = None
        self.bar.hide()
        self.cancel_button.hide()
        self._update_buttons()

    def wait(self, timeout: float | None = None) -> None:
        """For tests and closing: wait for the download thread to end."""
        if self._thread is not None:
            self._thread.join(timeout)
