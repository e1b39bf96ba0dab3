"""Where Longread keeps its files: one folder per user, which LONGREAD_HOME overrides."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "Longread"
HOME_ENV = "LONGREAD_HOME"


def user_dir() -> Path:
    """`$LONGREAD_HOME` if set (tests, portable installs), else the OS's per-user data folder."""
    if override := os.environ.get(HOME_ENV):
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_library_dir() -> Path:
    """The folder of the library used when none is chosen."""
    return user_dir() / "library"


def models_dir() -> Path:
    """The folder of the models `longread models pull` downloads."""
    return user_dir() / "models"
