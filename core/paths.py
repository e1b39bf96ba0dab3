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


def resource(*parts: str) -> Path:
    """A file Longread reads at run time (resources/ in the source tree), wherever Longread is
    installed: the package `longread_resources` in a wheel or a frozen bundle, else the source
    tree's folder."""
    import sys
    from importlib import resources
    from importlib.util import find_spec

    if getattr(sys, "frozen", False):  # packaging/longread.spec puts the files here
        return Path(getattr(sys, "_MEIPASS", "")).joinpath("longread_resources", *parts)
    if find_spec("longread_resources") is not None:
        found = resources.files("longread_resources")
        for part in parts:  # one at a time: some readers' joinpath takes a single name
            found = found.joinpath(part)
        return Path(str(found))
    return Path(__file__).resolve().parent.parent.joinpath("resources", *parts)
