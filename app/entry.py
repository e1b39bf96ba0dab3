"""The `longread` program: the window when run with no command, else the command line."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from core import cli

    argv = sys.argv[1:] if argv is None else argv
    if getattr(sys, "frozen", False):  # a child started by multiprocessing runs its own code
        import multiprocessing

        multiprocessing.freeze_support()
    if argv[:1] == ["--engine-worker"]:  # the frozen app, started as the window's engine
        from core.service import serve

        serve()
        return 0
    if argv[:1] == ["--parser-worker"]:  # the frozen app, reading documents for the engine
        from core.documents.worker import serve as read_documents

        read_documents(int(argv[1]) if len(argv) > 1 and argv[1] != "0" else None)
        return 0
    if argv[:1] == ["--sandbox-worker"]:  # the frozen app, as the recursive mode's REPL
        from core.sandbox.child import serve as run_cells

        run_cells()
        return 0
    if argv[:1] == ["--smoke-test"]:  # does this install work? (app/smoke.py)
        from app.smoke import run

        return run()
    if argv[:1] == ["--llamacpp-check"]:  # the frozen app, trying llama.cpp in a child
        from core.llm.runtime import _self_test

        return _self_test()
    opened = _opened_files(argv)
    if argv and not opened:
        return cli.main(argv)
    if not _has_screen():
        print(
            "longread: there is no screen to open the window on. On a machine without one, "
            "ask from the command line, for example:\n"
            '  longread ask report.pdf -q "What is the notice period?"\n'
            "(`longread --help` lists the commands.)",
            file=sys.stderr,
        )
        return 2
    from app.main import run_app

    return run_app(open_paths=opened)


def _opened_files(argv: list[str]) -> list[str]:
    """The files of `longread FILE...` when every argument is a document that exists: what the
    system passes when a PDF is opened with Longread (the .desktop file's %F, Windows' file
    associations, macOS' document types). Anything else is a command."""
    import os

    if not argv or not all(os.path.isfile(a) for a in argv):
        return []  # a command (and `longread ask FILE` starts with one)
    from core.documents import FORMATS

    if all(os.path.splitext(a)[1].lower() in FORMATS for a in argv):
        return [os.path.abspath(a) for a in argv]
    return []


def _has_screen() -> bool:
    """False on Linux without a display server (and no Qt platform chosen), where opening the
    window would abort the program with a message about the xcb plugin."""
    import os

    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


if __name__ == "__main__":
    sys.exit(main())
