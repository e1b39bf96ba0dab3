"""`longread`: the command line (`main`); with no command, `app.entry` opens the window instead.

Where each part lives: `parser` (the arguments), `progress` (bars, Ctrl+C), `library_cmds`
(extract, add, list, remove, search), `models_cmd` (models, and loading a model), `answer` (ask,
chat), `eval_cmds` (eval niah, eval qa), `exits` (exit codes, the error line). Heavy libraries
are imported inside the commands that need them, so `longread --help` is instant.
"""

from __future__ import annotations

import sys

from core import offline
from core.cli.answer import cmd_ask, cmd_chat
from core.cli.eval_cmds import cmd_eval
from core.cli.exits import EXIT_ERROR, EXIT_FAILED, EXIT_OK
from core.cli.exits import error as _error
from core.cli.library_cmds import cmd_add, cmd_extract, cmd_list, cmd_remove, cmd_search
from core.cli.models_cmd import cmd_models
from core.cli.models_cmd import load_backend as _backend
from core.cli.parser import build_parser as _parser

# `_backend`: every command loads its model as `core.cli._backend`, looked up at each call, the
# one place a test replaces to stand in a model it has already loaded.
__all__ = ["EXIT_ERROR", "EXIT_FAILED", "EXIT_OK", "_backend", "main"]

COMMANDS = {
    "ask": cmd_ask,
    "chat": cmd_chat,
    "eval": cmd_eval,
    "add": cmd_add,
    "search": cmd_search,
    "models": cmd_models,
    "list": cmd_list,
    "remove": cmd_remove,
    "extract": cmd_extract,
}


def main(argv: list[str] | None = None) -> int:
    offline.enforce()  # before any model library is imported, in every process we start
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--parser-worker"]:  # the frozen app, started as its own document reader
        from core.documents.worker import serve

        serve(int(argv[1]) if len(argv) > 1 and argv[1] != "0" else None)
        return EXIT_OK
    if argv[:1] == ["--sandbox-worker"]:  # the frozen app, started as the recursive mode's REPL
        from core.sandbox.child import serve as serve_sandbox

        serve_sandbox()
        return EXIT_OK
    args = _parser().parse_args(argv)
    if args.command is None:  # the window is started by app.entry, above this layer
        _parser().print_help()
        return EXIT_OK
    if getattr(args, "allow_lan_server", False):
        import os

        from core.settings import LAN_ENV

        os.environ[LAN_ENV] = "1"  # for this command and the processes it starts
    from core.errors import LongreadError

    try:
        return COMMANDS[args.command](args)
    except LongreadError as e:
        return _error(str(e))
    except KeyboardInterrupt:
        return _error("stopped.")
    except BrokenPipeError:  # `longread extract big.pdf | head`
        sys.stderr.close()
        return EXIT_OK
