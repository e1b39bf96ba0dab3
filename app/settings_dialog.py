"""The settings dialog: which model answers and where it runs, and the window's own preferences.

Engine values (the model, the device, the library folder, model servers on the local network)
are saved in core.settings.Settings, which the engine and the command line read too. Window
preferences are saved in QSettings under THEME_KEY and ANSWER_TOKENS_KEY; the helpers at the top
read them back with their defaults.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QSettings, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.models_page import ModelsPage
from app.theme import THEMES, apply_theme, is_dark
from core.errors import ModelError
from core.llm.openai_backend import CHECK_TIMEOUT_S, check_server
from core.llm.spec import parse
from core.paths import default_library_dir
from core.settings import Settings

THEME_KEY = "theme"
ANSWER_TOKENS_KEY = "answer_tokens"
# Where earlier versions kept the library folder; moved into Settings once (adopt_library_dir).
LIBRARY_DIR_KEY = "library_dir"

DEFAULT_ANSWER_TOKENS = 384

ANSWER_LENGTHS = (
    ("Short (128 tokens)", 128),
    ("Medium (384 tokens)", 384),
    ("Long (768 tokens)", 768),
)
THEME_CHOICES = (("Follow system", "system"), ("Light", "light"), ("Dark", "dark"))
DEVICE_CHOICES = (
    ("Auto (the fastest this computer has)", "auto"),
    ("CPU", "cpu"),
    ("NVIDIA GPU (cuda)", "cuda"),
    ("Apple GPU (mps)", "mps"),
)
TEST_TIMEOUT_S = CHECK_TIMEOUT_S  # "Test connection" gives up after this long without an answer
SERVER_EXAMPLE = "http://127.0.0.1:8080/v1"


# -- the window's preferences, read with their defaults ----------------------------------------


def answer_tokens(settings: QSettings) -> int:
    """The longest answer to generate, in tokens (max_new_tokens)."""
    try:
        value = int(settings.value(ANSWER_TOKENS_KEY, DEFAULT_ANSWER_TOKENS))
    except (TypeError, ValueError):
        return DEFAULT_ANSWER_TOKENS
    return value if value > 0 else DEFAULT_ANSWER_TOKENS


def adopt_library_dir(settings: QSettings) -> None:
    """A library folder chosen in an earlier version (kept in Qt's settings) moves into the
    shared settings, so the command line opens the same library as the window."""
    value = settings.value(LIBRARY_DIR_KEY, "")
    if not value:
        return
    engine = Settings.load()
    if not engine.library:
        engine.library = str(Path(str(value)).expanduser())
        try:
            engine.save()
        except OSError:
            return  # kept in Qt's settings; tried again at the next start
    settings.remove(LIBRARY_DIR_KEY)


def theme_name(settings: QSettings) -> str:
    """The look: "system", "light" or "dark" (for app.theme.apply_theme)."""
    value = str(settings.value(THEME_KEY, "system") or "system")
    return value if value in THEMES else "system"


# -- testing a model server (core.llm.openai_backend.check_server, on a pool thread) ---------


class _TestSignals(QObject):
    done = Signal(bool, str, list)


class ConnectionTest(QRunnable):
    """Runs check_server on a pool thread and reports through `signals.done`."""

    def __init__(self, url: str, allow_lan: bool) -> None:
        super().__init__()
        self.url = url
        self.allow_lan = allow_lan
        self.signals = _TestSignals()

    def run(self) -> None:
        try:
            ok, message, names = check_server(self.url, allow_lan=self.allow_lan)
        except Exception as e:  # a failure is shown in the dialog, never a crash
            ok, message, names = False, f"Testing {self.url} failed: {e}", []
        self.signals.done.emit(ok, message, names)


# -- the dialog --------------------------------------------------------------------------------


class _Invalid(Exception):
    """A choice that cannot be saved: the message to show and the control to fix."""

    def __init__(self, message: str, widget: QWidget) -> None:
        super().__init__(message)
        self.widget = widget


def _named(widget: QWidget, name: str, description: str = "") -> QWidget:
    widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)
    return widget


def _indented(*widgets: QWidget) -> QWidget:
    """A row under a radio button, lined up with the radio button's text."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(26, 0, 0, 0)
    for w in widgets:
        layout.addWidget(w, 1 if isinstance(w, (QLineEdit, QComboBox)) else 0)
    return row


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setEnabled(False)  # drawn in the palette's quieter disabled text colour
    return label


class SettingsDialog(QDialog):
    """Model, device, library location, theme and answer length. OK saves them all."""

    def __init__(self, parent: QWidget | None = None, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.qsettings = settings if settings is not None else QSettings()
        self._test_signals: _TestSignals | None = None
        self._build()
        self._load()
        self._update_enabled()

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        # The language model
        self.model_default = QRadioButton("Built-in model (SmolLM2 135M)")
        self.model_local = QRadioButton("A model file or folder on this computer")
        self.model_server = QRadioButton("A model server (OpenAI-compatible)")
        _named(self.model_default, "Use the built-in model (SmolLM2 135M)")
        _named(self.model_local, "Use a model file or folder on this computer")
        _named(self.model_server, "Use a model server (OpenAI-compatible)")
        self.model_kind = QButtonGroup(self)
        for button in (self.model_default, self.model_local, self.model_server):
            self.model_kind.addButton(button)
            button.toggled.connect(self._update_enabled)

        self.model_path = QLineEdit()
        self.model_path.setPlaceholderText("A .gguf file, or a folder with config.json")
        _named(
            self.model_path,
            "Model file or folder",
            "The path of a .gguf model file or of a transformers model folder",
        )
        self.choose_file = QPushButton("Choose file…")
        _named(self.choose_file, "Choose a model file", "Pick a .gguf model file")
        self.choose_file.clicked.connect(self._choose_model_file)
        self.choose_folder = QPushButton("Choose folder…")
        _named(self.choose_folder, "Choose a model folder", "Pick a transformers model folder")
        self.choose_folder.clicked.connect(self._choose_model_folder)
        self.local_row = _indented(self.model_path, self.choose_file, self.choose_folder)

        self.server_url = QLineEdit()
        self.server_url.setPlaceholderText(SERVER_EXAMPLE)
        _named(self.server_url, "Model server address", f"For example {SERVER_EXAMPLE}")
        self.test_button = QPushButton("Test connection")
        _named(self.test_button, "Test the connection to the model server")
        self.test_button.clicked.connect(self.test_connection)
        self.server_model = QComboBox()
        self.server_model.setEditable(True)
        self.server_model.lineEdit().setPlaceholderText("The first model the server lists")
        _named(
            self.server_model,
            "Model on the server",
            "The model's name on the server; leave empty for the first one it lists",
        )
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_result.setVisible(False)
        _named(self.test_result, "Connection test result")
        server_name = QWidget()
        name_layout = QHBoxLayout(server_name)
        name_layout.setContentsMargins(0, 0, 0, 0)
        name_label = QLabel("Model on the server:")
        name_label.setBuddy(self.server_model)
        name_layout.addWidget(name_label)
        name_layout.addWidget(self.server_model, 1)
        self.server_rows = QWidget()
        server_layout = QVBoxLayout(self.server_rows)
        server_layout.setContentsMargins(26, 0, 0, 0)
        url_row = QHBoxLayout()
        url_row.addWidget(self.server_url, 1)
        url_row.addWidget(self.test_button)
        server_layout.addLayout(url_row)
        server_layout.addWidget(server_name)
        self.allow_lan = QCheckBox("Allow model servers on my local network")
        _named(
            self.allow_lan,
            "Allow model servers on my local network",
            "Also use servers at private network addresses, not only on this computer",
        )
        self.lan_note = _note(
            "The text of your documents is then sent to that computer. Servers on the internet "
            "are never used."
        )
        self.allow_lan.toggled.connect(self._update_enabled)
        server_layout.addWidget(self.allow_lan)
        server_layout.addWidget(self.lan_note)
        server_layout.addWidget(self.test_result)

        self.device = QComboBox()
        for text, value in DEVICE_CHOICES:
            self.device.addItem(text, value)
        _named(self.device, "Device", "Which processor runs the models")

        model_box = QGroupBox("Language model")
        model_layout = QVBoxLayout(model_box)
        model_layout.addWidget(self.model_default)
        model_layout.addWidget(self.model_local)
        model_layout.addWidget(self.local_row)
        model_layout.addWidget(self.model_server)
        model_layout.addWidget(self.server_rows)
        device_form = QFormLayout()
        device_form.setContentsMargins(0, 6, 0, 0)
        device_form.addRow("Run models on:", self.device)
        model_layout.addLayout(device_form)

        # Answers and search
        self.answer_length = QComboBox()
        for text, value in ANSWER_LENGTHS:
            self.answer_length.addItem(text, value)
        _named(self.answer_length, "Answer length", "The longest answer, in tokens")
        self.library_path = QLineEdit()
        self.library_path.setPlaceholderText(str(default_library_dir()))
        _named(self.library_path, "Library location", "The folder where the library is kept")
        self.choose_library = QPushButton("Choose…")
        _named(self.choose_library, "Choose the library folder")
        self.choose_library.clicked.connect(self._choose_library)
        library_row = QHBoxLayout()
        library_row.addWidget(self.library_path, 1)
        library_row.addWidget(self.choose_library)
        self.library_note = _note("A new location takes effect the next time Longread starts.")

        search_box = QGroupBox("Answers and search")
        search_form = QFormLayout(search_box)
        search_form.addRow("Answer length:", self.answer_length)
        search_form.addRow("Library location:", library_row)
        search_form.addRow("", self.library_note)

        # Appearance
        self.theme = QComboBox()
        for text, value in THEME_CHOICES:
            self.theme.addItem(text, value)
        _named(self.theme, "Theme", "Light, dark, or the same as the system")
        look_box = QGroupBox("Appearance")
        look_form = QFormLayout(look_box)
        look_form.addRow("Theme:", self.theme)

        forms = (device_form, search_form, look_form)
        labels = [
            form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget()
            for form in forms
            for row in range(form.rowCount())
            if form.itemAt(row, QFormLayout.ItemRole.LabelRole) is not None
        ]
        label_width = max(label.sizeHint().width() for label in labels)
        for label in labels:  # one column of labels across the groups, so the fields line up
            label.setMinimumWidth(label_width)
        for form in forms:
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

        # What is wrong, and OK / Cancel
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setStyleSheet(f"color: {self._error_color()}; font-weight: bold;")
        self.message.setVisible(False)
        _named(self.message, "Problem with the settings")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        _named(self.buttons.button(QDialogButtonBox.StandardButton.Ok), "Save the settings")
        _named(
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel),
            "Close without saving",
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        general = QWidget()
        general_layout = QVBoxLayout(general)
        general_layout.addWidget(model_box)
        general_layout.addWidget(search_box)
        general_layout.addWidget(look_box)
        general_layout.addStretch(1)
        engine = Settings.load()
        self.models_page = ModelsPage(never_connect=engine.never_connect, runtime=engine.runtime)
        self.models_page.use_requested.connect(self.use_model)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Settings pages")
        self.tabs.addTab(general, "General")
        self.tabs.addTab(self.models_page, "Models")

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(760)

    def show_models(self) -> None:
        """Open on the Models page (the window's first-run offer and its Models… menu item)."""
        self.tabs.setCurrentWidget(self.models_page)

    def use_model(self, spec: str) -> None:
        """A downloaded model chosen on the Models page: selected here, saved with OK."""
        self.model_local.setChecked(True)
        self.model_path.setText(spec.partition(":")[2])
        self.tabs.setCurrentIndex(0)
        self.model_path.setFocus()
        name = Path(self.model_path.text()).name
        self._show_problem(f"Press OK to answer with {name}.")
        self.message.setStyleSheet("font-weight: bold;")

    def _error_color(self) -> str:
        return "#ff8a80" if is_dark(QApplication.instance()) else "#b3261e"

    # -- loading -------------------------------------------------------------------------------

    def _load(self) -> None:
        engine = Settings.load()
        spec = (engine.model or "default").strip()
        kind, _, rest = spec.partition(":")
        kind = kind.lower()
        if spec == "default":
            self.model_default.setChecked(True)
        elif kind == "openai":
            self.model_server.setChecked(True)
            url, _, name = rest.partition("#")
            self.server_url.setText(url)
            self.server_model.setEditText(name)
        else:  # a file or folder, or something unknown the user can see and correct here
            self.model_local.setChecked(True)
            self.model_path.setText(rest if kind in ("gguf", "hf") else spec)

        # Earlier choices: fill the other fields with the latest, and offer all of them.
        local, servers = [], []
        for other in reversed(engine.all_models()):
            other_kind, _, other_rest = other.partition(":")
            if other_kind.lower() in ("gguf", "hf"):
                local.append(other_rest)
            elif other_kind.lower() == "openai":
                servers.append(other_rest.partition("#")[0])
        if local and not self.model_path.text():
            self.model_path.setText(local[0])
        if servers and not self.server_url.text():
            self.server_url.setText(servers[0])
        self.model_path.setCompleter(QCompleter(list(dict.fromkeys(local)), self))
        self.server_url.setCompleter(QCompleter(list(dict.fromkeys(servers)), self))

        self._select(self.device, engine.device or "auto", f"{engine.device}")
        tokens = answer_tokens(self.qsettings)
        self._select(self.answer_length, tokens, f"Custom ({tokens} tokens)")
        self._select(self.theme, theme_name(self.qsettings), "")
        self.library_path.setText(str(engine.library_dir()))
        self.allow_lan.setChecked(engine.allow_lan_servers)

    @staticmethod
    def _select(combo: QComboBox, value, label: str) -> None:
        """Select the item holding `value`, adding one labelled `label` if there is none."""
        index = combo.findData(value)
        if index < 0 and label:
            combo.addItem(label, value)
            index = combo.count() - 1
        combo.setCurrentIndex(max(index, 0))

    def _update_enabled(self) -> None:
        self.local_row.setEnabled(self.model_local.isChecked())
        self.server_rows.setEnabled(self.model_server.isChecked())
        self.lan_note.setVisible(self.allow_lan.isChecked())

    # -- choosing files ------------------------------------------------------------------------

    def _start_folder(self, text: str) -> str:
        path = Path(text.strip()).expanduser() if text.strip() else Path.home()
        while not path.is_dir() and path != path.parent:
            path = path.parent
        return str(path)

    def _choose_model_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Choose a model file",
            self._start_folder(self.model_path.text()),
            "GGUF models (*.gguf);;All files (*)",
        )
        if path:
            self.model_path.setText(path)

    def _choose_model_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, "Choose a model folder", self._start_folder(self.model_path.text())
        )
        if path:
            self.model_path.setText(path)

    def _choose_library(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, "Choose the library folder", self._start_folder(self.library_path.text())
        )
        if path:
            self.library_path.setText(path)

    # -- testing the server --------------------------------------------------------------------

    def _server_address(self) -> tuple[str, str]:
        """(base URL, model name) from the address field and the model name field."""
        text = self.server_url.text().strip()
        if text.lower().startswith("openai:"):
            text = text[len("openai:") :]
        url, _, name = text.partition("#")
        scheme, sep, rest = url.partition("://")
        if sep:
            url = f"{scheme.lower()}://{rest}"
        return url.rstrip("/"), self.server_model.currentText().strip() or name.strip()

    def _url_problem(self, url: str) -> str:
        if not url:
            return f"Write the model server's address, like {SERVER_EXAMPLE}"
        if not url.startswith(("http://", "https://")) or url.endswith("://"):
            return (
                f"“{url}” is not a server address: it should start with http:// or https://, "
                f"like {SERVER_EXAMPLE}"
            )
        return ""

    def test_connection(self) -> None:
        """Ask the server for its models on a pool thread; the answer appears in test_result."""
        url, _ = self._server_address()
        if problem := self._url_problem(url):
            self._show_test_result(False, problem)
            return
        self.test_button.setEnabled(False)
        self._show_test_result(True, f"Testing {url}…")
        job = ConnectionTest(url, self.allow_lan.isChecked())
        self._test_signals = job.signals
        job.signals.done.connect(self._on_tested)
        QThreadPool.globalInstance().start(job)

    def _on_tested(self, ok: bool, message: str, models: list) -> None:
        self._test_signals = None
        self.test_button.setEnabled(True)
        self._show_test_result(ok, message)
        if ok and models:
            current = self.server_model.currentText()
            self.server_model.clear()
            self.server_model.addItems(models)
            self.server_model.setCurrentIndex(-1)
            self.server_model.setEditText(current)

    def _show_test_result(self, ok: bool, message: str) -> None:
        self.test_result.setText(message)
        self.test_result.setStyleSheet("" if ok else f"color: {self._error_color()};")
        self.test_result.setVisible(bool(message))
        self._fit()

    def _fit(self) -> None:
        """Grow to show every line of wrapped text (a window does not do it by itself)."""
        layout = self.layout()
        layout.activate()
        needed = layout.totalHeightForWidth(self.width())
        if self.height() < needed:
            self.resize(self.width(), needed)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit()

    # -- saving --------------------------------------------------------------------------------

    def _model_spec(self) -> str:
        if self.model_default.isChecked():
            return "default"
        if self.model_server.isChecked():
            url, name = self._server_address()
            if problem := self._url_problem(url):
                raise _Invalid(problem, self.server_url)
            spec = f"openai:{url}" + (f"#{name}" if name else "")
            try:
                parse(spec, allow_lan=self.allow_lan.isChecked())
            except ModelError as e:
                raise _Invalid(str(e), self.server_url) from None
            return spec
        text = self.model_path.text().strip()
        if not text:
            raise _Invalid(
                "Choose a model file (.gguf) or a model folder, or pick another kind of model.",
                self.model_path,
            )
        kind, sep, rest = text.partition(":")
        if sep and kind.lower() in ("gguf", "hf"):
            text = rest
        path = Path(text).expanduser()
        if not path.exists():
            raise _Invalid(
                f"The model “{path}” was not found. Check the path, or use Choose file… "
                "or Choose folder….",
                self.model_path,
            )
        if path.is_file():
            try:
                with open(path, "rb") as f:
                    magic = f.read(4)
            except OSError as e:
                raise _Invalid(
                    f"Longread is not allowed to read “{path.name}” ({e.strerror}).",
                    self.model_path,
                ) from None
            if magic != b"GGUF":
                raise _Invalid(
                    f"“{path.name}” is not a GGUF model file. Pick a .gguf file, "
                    "or a folder with a transformers model.",
                    self.model_path,
                )
        spec = f"{'hf' if path.is_dir() else 'gguf'}:{path.resolve()}"
        try:
            parse(spec)
        except ModelError as e:
            raise _Invalid(str(e), self.model_path) from None
        return spec

    def _library_choice(self) -> Path | None:
        """The chosen library folder, or None for the default one."""
        text = self.library_path.text().strip()
        if not text:
            return None
        path = Path(text).expanduser()
        if not path.is_absolute():
            raise _Invalid(
                f"Write the library folder's full path (“{text}” is not one), or use Choose….",
                self.library_path,
            )
        if path.exists() and not path.is_dir():
            raise _Invalid(
                f"“{path}” is a file, not a folder. Choose a folder for the library.",
                self.library_path,
            )
        return None if path == default_library_dir() else path

    def _show_problem(self, message: str) -> None:
        self.message.setStyleSheet(f"color: {self._error_color()}; font-weight: bold;")
        self.message.setText(message)
        self.message.setVisible(bool(message))
        self._fit()

    def accept(self) -> None:
        try:
            spec = self._model_spec()
            library = self._library_choice()
        except _Invalid as problem:
            self._show_problem(str(problem))
            problem.widget.setFocus()
            return
        engine = Settings.load()  # read again: the command line may have changed it meanwhile
        engine.model = spec
        engine.device = self.device.currentData()
        engine.library = "" if library is None else str(library)
        engine.allow_lan_servers = self.allow_lan.isChecked()
        engine.never_connect = self.models_page.never.isChecked()
        runtime = self.models_page.runtime.currentData()
        if runtime == "llamacpp" and engine.runtime != "llamacpp":
            from core.llm import runtime as runtimes

            runtimes.forgive()  # chosen again by hand after a crash: try it again
        engine.runtime = runtime
        if spec != "default" and spec not in engine.models:
            engine.models.append(spec)
        try:
            engine.save()
        except OSError as e:
            self._show_problem(f"The settings could not be saved: {e}")
            return

        theme = self.theme.currentData()
        self.qsettings.setValue(THEME_KEY, theme)
        self.qsettings.setValue(ANSWER_TOKENS_KEY, int(self.answer_length.currentData()))
        self.qsettings.remove(LIBRARY_DIR_KEY)
        self.qsettings.sync()
        app = QApplication.instance()
        if app is not None:
            apply_theme(app, theme)
        self._show_problem("")
        super().accept()

    def done(self, result: int) -> None:
        if self.models_page.downloading:
            answer = QMessageBox.question(
                self,
                "A model is downloading",
                "Closing Settings stops the download, and what has arrived is discarded. Stop it?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            self.models_page.cancel_download()
            self.models_page.wait(10)
        if self._test_signals is not None:  # a test still running reports to no one
            with contextlib.suppress(RuntimeError, TypeError):
                self._test_signals.done.disconnect(self._on_tested)
            self._test_signals = None
        super().done(result)
