"""The `longread` program: the window when run with no command, else the command line."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from core import cli

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--engine-worker"]:  # the frozen app, started as the window's engine
        from core.service import serve

        serve()
        return 0
    if argv:
        return cli.main(argv)
    from app.main import run_app

    return run_app()


if __name__ == "__main__":
    sys.exit(main())
