"""The language models: the `models` command, and loading the model a command asks for."""

from __future__ import annotations

import json
import sys
import threading

from core.cli.exits import EXIT_FAILED, EXIT_OK
from core.cli.progress import with_progress


def cmd_models(args) -> int:
    from core.errors import ModelError
    from core.llm.catalog import describe
    from core.settings import Settings

    settings = Settings.load()
    specs = settings.all_models() + [m for m in args.model if m not in settings.all_models()]
    rows, failed = [], False
    for spec in specs:
        try:
            row = describe(spec, args.device or settings.device)
        except ModelError as e:
            row, failed = {"spec": spec, "error": str(e)}, True
        row["selected"] = spec == settings.model
        rows.append(row)
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return EXIT_FAILED if failed else EXIT_OK
    for row in rows:
        mark = "*" if row["selected"] else " "
        if "error" in row:
            print(f"{mark} {row['spec']}: {row['error']}")
            continue
        size = f"{row['size_bytes'] / 1e6:,.0f} MB" if row.get("size_bytes") else "on the server"
        window = f"{row['context_window']:,}" if row.get("context_window") else "unknown"
        dtype = f", {row['dtype']}" if row.get("dtype") else ""
        print(f"{mark} {row['name']}  [{row['spec']}]")
        print(f"    window {window} tokens, {row['device']}{dtype}, {size}")
    return EXIT_FAILED if failed else EXIT_OK


def load_backend(args, cancel: threading.Event):
    """The model the options name (else the settings'), loaded with a progress bar."""
    from core.llm import get_backend
    from core.settings import Settings

    settings = Settings.load()
    return with_progress(
        lambda on_progress: get_backend(
            args.model or settings.model,
            device=args.device or settings.device,
            backend=args.backend,
            on_progress=on_progress,
        ),
        cancel,
        title="Loading the model",
    )
