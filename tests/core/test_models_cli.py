"""`longread models catalog | pull | list | remove | probe`, run as a user runs them: a real
process, a stand-in hub on this machine (HF_ENDPOINT), exit codes and messages."""

from __future__ import annotations

import json

import pytest

from core.llm.catalog import catalog
from core.paths import models_dir
from core.settings import Settings
from tests.core.llm.hub import Hub, closed_port
from tests.core.llm.tiny_gguf import make_tiny_gguf
from tests.core.test_cli import longread

REPO = "longread-test/Tiny-GGUF"


@pytest.fixture(scope="module")
def tiny_bytes(tmp_path_factory) -> bytes:
    return make_tiny_gguf(tmp_path_factory.mktemp("tiny") / "tiny.gguf").read_bytes()


@pytest.fixture
def hub(tiny_bytes):
    with Hub() as stand_in:
        stand_in.add(REPO, "tiny.gguf", tiny_bytes)
        yield stand_in


def test_the_catalog_says_what_fits_this_computer_and_recommends_one():
    result = longread("models", "catalog")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("This computer:") and "GB memory free" in out
    for entry in catalog():
        assert entry.id in out and entry.name in out
    assert out.count("★") == 2  # the best fit, and the line that explains the star
    assert "longread models pull" in out
    data = json.loads(longread("models", "catalog", "--json").stdout)
    assert len(data["models"]) == len(catalog())
    assert sum(m["recommended"] for m in data["models"]) == 1
    assert all(m["fit"] in ("fits", "shorter", "too big") for m in data["models"])


def test_pull_list_use_and_remove_a_model(hub, tiny_bytes):
    env = {"HF_ENDPOINT": hub.url}
    result = longread("models", "pull", f"{REPO}/tiny.gguf", "--no-probe", "--use", env=env)
    assert result.returncode == 0, result.stderr
    path = models_dir() / "tiny.gguf"
    assert path.read_bytes() == tiny_bytes
    assert f"Saved {path}" in result.stdout
    assert Settings.load().model == f"gguf:{path}"
    listed = longread("models", "list")
    assert "tiny.gguf" in listed.stdout and REPO in listed.stdout
    # Pulled again: already here and checked, nothing fetched a second time.
    served = hub.bytes_served
    again = longread("models", "pull", f"{REPO}/tiny.gguf", "--no-probe", env=env)
    assert again.returncode == 0 and hub.bytes_served == served
    removed = longread("models", "remove", "tiny.gguf")
    assert removed.returncode == 0 and "Removed" in removed.stdout
    assert not path.exists()
    missing = longread("models", "remove", "tiny.gguf")
    assert missing.returncode == 2 and "No downloaded model" in missing.stderr


def test_a_pull_that_cannot_happen_says_why_in_plain_words(hub):
    unknown = longread(
        "models", "pull", f"{REPO}/no-such.gguf", "--no-probe", env={"HF_ENDPOINT": hub.url}
    )
    assert unknown.returncode == 2 and "no-such.gguf" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    offline = longread(
        "models", "pull", f"{REPO}/tiny.gguf", "--no-probe", env={"HF_ENDPOINT": closed_port()}
    )
    assert offline.returncode == 2 and "Traceback" not in offline.stderr
    bad = longread("models", "pull", "not-a-model-name")
    assert bad.returncode == 2 and "OWNER/REPOSITORY/FILE" in bad.stderr


def test_never_connect_refuses_a_pull_before_any_request(hub):
    settings = Settings.load()
    settings.never_connect = True
    settings.save()
    result = longread(
        "models", "pull", f"{REPO}/tiny.gguf", "--no-probe", env={"HF_ENDPOINT": hub.url}
    )
    assert result.returncode == 2
    assert "never to connect to the internet" in result.stderr
    assert hub.requests == []
    assert "downloads are off" in longread("models", "catalog").stdout


def test_a_probe_measures_and_remembers_a_models_speed(tmp_path):
    from core.llm.probe import load_speeds

    path = make_tiny_gguf(tmp_path / "probe-me.gguf")
    result = longread("models", "probe", f"gguf:{path}", timeout=300)
    assert result.returncode == 0, result.stderr
    assert "tokens/s" in result.stdout
    (record,) = [r for k, r in load_speeds().items() if k.startswith("probe-me.gguf@")]
    assert record["prefill_tok_s"] > 0 and record["decode_tok_s"] > 0
