"""Light and dark looks for the window.

The Fusion style everywhere, so both looks are drawn the same on every platform. "light" and
"dark" set a full palette of their own (they look the same on a platform that has no dark mode,
or none Qt can read); "system" hands the colours back to the platform, which follows the system's
light or dark mode as it changes. Where Qt can tell the platform (Qt 6.8+), the colour scheme is
set too, so native parts such as title bars and file dialogs match.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

THEMES = ("system", "light", "dark")

_Role = QPalette.ColorRole
_Group = QPalette.ColorGroup

_LIGHT = {
    _Role.Window: "#efefef",
    _Role.WindowText: "#1b1b1b",
    _Role.Base: "#ffffff",
    _Role.AlternateBase: "#f5f5f5",
    _Role.ToolTipBase: "#ffffdc",
    _Role.ToolTipText: "#1b1b1b",
    _Role.PlaceholderText: "#757575",
    _Role.Text: "#1b1b1b",
    _Role.Button: "#efefef",
    _Role.ButtonText: "#1b1b1b",
    _Role.BrightText: "#ffffff",
    _Role.Light: "#ffffff",
    _Role.Midlight: "#cacaca",
    _Role.Mid: "#b8b8b8",
    _Role.Dark: "#9f9f9f",
    _Role.Shadow: "#767676",
    _Role.Highlight: "#2f76c2",
    _Role.HighlightedText: "#ffffff",
    _Role.Link: "#1a5fb4",
    _Role.LinkVisited: "#7b3fb0",
}
_LIGHT_DISABLED = {
    _Role.WindowText: "#a0a0a0",
    _Role.Text: "#a0a0a0",
    _Role.ButtonText: "#a0a0a0",
    _Role.Base: "#f3f3f3",
    _Role.Highlight: "#c8c8c8",
    _Role.HighlightedText: "#ffffff",
}

_DARK = {
    _Role.Window: "#323232",
    _Role.WindowText: "#e6e6e6",
    _Role.Base: "#1c1c1c",
    _Role.AlternateBase: "#262626",
    _Role.ToolTipBase: "#3a3a3a",
    _Role.ToolTipText: "#f0f0f0",
    _Role.PlaceholderText: "#8f8f8f",
    _Role.Text: "#e6e6e6",
    _Role.Button: "#3b3b3b",
    _Role.ButtonText: "#e6e6e6",
    _Role.BrightText: "#ffffff",
    _Role.Light: "#555555",
    _Role.Midlight: "#444444",
    _Role.Mid: "#2a2a2a",
    _Role.Dark: "#1a1a1a",
    _Role.Shadow: "#0d0d0d",
    _Role.Highlight: "#3d7fcf",
    _Role.HighlightedText: "#ffffff",
    _Role.Link: "#7fb6ff",
    _Role.LinkVisited: "#c59cff",
}
_DARK_DISABLED = {
    _Role.WindowText: "#7a7a7a",
    _Role.Text: "#7a7a7a",
    _Role.ButtonText: "#7a7a7a",
    _Role.Base: "#2a2a2a",
    _Role.Highlight: "#4a4a4a",
    _Role.HighlightedText: "#bdbdbd",
}


def _palette(colors: dict, disabled: dict) -> QPalette:
    palette = QPalette()
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    accent = getattr(_Role, "Accent", None)  # Qt 6.6+
    if accent is not None:
        palette.setColor(accent, QColor(colors[_Role.Highlight]))
    for role, color in disabled.items():
        palette.setColor(_Group.Disabled, role, QColor(color))
    return palette


def light_palette() -> QPalette:
    return _palette(_LIGHT, _LIGHT_DISABLED)


def dark_palette() -> QPalette:
    return _palette(_DARK, _DARK_DISABLED)


def apply_theme(app: QGuiApplication, theme: str) -> None:
    """Show `app` in `theme`: "system", "light" or "dark" (anything else means "system")."""
    theme = theme if theme in THEMES else "system"
    set_style = getattr(app, "setStyle", None)  # a QApplication; a bare QGuiApplication has none
    if set_style is not None and app.style().name().lower() != "fusion":
        set_style("Fusion")
    hints = app.styleHints()
    if hasattr(hints, "setColorScheme"):  # Qt 6.8+
        scheme = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}
        hints.setColorScheme(scheme.get(theme, Qt.ColorScheme.Unknown))
    if theme == "light":
        app.setPalette(light_palette())
    elif theme == "dark":
        app.setPalette(dark_palette())
    else:
        # An empty palette: every colour comes from the platform again, and follows its changes.
        app.setPalette(QPalette())


def is_dark(app: QGuiApplication | None = None) -> bool:
    """Whether the window is showing light text on a dark background right now."""
    app = app or QGuiApplication.instance()
    if app is None:
        return False
    palette = app.palette()
    window = palette.color(_Role.Window).lightness()
    return window < palette.color(_Role.WindowText).lightness()
