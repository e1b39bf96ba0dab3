"""The main window: the library and conversations on the left, the chat in the middle, the
cited page on the right; long work runs on the engine thread and reports in the status bar."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.chat_panel import AnswerWidget, ChatPanel
from app.conversations_panel import ConversationsPanel
from app.library_panel import LibraryPanel
from app.source_panel import SourcePanel
from app.workers import Engine, Job
from core import settings as core_settings
from core.documents import FORMATS
from core.errors import LongreadError
from core.library import Library, owning_folder
from core.library.conversations import Conversations
from core.paths import resource, user_dir
from core.watch import FolderWatcher

log = logging.getLogger("longread.app")

# Every extension the readers take (core.documents.FORMATS), so the dialog offers no file that
# is then refused.
FILE_FILTER = f"Documents ({' '.join('*' + suffix for suffix in FORMATS)});;All files (*)"
SAMPLE = resource("sample", "harbor-report.pdf")


class NoticeBar(QFrame):
    """A readable message across the top of the window, until the user dismisses it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAccessibleName("Notice")
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setAccessibleName("Dismiss the notice")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, message: str, *, error: bool = True) -> None:
        colour = ("#fdecea", "#8a1c12", "#f5c6c0") if error else ("#e8f1fb", "#0d3c61", "#bcd6f0")
        self.setStyleSheet(
            f"QFrame#notice {{ background: {colour[0]}; border: 1px solid {colour[2]};"
            f" border-radius: 6px; }} QFrame#notice QLabel {{ color: {colour[1]}; }}"
        )
        self.text.setText(message)
        self.show()


class ModelOffer(QFrame):
    """The first-run offer of a better model than the tiny built-in one: what it is, what it
    needs, one click to get it. Nothing is downloaded without that click."""

    get_requested = Signal(str)  # a catalog id
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offer")
        self.setStyleSheet(
            "QFrame#offer { background: #eef6ee; border: 1px solid #bcdcbc; border-radius: 6px; }"
            " QFrame#offer QLabel { color: #1d4d1d; }"
        )
        self.entry_id = ""
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAccessibleName("A better model for this computer")
        self.get = QPushButton()
        self.get.clicked.connect(lambda: self.get_requested.emit(self.entry_id))
        self.later = QPushButton("Not now")
        self.later.setAccessibleName("Not now: keep the built-in model")
        self.later.clicked.connect(self.dismissed.emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.get, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.later, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def offer(self, fit, download_bytes_per_s: float | None) -> None:
        e = fit.entry
        self.entry_id = e.id
        took = ""
        if download_bytes_per_s:
            minutes = e.size_bytes / download_bytes_per_s / 60
            took = f", about {max(minutes, 1):.0f} min at your last download's speed"
        self.text.setText(
            "<b>The built-in model is tiny</b> (135M parameters): it shows how Longread works "
            f"but gets many answers wrong. <b>{e.name}</b> fits this computer: a "
            f"{e.size_bytes / 1e9:.1f} GB download{took}; it needs {e.ram_8k_gb:.1f} GB of memory "
            f"and writes about {max(fit.decode_tok_s * 0.75, 1):.0f} words a second here "
            f"({'measured' if fit.measured else 'estimated'})."
        )
        self.get.setText(f"Get {e.name}")
        self.get.setAccessibleName(f"Download {e.name}")
        self.show()


class StatusArea(QWidget):
    """The status bar's long-work corner: what is happening, a progress bar, time left, Cancel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = QLabel()
        self.message.setAccessibleName("Progress message")
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(180)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName("Progress")
        self.eta = QLabel()
        self.eta.setAccessibleName("Time left")
        self.cancel = QPushButton("Cancel")
        self.cancel.setAccessibleName("Cancel the work in progress")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.eta)
        layout.addWidget(self.cancel)
        self.started = 0.0
        self.idle()

    def begin(self, title: str) -> None:
        self.started = time.monotonic()
        self.message.setText(title + "…")
        self.bar.setRange(0, 0)
        self.eta.setText("")
        for w in (self.bar, self.cancel, self.message):
            w.setVisible(True)
        self.cancel.setEnabled(True)

    def update_progress(self, done: int, total: int, message: str) -> None:
        self.message.setText(message)
        if total > 1:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
            elapsed = time.monotonic() - self.started
            if 0 < done < total and elapsed > 2:
                self.eta.setText(f"about {_duration(elapsed / done * (total - done))} left")
        else:
            self.bar.setRange(0, 0)

    def idle(self, message: str = "") -> None:
        self.message.setText(message)
        self.bar.setVisible(False)
        self.cancel.setVisible(False)
        self.eta.setText("")


class MainWindow(QMainWindow):
    problem = Signal(str)  # a message for the notice bar, from any thread
    offer_ready = Signal(object, object)  # the best-fitting catalog model, download speed
    folders_changed = Signal(object)  # paths changed in the watched folders, from the watcher

    def __init__(
        self,
        library: Library | None = None,
        settings: QSettings | None = None,
        *,
        preload: bool = True,
    ) -> None:
        """library: where the documents are (default: the folder in the settings); the window
        only reads it, the engine process changes it. preload: load the models in the
        background as soon as the window opens, so the first answer comes sooner."""
        super().__init__()
        self.settings = settings or QSettings()
        self.library = library or Library(self._library_dir())
        self.conversations = Conversations(self.library.dir)
        self.conversation_id: int | None = None
        self.engine = Engine(self)
        self.answer_job: Job | None = None
        self.settings_dialog = None  # while Settings is open (tests reach it here)
        self.probe_job: Job | None = None  # measuring a new model's speed (gives way to asks)
        self.answer_widget: AnswerWidget | None = None
        # Watched folders: changes gather here while a sync runs, for the next one.
        self.sync_job: Job | None = None
        self._changes: set[str] = set()
        self._full_sync = False
        self.watcher = FolderWatcher(self.folders_changed.emit)
        self.folders_changed.connect(self._folders_changed)

        self.setWindowTitle("Longread")
        self.setAcceptDrops(True)
        self.resize(1280, 800)

        self.library_panel = LibraryPanel()
        self.library_panel.add_files_requested.connect(self.choose_files)
        self.library_panel.add_folder_requested.connect(self.choose_folder)
        self.library_panel.remove_requested.connect(self.remove_documents)
        self.library_panel.summarise_requested.connect(self.summarise)
        self.library_panel.unwatch_requested.connect(self.unwatch_folder)
        self.library_panel.remove_folder_requested.connect(self.remove_folder)
        self.conversations_panel = ConversationsPanel()
        self.conversations_panel.open_requested.connect(self.open_conversation)
        self.conversations_panel.new_requested.connect(self.new_conversation)
        self.conversations_panel.rename_requested.connect(self.rename_conversation)
        self.conversations_panel.delete_requested.connect(self.delete_conversation)
        self.chat = ChatPanel()
        self.chat.ask_requested.connect(self.ask)
        self.chat.model_chosen.connect(self.use_model)
        self.chat.ask_again.connect(
            lambda question, mode: self.ask(question, mode, self.chat.scope.currentData())
        )
        self.chat.stop_requested.connect(self.stop_answer)
        self.chat.citation_clicked.connect(self.show_citation)
        self.chat.sample_requested.connect(self.add_sample)
        self.source = SourcePanel()
        self.source.hide()
        self.notice = NoticeBar()
        self.problem.connect(self.notice.show_message)
        self.offer = ModelOffer()
        self.offer.get_requested.connect(self.get_model)
        self.offer.dismissed.connect(self._offer_dismissed)
        self.offer_ready.connect(self._show_offer)

        sidebar = QSplitter(Qt.Orientation.Vertical)
        sidebar.addWidget(self.library_panel)
        sidebar.addWidget(self.conversations_panel)
        sidebar.setStretchFactor(0, 3)
        sidebar.setStretchFactor(1, 2)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(sidebar)
        self.splitter.addWidget(self.chat)
        self.splitter.addWidget(self.source)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 1)
        self.splitter.setSizes([330, 620, 520])
        self.splitter.setChildrenCollapsible(False)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(self.notice)
        layout.addWidget(self.offer)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.status = StatusArea()
        self.status.cancel.clicked.connect(self.cancel_work)
        self.statusBar().addWidget(self.status, 1)

        self._make_menus()
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.stop_answer)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(300)
        self._refresh_timer.timeout.connect(self.refresh)
        self.library_panel.selection_changed.connect(self._scope_hint)
        self.chat.scope.currentIndexChanged.connect(self._scope_hint)

        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.refresh()
        self.refresh_models()
        self.refresh_conversations()
        self._reopen_last_conversation()
        self._start_watching()
        if said := core_settings.take_notices():  # a damaged settings file, set aside
            self.notice.show_message(" ".join(said))
        if app := QApplication.instance():
            app.installEventFilter(self)
        if preload:
            QTimer.singleShot(500, self._preload)
            QTimer.singleShot(800, self._consider_offer)

    def _reopen_last_conversation(self) -> None:
        last = str(self.settings.value("window/conversation", ""))
        try:
            known = {c.id for c in self.conversations.list()}
        except LongreadError:
            return  # already said by refresh_conversations
        if last.isdigit() and int(last) in known:
            self.open_conversation(int(last))

    # -- menus -------------------------------------------------------------------------------

    def _make_menus(self) -> None:
        file = self.menuBar().addMenu("&File")
        self._action(file, "Add &files…", self.choose_files, QKeySequence.StandardKey.Open)
        self._action(file, "Add f&older…", self.choose_folder, "Ctrl+Shift+O")
        file.addSeparator()
        self._action(file, "&Settings…", self.open_settings, QKeySequence.StandardKey.Preferences)
        self._action(file, "&Models…", self.open_models, "Ctrl+Shift+M")
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        chat = self.menuBar().addMenu("&Conversation")
        self._action(chat, "&New conversation", self.new_conversation, QKeySequence.StandardKey.New)
        self._action(chat, "&Stop the answer", self.stop_answer)
        self._action(
            chat, "Su&mmarise the selected documents", self._summarise_selected, "Ctrl+Shift+S"
        )
        chat.addSeparator()
        self._action(chat, "&Export…", self.export_conversation, "Ctrl+E")
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "Open the &log folder", self.open_log_folder)
        self._action(help_menu, "&About Longread", self.about)

    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    # -- the library -------------------------------------------------------------------------

    def _library_dir(self) -> Path:
        """The library folder in the shared settings (the one `longread list` opens too)."""
        from app.settings_dialog import adopt_library_dir

        adopt_library_dir(self.settings)
        return core_settings.library_dir()

    def refresh(self) -> None:
        try:
            documents = self.library.documents()
        except LongreadError as e:
            self.notice.show_message(str(e))
            return
        self.library_panel.set_documents(documents)
        self._update_welcome()
        self._scope_hint()  # "About: all 3 documents"

    def _update_welcome(self) -> None:
        empty = self.conversation_id is None and not self.chat.answers()
        self.chat.show_welcome(empty, documents=self.library_panel.document_count())

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add files to the library", "", FILE_FILTER)
        if paths:
            self.add_paths(paths)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder to the library")
        if folder:
            self.add_paths([folder])

    def add_sample(self) -> None:
        if not SAMPLE.exists():
            self.notice.show_message(
                f"The sample document is missing from this install ({SAMPLE})."
            )
            return
        self.add_paths([str(SAMPLE)])
        self.chat.prompt.setPlainText("How many visitors did the library have in 2023?")
        self.chat.prompt.setFocus()

    def add_paths(self, paths: list[str]) -> Job:
        """Add files and folders; they show as queued at once, and the work waits its turn."""
        for path in paths:
            if Path(path).is_file():
                self.library_panel.set_file_state(str(Path(path).resolve()), "queued", None, "")
        self._update_welcome()
        count = len(paths)
        title = f"Adding {Path(paths[0]).name}" if count == 1 else f"Adding {count} items"
        job = Job(title, "core.service:add_files", library_dir=str(self.library.dir), paths=paths)
        job.file_state.connect(self._file_state)
        job.finished.connect(self._added)
        job.failed.connect(self._add_failed)
        return self._submit(job)

    def _file_state(self, path: str, state: str, fraction, message: str) -> None:
        self.library_panel.set_file_state(path, state, fraction, message)
        if state in ("queued", "failed"):
            self._update_welcome()
        if state == "ready":
            self._refresh_timer.start()

    def _added(self, report) -> None:
        self.refresh()
        problems = [(Path(p).name, m) for p, m in report.failed]
        if problems:
            shown = "".join(f"<li>{_escape(m)}</li>" for _n, m in problems[:8])
            more = f"<li>… and {len(problems) - 8} more</li>" if len(problems) > 8 else ""
            added = len(report.added) + len(report.updated)
            self.notice.show_message(
                f"{len(problems)} file{'s were' if len(problems) != 1 else ' was'} not added"
                + (f" ({added} other{'s' if added != 1 else ''} added)" if added else "")
                + f":<ul>{shown}{more}</ul>"
            )
        self.status.idle(report.summary())
        self.watcher.watch(self._watched_folders())  # a folder added is watched from now on

    def _add_failed(self, message: str) -> None:
        self.refresh()
        self.notice.show_message(f"Could not add the files: {_escape(message)}")

    def remove_documents(self, paths: list[str]) -> None:
        ids = self.library_panel.selected_ids()
        not_added = [p for p in paths if self.library_panel.state_of(p) == "failed"]
        self.library_panel.forget(not_added)  # failed files were never in the library
        if not ids:
            return
        job = Job(
            f"Removing {len(ids)} document{'s' if len(ids) != 1 else ''}",
            "core.service:remove_documents",
            library_dir=str(self.library.dir),
            ids=ids,
        )
        job.finished.connect(self._removed)
        job.failed.connect(self._add_failed)
        self._submit(job)

    def _removed(self, count: int) -> None:
        self.refresh()
        self.status.idle(f"{count} document{'s' if count != 1 else ''} removed")

    # -- watched folders ---------------------------------------------------------------------

    def _start_watching(self) -> None:
        folders = self._watched_folders()
        self.watcher.watch(folders)
        self.watcher.start()
        if folders:
            self.sync_folders()  # what changed while Longread was closed

    def _watched_folders(self) -> list[str]:
        """The library's watched folders, as the panel shows them."""
        try:
            folders = self.library.folders()
        except LongreadError as e:
            self.notice.show_message(str(e))
            return self.library_panel.folders
        self.library_panel.set_folders(folders)
        return folders

    def _folders_changed(self, paths: set[str]) -> None:
        self.sync_folders(set(paths))

    def sync_folders(self, changed: set[str] | None = None) -> None:
        """Bring the library in step with the watched folders (only the `changed` paths, if
        given). One sync at a time, in the engine's queue like any indexing: changes that come
        meanwhile wait for the next one."""
        if changed is None:
            self._full_sync = True
        else:
            self._changes |= changed
        self._next_sync()

    def _next_sync(self) -> None:
        if self.sync_job is not None or not (self._full_sync or self._changes):
            return
        changed = None if self._full_sync else sorted(self._changes)
        self._full_sync, self._changes = False, set()
        job = Job(
            "Updating from watched folders",
            "core.service:sync_folders",
            library_dir=str(self.library.dir),
            changed=changed,
        )
        job.file_state.connect(self._file_state)
        job.finished.connect(self._synced)
        job.failed.connect(self._sync_failed)
        job.ended.connect(self._sync_ended)
        self.sync_job = job
        self._submit(job)

    def _synced(self, report) -> None:
        self.refresh()
        for folder in report.missing:
            self.notice.show_message(
                f"The watched folder “{_escape(folder)}” was not found: it may be on a drive "
                "that is not connected, or it was moved or deleted. Its documents are kept in "
                "the library, and brought up to date when the folder is back. To stop "
                "watching it, right-click one of its documents.",
                error=False,
            )
        if report.failed:
            shown = "".join(f"<li>{_escape(m)}</li>" for _p, m in report.failed[:8])
            more = f"<li>… and {len(report.failed) - 8} more</li>" if len(report.failed) > 8 else ""
            count = len(report.failed)
            self.notice.show_message(
                f"{count} file{'s' if count != 1 else ''} in the watched folders could not be "
                f"added:<ul>{shown}{more}</ul>"
            )
        if report.changes or report.failed or report.cancelled:
            self.status.idle(f"Updated from watched folders: {report.summary()}")
        else:
            self.status.idle("The watched folders are up to date")

    def _sync_failed(self, message: str) -> None:
        self.refresh()
        if message != "Stopped.":
            self.notice.show_message(
                f"Could not update the library from its watched folders: {_escape(message)}"
            )
        self.status.idle("")

    def _sync_ended(self) -> None:
        self.sync_job = None
        self._next_sync()

    def unwatch_folder(self, folder: str) -> Job:
        """Stop watching a folder now; its documents stay as they are."""
        return self._folder_job(
            folder,
            f"Stopping watching {Path(folder).name}",
            "core.service:unwatch_folder",
            lambda _result: self._unwatched(folder),
        )

    def _unwatched(self, folder: str) -> None:
        self._watched_folders()
        self.status.idle(
            f"No longer watching “{Path(folder).name}”; its documents stay in the library"
        )

    def remove_folder(self, folder: str) -> Job:
        """Take a watched folder and its documents out of the library (the files stay)."""
        return self._folder_job(
            folder,
            f"Removing the folder {Path(folder).name}",
            "core.service:remove_folder",
            self._folder_removed,
        )

    def _folder_job(self, folder: str, title: str, task: str, done) -> Job:
        """Stop watching `folder` in this window at once, and run `task` on it in the engine."""
        self._forget_folder(folder)
        job = Job(title, task, library_dir=str(self.library.dir), folder=folder)
        job.finished.connect(done)
        job.failed.connect(self._folder_job_failed)
        return self._submit(job)

    def _folder_removed(self, count: int) -> None:
        self._watched_folders()
        self._removed(count)

    def _folder_job_failed(self, message: str) -> None:
        self.refresh()
        self._watched_folders()
        self.notice.show_message(f"Could not change the watched folders: {_escape(message)}")

    def _forget_folder(self, folder: str) -> None:
        """Stop watching a folder in this window at once, and drop its pending changes."""
        remaining = [f for f in self.library_panel.folders if f != folder]
        self.library_panel.set_folders(remaining)
        self.watcher.watch(remaining)
        self._changes = {p for p in self._changes if owning_folder(p, [folder]) is None}

    # -- asking ------------------------------------------------------------------------------

    def ask(self, question: str, mode: str, scope: str) -> Job | None:
        if self.answer_job is not None:
            return None
        documents = self.library.documents()
        if scope == "selected":
            ids = self.library_panel.selected_ids()
            if not ids:
                self.notice.show_message(
                    "Select one or more documents in the list first, or choose “All documents”.",
                    error=False,
                )
                self.chat.prompt.setPlainText(question)
                return None
        else:
            ids = [d.id for d in documents]
        if not ids:
            self.notice.show_message(
                "There are no documents to ask about yet. Drop some on the window, or use "
                "“Try the sample document”.",
                error=False,
            )
            self.chat.prompt.setPlainText(question)
            return None
        model = core_settings.Settings.load().model
        history: list[dict] = []
        try:
            if self.conversation_id is None:  # the conversation and its question, together
                conversation = self.conversations.create(
                    scope=None if scope == "all" else ids,
                    mode=mode,
                    first_question=question,
                    model=model,
                )
                self.conversation_id = conversation.id
                self.settings.setValue("window/conversation", conversation.id)
            else:
                # The question is read with the ones before it (core.modes.followup), and
                # the documents, mode and model it is asked with are the conversation's now.
                history = [t.to_json() for t in self.conversations.turns(self.conversation_id)]
                self.conversations.set_scope(
                    self.conversation_id, None if scope == "all" else ids, mode, model
                )
                self.conversations.add_message(self.conversation_id, "user", question)
        except LongreadError as e:
            self.notice.show_message(str(e))
            return None
        self.refresh_conversations()
        self.chat.show_welcome(False)
        self.chat.add_question(question)
        widget = self.chat.add_answer(question)
        waiting = self.engine.busy()
        widget.set_status(
            "Waiting for the documents to finish indexing…" if waiting else "Thinking…"
        )
        self.chat.set_answering(True)
        if self.probe_job is not None and not self.probe_job.done:
            self.probe_job.stop()  # a question does not wait for a speed measurement
        job = Job(
            "Answering",
            "core.service:answer",
            library_dir=str(self.library.dir),
            ids=ids,
            question=question,
            mode=mode,
            max_new_tokens=self._answer_tokens(),
            history=history,
        )
        job.token.connect(widget.add_piece)
        job.notice.connect(lambda message: self.notice.show_message(message, error=False))
        job.progress.connect(self._answer_progress)
        job.finished.connect(self._answered)
        job.failed.connect(self._answer_failed)
        job.ended.connect(self._answer_ended)
        self.answer_job, self.answer_widget = job, widget
        return self._submit(job)

    def _summarise_selected(self) -> None:
        ids = self.library_panel.selected_ids()
        if not ids:
            self.notice.show_message(
                "Select the documents to summarise in the list first.", error=False
            )
            return
        self.summarise(ids)

    def summarise(self, ids: list[int]) -> Job | None:
        """Summarise these documents in the open conversation (or a new one): every part is
        read, each point cites its page; progress shows part N of M, Stop keeps the points."""
        if self.answer_job is not None:
            self.notice.show_message(
                "Wait for the answer to finish (or stop it) first.", error=False
            )
            return None
        self.library_panel.select_ids(ids)
        self.chat.scope.setCurrentIndex(self.chat.scope.findData("selected"))
        question = "Summarise this document." if len(ids) == 1 else "Summarise these documents."
        return self.ask(question, "auto", "selected")

    def _answer_tokens(self) -> int:
        from app.settings_dialog import answer_tokens

        return answer_tokens(self.settings)

    def _answer_progress(self, done: int, total: int, message: str) -> None:
        """The answer's step, under the answer and in the status bar: loading the model,
        searching, reading part 3 of 12, summarising part 2 of 6."""
        if self.answer_widget is not None:
            if self.answer_widget.pieces and message.startswith(("Summarising", "Reading part")):
                self.answer_widget.set_progress(message)  # points so far stay above it
            elif not self.answer_widget.pieces:
                self.answer_widget.set_status(message)
        if message and not self.engine.busy():
            self.status.message.setText(message)

    def _answered(self, answer) -> None:
        data = answer.to_json()
        if self.answer_widget is not None:
            self.answer_widget.show_answer(data)
        try:
            if self.conversation_id is not None:
                self.conversations.add_message(
                    self.conversation_id, "assistant", answer.text, answer=data
                )
        except LongreadError as e:
            self.notice.show_message(str(e))
        self.refresh_conversations()
        seconds = answer.timings.get("total", 0.0)
        if not self.engine.busy():
            self.status.idle(f"Answered in {answer.mode} mode in {seconds:.1f} s")

    def _answer_failed(self, message: str) -> None:
        if self.answer_widget is not None:
            self.answer_widget.show_failure(message)
        self.status.idle("The question could not be answered")

    def _answer_ended(self) -> None:
        self.answer_job, self.answer_widget = None, None
        self.chat.set_answering(False)
        self.chat.prompt.setFocus()

    def stop_answer(self) -> None:
        if self.answer_job is not None:
            self.answer_job.stop()
            if self.answer_widget is not None and not self.answer_widget.pieces:
                self.answer_widget.set_status("Stopping…")

    def cancel_work(self) -> None:
        self.engine.cancel_all()
        self.status.cancel.setEnabled(False)
        self.status.message.setText("Stopping…")

    def _scope_hint(self) -> None:
        ids = self.library_panel.selected_ids()
        selected = len(ids)
        if selected:
            self.chat.scope.setItemText(1, f"Selected documents ({selected})")
        else:
            self.chat.scope.setItemText(1, "Selected documents")
        if self.chat.scope.currentData() == "all":
            count = self.library_panel.document_count()
            about = f"all {count:,} documents" if count > 1 else ""
        elif selected == 1:
            about = f"“{self.library_panel.title_of(ids[0]) or 'one document'}”"
        else:
            about = f"{selected} documents" if selected else "no document selected yet"
        self.chat.about.setText(f"About: {about}" if about else "")

    # -- citations ---------------------------------------------------------------------------

    def show_citation(self, citation: dict) -> None:
        doc_id = citation.get("doc")
        if doc_id is None:
            self.notice.show_message("This source is not stored in the library.", error=False)
            return
        try:
            document = self.library.get(doc_id)
        except LongreadError:
            self.notice.show_message(
                f"“{citation.get('title', 'This document')}” is no longer in the library, so "
                "its page cannot be shown. Add the file again to see it.",
                error=False,
            )
            return
        page = int(citation.get("page") or 1)
        page_text = document.pages[page - 1].text if 0 < page <= len(document.pages) else ""
        self.source.show()
        self.source.show_source(
            path=document.path,
            format=document.format,
            title=document.title,
            page=page,
            page_label=str(citation.get("page_label") or page),
            page_unit=citation.get("page_unit") or document.page_unit,
            quote=citation.get("quote", ""),
            page_text=page_text,
        )

    # -- conversations -----------------------------------------------------------------------

    def refresh_conversations(self) -> None:
        try:
            conversations = self.conversations.list()
        except LongreadError as e:
            self.notice.show_message(str(e))
            return
        self.conversations_panel.set_conversations(conversations, self.conversation_id)

    def open_conversation(self, conversation_id: int) -> None:
        if self.answer_job is not None:
            self.notice.show_message(
                "Wait for the answer to finish (or stop it) before opening another conversation.",
                error=False,
            )
            return
        try:
            conversation = self.conversations.get(conversation_id)
            messages = self.conversations.messages(conversation_id)
        except LongreadError as e:
            self.notice.show_message(str(e))
            return
        self.conversation_id = conversation.id
        self.settings.setValue("window/conversation", conversation.id)
        index = self.chat.mode.findData(conversation.mode)
        self.chat.mode.setCurrentIndex(max(index, 0))
        self.chat.scope.setCurrentIndex(0 if conversation.scope is None else 1)
        said = []
        if conversation.scope is not None:  # its own documents, selected as they were
            self.library_panel.select_ids(conversation.scope)
            gone = [i for i in conversation.scope if self.library_panel.title_of(i) is None]
            if gone:
                said.append(_removed_since(gone, messages, len(conversation.scope)))
        said += self._restore_model(conversation.model)
        self._scope_hint()
        self.chat.show_messages(messages)
        self.refresh_conversations()
        if said:
            self.notice.show_message(" ".join(said), error=False)

    def refresh_models(self) -> None:
        """The chat bar's model list: the built-in model, the ones added in the settings and
        the downloaded ones, with the one that answers now shown."""
        from core.llm.download import installed
        from core.llm.spec import describe_spec, installed_spec

        engine = core_settings.Settings.load()
        specs = engine.all_models()
        try:
            downloaded = [f"gguf:{m['path']}" for m in installed() if m["state"] == "installed"]
        except OSError:
            downloaded = []
        specs += [spec for spec in downloaded if spec not in specs]
        choices = [
            (describe_spec(spec), spec)
            for spec in specs
            if installed_spec(spec) or spec == engine.model
        ]
        self.chat.set_models(choices, engine.model)

    def use_model(self, spec: str) -> None:
        """Answer with `spec` from the next question on (saved in the settings, and with the
        open conversation)."""
        from core.llm.spec import describe_spec

        engine = core_settings.Settings.load()
        if spec == engine.model:
            return
        engine.model = spec
        engine.save()
        self.status.idle(f"Answering with {describe_spec(spec)} from the next question on")
        if self.conversation_id is not None:
            try:
                conversation = self.conversations.get(self.conversation_id)
                self.conversations.set_scope(
                    conversation.id, conversation.scope, conversation.mode, spec
                )
            except LongreadError:
                pass
        self.refresh_models()

    def _restore_model(self, model: str) -> list[str]:
        """Answer with the model the conversation used, where it is still installed."""
        from core.llm.spec import describe_spec, installed_spec

        engine = core_settings.Settings.load()
        if not model or model == engine.model:
            return []
        if not installed_spec(model):
            return [
                f"This conversation was answered with {describe_spec(model)}, which is no "
                f"longer installed; {describe_spec(engine.model)} answers from here on."
            ]
        engine.model = model
        engine.save()
        self.refresh_models()
        return [f"Answering with {describe_spec(model)}, as before in this conversation."]

    def new_conversation(self) -> None:
        if self.answer_job is not None:
            return
        self.conversation_id = None
        self.settings.remove("window/conversation")
        self.chat.clear()
        self.refresh()
        self.refresh_conversations()
        self.chat.prompt.setFocus()

    def export_conversation(self, path: str | None = None) -> Path | None:
        """Save the open conversation as Markdown or PDF (by the file's extension); asks
        where when `path` is not given."""
        from app.export import write_markdown, write_pdf
        from core.library.export import conversation_markdown

        if self.conversation_id is None:
            self.notice.show_message(
                "Ask a question first: there is no conversation to export.", error=False
            )
            return None
        try:
            conversation = self.conversations.get(self.conversation_id)
            messages = self.conversations.messages(self.conversation_id)
        except LongreadError as e:
            self.notice.show_message(str(e))
            return None
        if path is None:
            from PySide6.QtWidgets import QFileDialog

            suggested = str(Path.home() / f"{_file_name(conversation.title)}.md")
            path, _filter = QFileDialog.getSaveFileName(
                self,
                "Export the conversation",
                suggested,
                "Markdown (*.md);;PDF (*.pdf)",
            )
            if not path:
                return None
        ids = conversation.scope or []
        about = [t for t in (self.library_panel.title_of(i) for i in ids) if t]
        markdown = conversation_markdown(conversation, messages, about)
        try:
            if Path(path).suffix.lower() == ".pdf":
                written = write_pdf(markdown, path, conversation.title)
            else:
                written = write_markdown(markdown, path)
        except LongreadError as e:
            self.notice.show_message(str(e))
            return None
        self.status.idle(f"Exported to {written}")
        return written

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        try:
            self.conversations.rename(conversation_id, title)
        except LongreadError as e:
            self.notice.show_message(str(e))
        self.refresh_conversations()

    def delete_conversation(self, conversation_id: int) -> None:
        try:
            self.conversations.delete(conversation_id)
        except LongreadError as e:
            self.notice.show_message(str(e))
        if conversation_id == self.conversation_id:
            self.new_conversation()
        self.refresh_conversations()

    # -- settings, help ----------------------------------------------------------------------

    def open_settings(self, *, models: bool = False, download: str = "") -> None:
        """Settings; on its Models page when `models`, downloading catalog entry `download`."""
        from app.settings_dialog import SettingsDialog
        from core.llm.catalog import find_entry

        dialog = SettingsDialog(self, settings=self.settings)  # applies the theme on OK
        dialog.models_page.downloaded.connect(self.measure_model)
        if models or download:
            dialog.show_models()
        entry = find_entry(download) if download else None
        if entry is not None:
            dialog.models_page.start_download(entry)
        self.settings_dialog = dialog
        try:
            if dialog.exec():
                self.status.idle("Settings saved")
                self.refresh_models()
                if core_settings.Settings.load().model != "default":
                    self.offer.hide()
        finally:
            self.settings_dialog = None

    def open_models(self) -> None:
        self.open_settings(models=True)

    # -- a better model than the built-in one -----------------------------------------------

    OFFER_DISMISSED_KEY = "models/offer_dismissed"

    def _consider_offer(self) -> None:
        """On the first runs, while the tiny built-in model answers: offer the best fit."""
        engine = core_settings.Settings.load()
        if (
            engine.model != "default"
            or engine.never_connect
            or self.settings.value(self.OFFER_DISMISSED_KEY, False, type=bool)
        ):
            return

        def judge() -> None:
            from core.llm.catalog import fits_for, read_machine
            from core.llm.download import installed
            from core.llm.probe import download_speed, load_speeds

            try:
                fits = fits_for(read_machine(), load_speeds())
                have = {r["name"] for r in installed() if r["state"] == "installed"}
            except Exception:  # the offer is a courtesy: never an error for it
                log.exception("judging the catalog for the first-run offer")
                return
            best = next((f for f in fits if f.recommended), None)
            if best is not None and best.entry.file not in have:
                self.offer_ready.emit(best, download_speed())

        threading.Thread(target=judge, name="model offer", daemon=True).start()

    def _show_offer(self, fit, speed) -> None:
        self.offer.offer(fit, speed)

    def _offer_dismissed(self) -> None:
        self.settings.setValue(self.OFFER_DISMISSED_KEY, True)
        self.offer.hide()

    def get_model(self, entry_id: str) -> None:
        self.open_settings(download=entry_id)

    def measure_model(self, spec: str) -> None:
        """A model just downloaded: measure its speed here (15 s), for the catalog and auto
        mode's choices."""
        job = Job("Measuring the new model's speed", "core.service:probe_model", spec=spec)
        self.probe_job = job
        job.finished.connect(
            lambda record: self.status.idle(
                f"Measured: reads ~{record['prefill_tok_s']:,.0f} tokens/s, writes "
                f"~{record['decode_tok_s']:.1f} tokens/s on this computer"
            )
        )
        job.failed.connect(lambda message: self.status.idle(f"Not measured: {message}"))
        self._submit(job)

    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(user_dir() / "logs")))

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About Longread",
            "<b>Longread</b><br>Ask questions about your documents, on this computer only.<br>"
            f"Library: {_escape(str(self.library.dir))}",
        )

    def _preload(self) -> None:
        queued = [self.engine.current, *self.engine.waiting()]
        if any(job is not None and job is not self.sync_job for job in queued):
            return  # the user's own work comes first; the start's sync may go before
        job = Job("Loading the models", "core.service:warm_up", library_dir=str(self.library.dir))
        job.finished.connect(lambda _result: self.status.idle("Ready"))
        job.notice.connect(lambda message: self.notice.show_message(message, error=False))
        job.failed.connect(self._preload_failed)
        self._submit(job)

    def _preload_failed(self, message: str) -> None:
        if message != "Stopped.":
            self.notice.show_message(f"The models could not be loaded: {_escape(message)}")
        self.status.idle("")

    # -- the engine --------------------------------------------------------------------------

    def _submit(self, job: Job) -> Job:
        job.started.connect(self._job_started)
        job.progress.connect(self.status.update_progress)
        self.engine.submit(job)
        if self.engine.current is None and len(self.engine.waiting()) <= 1:
            self.status.begin(job.title)
        else:
            self.status.message.setText(f"{job.title}: waiting for the work in progress")
        return job

    def _job_started(self) -> None:
        job = self.sender()
        if isinstance(job, Job):
            self.status.begin(job.title)

    # -- drag and drop -----------------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def eventFilter(self, watched, event) -> bool:
        """Files dropped on any part of the window are added, even where a child widget
        would take the drop itself (the question box would paste the file's address)."""
        kind = event.type()
        drag = kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop)
        if (
            drag
            and isinstance(watched, QWidget)
            and watched.window() is self
            and event.mimeData().hasUrls()
        ):
            if kind == QEvent.Type.Drop:
                self.dropEvent(event)
            else:
                event.acceptProposedAction()
            return True
        return super().eventFilter(watched, event)

    def dropEvent(self, event) -> None:
        urls = event.mimeData().urls()
        paths = [u.toLocalFile() for u in urls if u.isLocalFile()]
        if len(paths) < len(urls):
            self.notice.show_message(
                "Only files on this computer can be added; links to web pages were left out.",
                error=False,
            )
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    def closeEvent(self, event) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.watcher.stop()
        # A cancelled task ends within a moment; if it does not, the engine is ended anyway
        # (the library's writes are transactions: a kill loses nothing saved).
        if not self.engine.stop(3_000):
            log.warning("the engine process did not stop in time and was ended")
        for store in (self.library, self.conversations):
            store.close()
        if app := QApplication.instance():
            app.removeEventFilter(self)
        super().closeEvent(event)


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    return (
        f"{minutes} min {seconds:02d} s"
        if minutes < 60
        else f"{minutes // 60} h {minutes % 60} min"
    )


def _file_name(title: str) -> str:
    """A conversation's title as a file name that every system accepts."""
    name = "".join(c if c.isalnum() or c in " -_" else " " for c in title)
    return " ".join(name.split())[:60] or "conversation"


def _removed_since(gone: list[int], messages, total: int) -> str:
    """ "“Budget 2024” was removed from the library since; this conversation now asks about
    the other 2 documents." Titles come from the answers' citations, where one cited it."""
    titles: dict[int, str] = {}
    for message in messages:
        for citation in (message.answer or {}).get("citations") or []:
            if citation.get("doc") in gone and citation.get("title"):
                titles[citation["doc"]] = citation["title"]
    named = [f"“{titles[i]}”" for i in gone if i in titles]
    unnamed = len(gone) - len(named)
    if unnamed:
        named.append(f"{unnamed} other document{'s' if unnamed > 1 else ''}")
    what = " and ".join([", ".join(named[:-1]), named[-1]] if len(named) > 1 else named)
    left = total - len(gone)
    rest = (
        f"it now asks about the other {left} document{'s' if left > 1 else ''}."
        if left
        else "select the documents to ask about."
    )
    verb = "was" if len(gone) == 1 else "were"
    return (
        f"This conversation was about {what}, which {verb} removed from the library since; {rest}"
    )
