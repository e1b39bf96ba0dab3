"""Settings → Models: the catalog with what fits this computer, a download from the hub (a
stand-in on this machine) with progress and Cancel, "Never connect to the internet", and the
first-run offer of a better model than the tiny built-in one."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton

from core.llm import catalog as catalog_module
from core.llm.catalog import CatalogEntry
from core.paths import models_dir
from core.settings import Settings
from tests.core.llm.hub import Hub
from tests.core.llm.tiny_gguf import make_tiny_gguf

REPO = "longread-test/Tiny-GGUF"


@pytest.fixture
def tiny_file(tmp_path_factory) -> Path:
    return make_tiny_gguf(tmp_path_factory.mktemp("tiny") / "tiny-test.gguf")


@pytest.fixture
def hub(monkeypatch, tiny_file):
    with Hub() as stand_in:
        monkeypatch.setenv("HF_ENDPOINT", stand_in.url)
        stand_in.add(REPO, tiny_file.name, tiny_file.read_bytes())
        yield stand_in


@pytest.fixture
def tiny_entry(monkeypatch, tiny_file) -> CatalogEntry:
    """The catalog with one more model, small enough to download in a test: the tiny Llama."""
    entry = CatalogEntry(
        id="tiny-test",
        name="Tiny Test Llama",
        repo=REPO,
        file=tiny_file.name,
        quant="F16",
        size_mb=max(1, tiny_file.stat().st_size // 10**6),
        params_b=0.01,
        context=2048,
        layers=2,
        kv_heads=2,
        head_dim=16,
        licence="Apache-2.0",
        ram_8k_gb=0.6,
        ram_full_gb=0.6,
        why="A test model.",
    )
    real = catalog_module.catalog()
    monkeypatch.setattr(catalog_module, "catalog", lambda: [entry, *real])
    return entry


def _dialog(qtbot):
    from app.settings_dialog import SettingsDialog

    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    dialog.show_models()
    page = dialog.models_page
    qtbot.waitUntil(lambda: page.table.rowCount() > 0, timeout=20000)
    return dialog, page


def test_the_models_page_lists_the_catalog_with_what_fits_here(qtbot):
    _, page = _dialog(qtbot)
    names = [page.table.item(r, 0).text() for r in range(page.table.rowCount())]
    assert len(names) == len(catalog_module.catalog()) >= 6
    assert sum(name.startswith("★") for name in names) == 1  # one best fit, marked
    labels = [page.table.item(r, 3).text() for r in range(page.table.rowCount())]
    assert all(label.startswith(("fits", "too big")) for label in labels)
    assert "This computer:" in page.machine.text() and "GB" in page.machine.text()
    buttons = [page.table.cellWidget(r, 5) for r in range(page.table.rowCount())]
    assert all(isinstance(b, QPushButton) and b.text() == "Download" for b in buttons)


def test_never_connect_removes_the_download_buttons_and_is_saved(qtbot):
    dialog, page = _dialog(qtbot)
    page.never.setChecked(True)
    buttons = [page.table.cellWidget(r, 5) for r in range(page.table.rowCount())]
    assert not any(b.isVisibleTo(page) for b in buttons)
    assert "never connects" in page.never_note.text()
    dialog.accept()
    assert Settings.load().never_connect is True
    from core.errors import NeverConnectError
    from core.llm.download import pull

    with pytest.raises(NeverConnectError):
        pull(REPO, "anything.gguf")


def test_a_model_downloads_with_progress_then_is_chosen_with_use(qtbot, hub, tiny_entry):
    dialog, page = _dialog(qtbot)
    hub.pace = 0.002
    seen: list[str] = []
    page.signals.progress.connect(lambda *a: seen.append(page.status.text()))
    page.button_for("tiny-test").click()
    assert page.bar.isVisibleTo(page) and page.cancel_button.isVisibleTo(page)
    # Only one download at a time: the other buttons wait.
    assert not page.button_for(catalog_module.catalog()[1].id).isEnabled()
    qtbot.waitUntil(lambda: "Downloaded" in page.status.text(), timeout=60000)
    assert any("MB" in s for s in seen)  # progress in bytes (and speed) while it came
    path = models_dir() / tiny_entry.file
    assert path.read_bytes() == hub.files[(REPO, tiny_entry.file)]
    assert "SHA-256 and header match" in page.status.text()
    qtbot.waitUntil(lambda: page.button_for("tiny-test").text() == "Use", timeout=20000)
    page.button_for("tiny-test").click()
    assert dialog.model_local.isChecked() and dialog.model_path.text() == str(path)
    dialog.accept()
    assert Settings.load().model == f"gguf:{path.resolve()}"


def test_cancel_stops_a_download_and_leaves_nothing(qtbot, hub, tiny_entry):
    _, page = _dialog(qtbot)
    hub.pace = 0.05  # slow: the Cancel lands mid-file
    page.button_for("tiny-test").click()
    qtbot.waitUntil(lambda: hub.bytes_served > 0, timeout=20000)
    page.cancel_download()
    qtbot.waitUntil(lambda: not page.downloading, timeout=20000)
    assert "cancel" in page.status.text().lower() or "stopped" in page.status.text().lower()
    leftovers = list(models_dir().glob("*")) if models_dir().exists() else []
    assert not [p for p in leftovers if p.name.startswith(tiny_entry.file)]
    assert page.button_for("tiny-test").text() == "Download"


def test_the_first_run_offers_the_best_fitting_model_once(qtbot, tmp_path):
    from app.window import MainWindow

    window = MainWindow(preload=False)
    qtbot.addWidget(window)
    window._consider_offer()
    qtbot.waitUntil(lambda: window.offer.isVisibleTo(window), timeout=20000)
    best = next(f for f in catalog_module.fits_for(catalog_module.read_machine()) if f.recommended)
    assert best.entry.name in window.offer.text.text()
    assert "tiny" in window.offer.text.text()
    assert window.offer.get.text() == f"Get {best.entry.name}"
    window.offer.later.click()
    assert not window.offer.isVisibleTo(window)
    # Dismissed: not offered again.
    window._consider_offer()
    qtbot.wait(300)
    assert not window.offer.isVisibleTo(window)


def test_no_offer_when_the_user_said_never_connect(qtbot):
    from app.window import MainWindow

    settings = Settings.load()
    settings.never_connect = True
    settings.save()
    window = MainWindow(preload=False)
    qtbot.addWidget(window)
    window._consider_offer()
    qtbot.wait(300)
    assert not window.offer.isVisibleTo(window)


@pytest.mark.slow
def test_a_downloaded_model_is_measured_in_the_engine_and_remembered(qtbot, tiny_file):
    from app.window import MainWindow
    from core.llm.probe import load_speeds

    window = MainWindow(preload=False)
    qtbot.addWidget(window)
    window.show()
    try:
        window.measure_model(f"gguf:{tiny_file}")
        status = window.status.message
        # The job's progress says "Measured" first; the end says what was measured.
        qtbot.waitUntil(lambda: "tokens/s" in status.text(), timeout=180_000)
        assert status.text().startswith("Measured: reads ~")
        records = {k: v for k, v in load_speeds().items() if k.startswith(tiny_file.name)}
        assert list(records) == [f"{tiny_file.name}@llama.cpp"]  # downloaded models: llama.cpp
        (record,) = records.values()
        assert record["prefill_tok_s"] > 0 and record["decode_tok_s"] > 0
    finally:
        window.close()  # stops the engine process
