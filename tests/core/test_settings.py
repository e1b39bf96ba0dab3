"""The settings the window, the engine and the command line share (settings.json): one library
folder for all, a damaged file kept aside and said once, the device reaching the embedder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core import settings as core_settings
from core.device import choose
from core.embeddings import default_embedder
from core.errors import ModelError
from core.settings import Settings, library_dir


def test_settings_round_trip(private_home):
    saved = Settings(
        model="gguf:/m.gguf", device="cpu", library="/data/lib", allow_lan_servers=True
    )
    saved.save()
    assert Settings.load() == saved
    assert library_dir().as_posix() == "/data/lib"


def test_a_damaged_settings_file_is_kept_aside_and_said_once(private_home, capsys):
    private_home.mkdir(parents=True, exist_ok=True)
    path = private_home / "settings.json"
    path.write_text('{"model": "gguf:/my/model.gguf", "library": ', encoding="utf-8")
    core_settings.take_notices()

    assert Settings.load() == Settings()
    aside = list(private_home.glob("settings.json.damaged-*"))
    assert len(aside) == 1 and not path.exists()
    assert aside[0].read_text(encoding="utf-8").startswith('{"model": "gguf:/my/model.gguf"')
    said = capsys.readouterr().err
    assert "damaged" in said and aside[0].name in said
    notices = core_settings.take_notices()
    assert len(notices) == 1 and aside[0].name in notices[0]

    assert Settings.load() == Settings()  # the second read is quiet: nothing to set aside
    assert capsys.readouterr().err == "" and core_settings.take_notices() == []


def test_a_value_of_the_wrong_kind_counts_as_damage(private_home, capsys):
    private_home.mkdir(parents=True, exist_ok=True)
    (private_home / "settings.json").write_text(json.dumps({"models": "not a list"}))
    assert Settings.load() == Settings()
    assert list(private_home.glob("settings.json.damaged-*"))
    assert "damaged" in capsys.readouterr().err
    core_settings.take_notices()


def test_unknown_keys_from_a_newer_version_are_ignored(private_home):
    private_home.mkdir(parents=True, exist_ok=True)
    (private_home / "settings.json").write_text(json.dumps({"device": "cpu", "future": 1}))
    assert Settings.load().device == "cpu"
    assert not list(private_home.glob("settings.json.damaged-*"))


def test_the_command_line_opens_the_library_in_the_settings(private_home, tmp_path):
    chosen = tmp_path / "shared library"
    Settings(library=str(chosen)).save()
    note = tmp_path / "note.txt"
    note.write_text("The lighthouse keeper counts nine ships every morning.\n")
    added = subprocess.run(
        [sys.executable, "-m", "app.entry", "add", str(note)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr[-2000:]
    listed = subprocess.run(
        [sys.executable, "-m", "app.entry", "list", "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert [Path(d["path"]).name for d in json.loads(listed.stdout)] == ["note.txt"]
    assert (chosen / "catalog.sqlite").exists()
    assert not (private_home / "library").exists()


def test_the_device_setting_reaches_the_embedder(private_home):
    Settings(device="cpu").save()
    embedder = default_embedder()
    assert default_embedder() is embedder  # one model per device, loaded once
    assert embedder.embed(["a quiet harbour"]).shape[0] == 1
    assert embedder.device_label == choose("cpu").label

    missing = next((d for d in ("cuda", "mps") if not _available(d)), None)
    if missing is None:
        pytest.skip("this machine has both kinds of GPU")
    Settings(device=missing).save()  # a GPU this computer lacks: the embedder says so
    with pytest.raises(ModelError, match=r"not available|No CUDA"):
        default_embedder().embed(["a quiet harbour"])


def _available(device: str) -> bool:
    try:
        choose(device)
    except ModelError:
        return False
    return True
