"""The settings dialog as a user meets it: choices persist, Cancel keeps nothing, mistakes are
explained in the dialog, and "Test connection" talks to a server without freezing the window."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QLineEdit,
    QRadioButton,
    QWidget,
)

from app.settings_dialog import SettingsDialog, adopt_library_dir, answer_tokens, theme_name
from app.theme import apply_theme, is_dark
from core.llm import openai_backend
from core.paths import default_library_dir, user_dir
from core.settings import Settings, library_dir

MODELS = ["llama3", "mistral", "qwen2.5"]


@pytest.fixture
def qsettings(qapp, tmp_path):
    """Window preferences in a private ini file; the app's look put back afterwards."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings")
    )
    names = qapp.organizationName(), qapp.applicationName()
    qapp.setOrganizationName("Longread")
    qapp.setApplicationName("Longread")
    yield QSettings()
    apply_theme(qapp, "system")
    qapp.setOrganizationName(names[0])
    qapp.setApplicationName(names[1])


@pytest.fixture
def dialog(qtbot, qsettings):
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


@pytest.fixture
def model_server():
    """A tiny OpenAI-compatible server on 127.0.0.1 that answers once `release` is set."""
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            release.wait(10)
            if self.path == "/v1/models":
                body = json.dumps(
                    {"object": "list", "data": [{"id": m, "object": "model"} for m in MODELS]}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
            else:
                body = b'{"error": "not found"}'
                self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", release
    release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _click(qtbot, button: QAbstractButton) -> None:
    # A radio button or a check box takes clicks on its mark and text only, not on the rest of
    # its row.
    mark = isinstance(button, (QRadioButton, QCheckBox))
    pos = QPoint(8, button.height() // 2) if mark else QPoint()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=pos)


def _ok(dialog: SettingsDialog) -> QAbstractButton:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def _cancel(dialog: SettingsDialog) -> QAbstractButton:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)


def _choose(combo: QComboBox, value) -> None:
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)


def test_defaults_before_anything_is_saved(dialog, qsettings):
    assert answer_tokens(qsettings) == 384
    assert library_dir() == default_library_dir()
    assert theme_name(qsettings) == "system"
    assert dialog.model_default.isChecked()
    assert dialog.device.currentData() == "auto"
    assert dialog.answer_length.currentData() == 384
    assert dialog.theme.currentData() == "system"
    assert dialog.library_path.text() == str(default_library_dir())
    assert not dialog.local_row.isEnabled() and not dialog.server_rows.isEnabled()
    assert not dialog.allow_lan.isChecked()
    # One embedding model exists, so there is nothing to choose (and no setting that does nothing)
    assert not any("embed" in w.accessibleName().lower() for w in dialog.findChildren(QComboBox))


def test_choices_persist_and_show_again(qtbot, dialog, qapp):
    url = "http://127.0.0.1:8080/v1"
    _choose(dialog.theme, "dark")
    _choose(dialog.answer_length, 768)
    _choose(dialog.device, "cpu")
    _click(qtbot, dialog.model_server)
    assert dialog.server_rows.isEnabled()
    dialog.server_url.setText(url)
    _click(qtbot, _ok(dialog))

    assert not dialog.isVisible() and dialog.result() == SettingsDialog.DialogCode.Accepted
    engine = Settings.load()
    assert engine.model == f"openai:{url}"
    assert engine.models == [f"openai:{url}"]
    assert engine.device == "cpu"
    stored = QSettings()
    assert theme_name(stored) == "dark" and answer_tokens(stored) == 768
    assert engine.library == ""  # the default folder is not pinned
    assert stored.value("library_dir") is None
    assert is_dark(qapp)  # the new look is applied at once

    again = SettingsDialog()
    qtbot.addWidget(again)
    assert again.model_server.isChecked()
    assert again.server_url.text() == url
    assert again.theme.currentData() == "dark"
    assert again.answer_length.currentData() == 768
    assert again.device.currentData() == "cpu"


def test_cancel_changes_nothing(qtbot, dialog, qsettings):
    _choose(dialog.theme, "dark")
    _choose(dialog.answer_length, 128)
    _click(qtbot, dialog.model_server)
    dialog.server_url.setText("http://127.0.0.1:8080/v1")
    dialog.library_path.setText(str(user_dir() / "elsewhere"))
    _click(qtbot, _cancel(dialog))

    assert not dialog.isVisible() and dialog.result() == SettingsDialog.DialogCode.Rejected
    assert not (user_dir() / "settings.json").exists()
    assert Settings.load() == Settings()
    assert QSettings().allKeys() == []


def test_a_missing_model_file_is_explained_and_the_dialog_stays_open(qtbot, dialog, tmp_path):
    _click(qtbot, dialog.model_local)
    missing = tmp_path / "nowhere" / "model.gguf"
    dialog.model_path.setText(str(missing))
    _click(qtbot, _ok(dialog))

    assert dialog.isVisible()
    assert dialog.message.isVisible()
    assert "was not found" in dialog.message.text() and str(missing) in dialog.message.text()
    assert not (user_dir() / "settings.json").exists()


def test_a_file_that_is_not_a_model_is_explained(qtbot, dialog, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a model")
    _click(qtbot, dialog.model_local)
    dialog.model_path.setText(str(notes))
    _click(qtbot, _ok(dialog))
    assert dialog.isVisible()
    assert "notes.txt" in dialog.message.text() and "GGUF" in dialog.message.text()

    folder = tmp_path / "empty-folder"
    folder.mkdir()
    dialog.model_path.setText(str(folder))
    _click(qtbot, _ok(dialog))
    assert dialog.isVisible() and "config.json" in dialog.message.text()


def test_a_chosen_model_file_is_saved_and_added_to_the_models(qtbot, dialog, tmp_path, monkeypatch):
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF" + bytes(20))
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(model), ""))
    )
    _click(qtbot, dialog.model_local)
    _click(qtbot, dialog.choose_file)
    assert dialog.model_path.text() == str(model)
    _click(qtbot, _ok(dialog))

    assert not dialog.isVisible()
    engine = Settings.load()
    assert engine.model == f"gguf:{model.resolve()}"
    assert engine.models == [f"gguf:{model.resolve()}"]


def test_an_address_that_is_not_a_url_is_explained(qtbot, dialog):
    _click(qtbot, dialog.model_server)
    dialog.server_url.setText("127.0.0.1:8080/v1")
    _click(qtbot, _ok(dialog))
    assert dialog.isVisible()
    assert "http://" in dialog.message.text() and "127.0.0.1:8080/v1" in dialog.message.text()
    assert not (user_dir() / "settings.json").exists()


def test_the_library_location_is_saved_where_the_command_line_reads_it(
    qtbot, dialog, tmp_path, monkeypatch, private_home
):
    chosen = tmp_path / "my library"
    chosen.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(chosen))
    )
    _click(qtbot, dialog.choose_library)
    assert "next time" in dialog.library_note.text()
    _click(qtbot, _ok(dialog))
    assert not dialog.isVisible()
    assert library_dir() == chosen
    assert Settings.load().library == str(chosen)

    # `longread list` (no --library) opens the library chosen in the window.
    listed = subprocess.run(
        [sys.executable, "-m", "app.entry", "list", "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert json.loads(listed.stdout) == []
    assert (chosen / "catalog.sqlite").exists()
    assert not (private_home / "library").exists()


def test_a_library_folder_from_an_earlier_version_moves_to_the_shared_settings(
    qsettings, tmp_path
):
    earlier = tmp_path / "old choice"
    qsettings.setValue("library_dir", str(earlier))
    adopt_library_dir(qsettings)
    assert library_dir() == earlier
    assert qsettings.value("library_dir") is None
    Settings(library=str(tmp_path / "newer")).save()
    qsettings.setValue("library_dir", str(earlier))
    adopt_library_dir(qsettings)  # a choice already in the shared settings wins
    assert library_dir() == tmp_path / "newer"


def test_test_connection_lists_the_servers_models_without_freezing(qtbot, dialog, model_server):
    base, release = model_server
    _click(qtbot, dialog.model_server)
    dialog.server_url.setText(f"{base}/v1")
    _click(qtbot, dialog.test_button)

    # The server holds its answer: the button waits disabled while the GUI thread runs on.
    assert not dialog.test_button.isEnabled()
    assert "Testing" in dialog.test_result.text()
    ticks: list[int] = []
    for _ in range(3):
        QTimer.singleShot(20, lambda: ticks.append(1))
    qtbot.waitUntil(lambda: len(ticks) == 3, timeout=2000)
    assert not dialog.test_button.isEnabled()

    release.set()
    qtbot.waitUntil(dialog.test_button.isEnabled, timeout=10_000)
    text = dialog.test_result.text()
    assert text.startswith("Connected: 3 models"), text
    assert all(m in text for m in MODELS)
    combo = dialog.server_model
    assert [combo.itemText(i) for i in range(combo.count())] == MODELS
    assert combo.currentText() == ""  # the user's choice (none yet) is kept

    combo.setCurrentIndex(1)  # pick the second model
    _click(qtbot, _ok(dialog))
    assert Settings.load().model == f"openai:{base}/v1#mistral"


def test_test_connection_to_a_closed_port_fails_readably(qtbot, dialog):
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    _click(qtbot, dialog.model_server)
    dialog.server_url.setText(url)
    _click(qtbot, dialog.test_button)
    qtbot.waitUntil(dialog.test_button.isEnabled, timeout=10_000)
    text = dialog.test_result.text()
    assert text.startswith(f"Could not reach {url}: connection refused"), text
    assert dialog.isVisible()


def test_test_connection_without_v1_suggests_it(qtbot, dialog, model_server):
    base, release = model_server
    release.set()
    _click(qtbot, dialog.model_server)
    dialog.server_url.setText(base)
    _click(qtbot, dialog.test_button)
    qtbot.waitUntil(dialog.test_button.isEnabled, timeout=10_000)
    assert "/v1" in dialog.test_result.text()
    assert not dialog.test_result.text().startswith("Connected")


def test_closing_during_a_test_is_harmless(qtbot, dialog, model_server):
    base, release = model_server
    _click(qtbot, dialog.model_server)
    dialog.server_url.setText(f"{base}/v1")
    _click(qtbot, dialog.test_button)
    _click(qtbot, _cancel(dialog))
    assert not dialog.isVisible()
    release.set()
    qtbot.wait(300)  # the late answer arrives to no one, and nothing breaks


def test_every_control_has_an_accessible_name(dialog):
    controls = [
        w
        for w in dialog.findChildren(QWidget)
        if isinstance(w, (QAbstractButton, QLineEdit, QComboBox))
        and not isinstance(w.parent(), QComboBox)  # an editable combo's own line edit
    ]
    assert len(controls) >= 14
    unnamed = [w for w in controls if not w.accessibleName()]
    assert unnamed == []
    assert dialog.test_result.accessibleName() and dialog.message.accessibleName()


def test_themes_switch_between_light_and_dark(qapp, qsettings):
    apply_theme(qapp, "dark")
    assert is_dark(qapp)
    apply_theme(qapp, "light")
    assert not is_dark(qapp)
    apply_theme(qapp, "system")
    apply_theme(qapp, "no such theme")  # treated as "system"
    assert qapp.style().name().lower() == "fusion"


def test_check_server_counts_models():
    assert openai_backend.connected_message(["a"]) == "Connected: 1 model (a)"
    assert openai_backend.connected_message(["a", "b", "c", "d"]) == (
        "Connected: 4 models (a, b, c, …)"
    )
    assert "no models" in openai_backend.connected_message([])


def test_a_server_on_the_local_network_needs_the_opt_in(qtbot, dialog, monkeypatch):
    attempts: list[str] = []

    def no_connection(*args, **kwargs):
        attempts.append("connect")
        raise AssertionError("a connection was attempted")

    import httpx

    monkeypatch.setattr(httpx, "Client", no_connection)
    _click(qtbot, dialog.model_server)
    dialog.server_url.setText("http://192.168.1.20:8000/v1")
    assert not dialog.lan_note.isVisible()
    _click(qtbot, dialog.test_button)
    qtbot.waitUntil(dialog.test_button.isEnabled, timeout=10_000)
    assert "Allow model servers on my local network" in dialog.test_result.text()
    _click(qtbot, _ok(dialog))
    assert dialog.isVisible(), "a server on the local network was saved without the opt-in"
    assert "local network" in dialog.message.text()
    assert attempts == []

    _click(qtbot, dialog.allow_lan)
    assert dialog.lan_note.isVisible() and "sent to that computer" in dialog.lan_note.text()
    _click(qtbot, _ok(dialog))
    assert not dialog.isVisible()
    saved = Settings.load()
    assert saved.allow_lan_servers and saved.model == "openai:http://192.168.1.20:8000/v1"


def test_a_server_on_the_internet_is_refused_even_with_the_opt_in(qtbot, dialog):
    _click(qtbot, dialog.model_server)
    _click(qtbot, dialog.allow_lan)
    dialog.server_url.setText("http://93.184.216.34:8000/v1")
    _click(qtbot, _ok(dialog))
    assert dialog.isVisible()
    assert "never sends your documents" in dialog.message.text()
    assert not (user_dir() / "settings.json").exists()
