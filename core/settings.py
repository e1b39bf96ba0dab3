"""Engine settings shared by the window and the command line: which model, which device.

Stored as JSON in the user folder (`$LONGREAD_HOME/settings.json`). Window-only preferences
(theme, geometry) live in Qt's own settings instead.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

from core.paths import user_dir


@dataclass
class Settings:
    model: str = "default"  # the model spec answers use (see core.llm.spec)
    models: list[str] = field(default_factory=list)  # other model specs the user has added
    device: str = "auto"  # "auto", "cuda", "mps" or "cpu"

    @classmethod
    def load(cls) -> Settings:
        try:
            data = json.loads((user_dir() / "settings.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()  # missing or damaged: start from the defaults
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def save(self) -> None:
        path = user_dir() / "settings.json"
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
