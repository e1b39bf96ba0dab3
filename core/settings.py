"""Engine settings shared by the window and the command line: the model, the device, the library
folder, whether model servers on the local network may be used, and whether Longread may ever
connect to the internet (only ever to download a model the user asks for).

Stored as JSON in the user folder (`$LONGREAD_HOME/settings.json`), the one place the window, the
engine process and `longread ...` all read. Window-only preferences (theme, answer length,
geometry) live in Qt's own settings instead.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.paths import default_library_dir, user_dir

FILE_NAME = "settings.json"
# The opt-in for model servers on the local network, for one run (`--allow-lan-server` sets it,
# so the processes the command starts see it too).
LAN_ENV = "LONGREAD_ALLOW_LAN_SERVERS"

_notices: list[str] = []  # what went wrong reading the settings, said once (see take_notices)


@dataclass
class Settings:
    model: str = "default"  # the model spec answers use (see core.llm.spec)
    models: list[str] = field(default_factory=list)  # other model specs the user has added
    device: str = "auto"  # "auto", "cuda", "mps" or "cpu": the generator and the embedder
    library: str = ""  # the library folder; "" for the default one in the user folder
    # Model servers on the local network (private and link-local addresses) as well as on this
    # computer. Off by default: the documents' text is sent to the server that answers.
    allow_lan_servers: bool = False
    # "Never connect to the internet": refuse even the model downloads the user asks for
    # (`longread models pull`), the one connection Longread otherwise makes.
    never_connect: bool = False
    # Which runtime runs GGUF models: "auto" (llama.cpp where it is installed, works and is
    # faster; see core.llm.runtime), "llamacpp" or "transformers" (the built-in torch path).
    runtime: str = "auto"

    @classmethod
    def path(cls) -> Path:
        return user_dir() / FILE_NAME

    @classmethod
    def load(cls) -> Settings:
        """The saved settings; the defaults if there are none. A damaged file is kept aside
        (`settings.json.damaged-<time>`), said once on stderr and by take_notices()."""
        path = cls.path()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except OSError as e:
            _say(f"Longread could not read its settings ({path}: {e.strerror or e}); "
                 "it is using the defaults for now.")
            return cls()
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
            settings = cls(**known)
            settings._check()
        except (ValueError, TypeError) as e:
            _set_aside(path, e)
            return cls()
        return settings

    def _check(self) -> None:
        """Raises ValueError when a value has the wrong type (a hand edit gone wrong)."""
        strings = {
            "model": self.model,
            "device": self.device,
            "library": self.library,
            "runtime": self.runtime,
        }
        for name, value in strings.items():
            if not isinstance(value, str):
                raise ValueError(f"“{name}” should be text")
        if not isinstance(self.models, list) or not all(isinstance(m, str) for m in self.models):
            raise ValueError("“models” should be a list of text")
        for name in ("allow_lan_servers", "never_connect"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"“{name}” should be true or false")

    def save(self) -> None:
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        os.replace(tmp, path)

    def all_models(self) -> list[str]:
        seen: list[str] = []
        for spec in ["default", self.model, *self.models]:
            if spec and spec not in seen:
                seen.append(spec)
        return seen

    def library_dir(self) -> Path:
        """The library folder: the chosen one, else the default one in the user folder."""
        return Path(self.library).expanduser() if self.library else default_library_dir()


def library_dir() -> Path:
    """The library folder the window, the engine and the command line open by default."""
    return Settings.load().library_dir()


def lan_servers_allowed() -> bool:
    """Whether model servers on the local network may be used (the setting, or this run's
    `--allow-lan-server`)."""
    if os.environ.get(LAN_ENV, "").strip().lower() in ("1", "true", "yes"):
        return True
    return Settings.load().allow_lan_servers


def take_notices() -> list[str]:
    """What went wrong reading the settings since the last call (for the window's notice bar)."""
    taken = list(_notices)
    _notices.clear()
    return taken


def _set_aside(path: Path, error: Exception) -> None:
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return  # another Longread process set it aside a moment ago, and said so
    except OSError:
        kept = f"Longread could not move it aside ({path})"
    else:
        kept = f"The damaged file was kept as {aside}"
    _say(f"Longread's settings file was damaged, so the defaults are used. {kept}; "
         "choose your model and library again in Settings.", detail=str(error))


def _say(message: str, detail: str = "") -> None:
    _notices.append(message)
    print(message + (f" (what was wrong: {detail})" if detail else ""), file=sys.stderr)
