"""The language models: the `models` command, and loading the model a command asks for."""

from __future__ import annotations

import json
import sys
import threading

from core.cli.exits import EXIT_FAILED, EXIT_OK
from core.cli.progress import with_progress


def cmd_models(args) -> int:
    action = getattr(args, "action", None)
    if action:
        return {
            "catalog": _catalog,
            "pull": _pull,
            "list": _list,
            "remove": _remove,
            "probe": _probe,
        }[action](args)
    return _configured(args)


def _configured(args) -> int:
    from core.errors import ModelError
    from core.llm.catalog import describe
    from core.settings import Settings

    settings = Settings.load()
    specs = settings.all_models() + [m for m in args.model if m not in settings.all_models()]
    rows, failed = [], False
    for spec in specs:
        try:
            row = describe(spec, args.device or settings.device, settings.runtime)
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
        if row.get("device_why"):
            print(f"    on the {row['device'].upper()}: {row['device_why']}")
        if row.get("runtime"):
            name = "llama.cpp" if row["runtime"] == "llamacpp" else "the built-in torch runtime"
            print(f"    runs on {name}: {row['runtime_why']}")
    return EXIT_FAILED if failed else EXIT_OK


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB"


def _catalog(args) -> int:
    from core.llm.catalog import fits_for, read_machine
    from core.llm.download import installed
    from core.llm.probe import load_speeds
    from core.settings import Settings

    machine = read_machine()
    fits = fits_for(machine, load_speeds())
    have = {row["name"] for row in installed() if row["state"] == "installed"}
    if args.json:
        rows = []
        for f in fits:
            e = f.entry
            rows.append(
                {
                    "id": e.id,
                    "name": e.name,
                    "repo": e.repo,
                    "file": e.file,
                    "size_bytes": e.size_bytes,
                    "params_b": e.params_b,
                    "context": e.context,
                    "licence": e.licence,
                    "ram_8k_gb": e.ram_8k_gb,
                    "ram_full_gb": e.ram_full_gb,
                    "fit": f.status,
                    "fit_label": f.label,
                    "window_here": f.window,
                    "on": f.on,
                    "decode_tok_s": round(f.decode_tok_s, 1),
                    "prefill_tok_s": round(f.prefill_tok_s, 1),
                    "measured": f.measured,
                    "recommended": f.recommended,
                    "downloaded": e.file in have,
                    "why": e.why,
                }
            )
        json.dump({"machine": machine.__dict__, "models": rows}, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return EXIT_OK
    print(f"This computer: {machine.describe()}.")
    never = Settings.load().never_connect
    for f in fits:
        e = f.entry
        mark = "★" if f.recommended else " "
        got = "  [downloaded]" if e.file in have else ""
        speed = "measured" if f.measured else "estimated"
        print(f"{mark} {e.id:<14} {e.name}{got}")
        print(
            f"    {e.params_b:g}B parameters, {e.size_mb / 1000:.1f} GB download, "
            f"window {e.context:,} tokens, {e.licence}"
        )
        print(
            f"    needs {e.ram_8k_gb:.1f} GB at 8k tokens, {e.ram_full_gb:.1f} GB at its full "
            f"window: {f.label}" + ("" if f.disk_ok else "; not enough free disk to download it")
        )
        if f.status != "too big":
            print(
                f"    ~{f.decode_tok_s:.0f} tokens/s writing, ~{f.prefill_tok_s:,.0f} tokens/s "
                f"reading ({speed} on this computer)"
            )
        print(f"    {e.why}")
    best = next((f for f in fits if f.recommended), None)
    if never:
        print(
            "\nLongread is set never to connect to the internet: downloads are off "
            "(Settings → Models)."
        )
    elif best:
        print(f"\n★ best fit here. Download it with: longread models pull {best.entry.id}")
    return EXIT_OK


def _pull(args) -> int:
    from core.cli.exits import error
    from core.errors import ModelError
    from core.llm import download
    from core.llm.catalog import find_entry

    entry = find_entry(args.name)
    try:
        repo, filename = (entry.repo, entry.file) if entry else download.parse_ref(args.name)
    except ModelError as e:
        return error(str(e))
    cancel = threading.Event()
    print(f"Downloading {filename} from {repo}…", file=sys.stderr)
    try:
        path = _with_transfer(
            lambda on_progress: download.pull(
                repo, filename, on_progress=on_progress, cancel=cancel
            ),
            cancel,
        )
    except ModelError as e:
        return error(str(e))
    print(f"Saved {path} ({_gb(path.stat().st_size)}).")
    spec = f"gguf:{path}"
    if entry is not None:
        problems = entry.header_problems(path)
        if problems:
            print("Note: the file differs from the catalog: " + "; ".join(problems))
        else:
            print("Checked: the file's header matches the catalog (layers, KV heads, window).")
    if not args.no_probe:
        _measure(spec, None, cancel)
    if args.use:
        _use(spec)
    else:
        print(f"Answer with it: longread ask FILE -q QUESTION --model {spec}")
    return EXIT_OK


def _with_transfer(work, cancel: threading.Event):
    """Run a download with a byte progress bar on a terminal (speed, time left)."""
    if not sys.stderr.isatty():
        return with_progress(work, cancel, bar=False)
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from core.cli.progress import run_cancellable

    result: dict = {}
    with Progress(
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        transient=True,
    ) as display:
        task = display.add_task("download", total=None)

        def on_progress(done, total, _rate=0.0, _left=None) -> None:
            display.update(task, completed=done, total=total)

        def run() -> None:
            try:
                result["value"] = work(on_progress)
            except BaseException as e:
                result["error"] = e

        run_cancellable(run, cancel)
    if "error" in result:
        raise result["error"]
    return result["value"]


def _measure(spec: str, backend_name: str | None, cancel: threading.Event) -> None:
    from core.llm import get_backend
    from core.llm.probe import PROBE_SECONDS, probe

    print(f"Measuring its speed on this computer (~{PROBE_SECONDS:.0f} s)…", file=sys.stderr)
    from core.settings import Settings

    backend = get_backend(spec, backend=backend_name or Settings.load().runtime)
    record = with_progress(
        lambda on_progress: probe(backend, cancel=cancel, on_progress=on_progress),
        cancel,
        title="Measuring",
    )
    print(
        f"On this computer ({record['runtime']}, {record['device']}): reads "
        f"~{record['prefill_tok_s']:,.0f} tokens/s, writes ~{record['decode_tok_s']:.1f} "
        "tokens/s."
    )


def _use(spec: str) -> None:
    from core.settings import Settings

    settings = Settings.load()
    settings.model = spec
    if spec not in settings.models:
        settings.models.append(spec)
    settings.save()
    print(f"Longread answers with {spec} from now on.")


def _list(args) -> int:
    from core.llm.download import installed
    from core.paths import models_dir

    rows = installed()
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1, default=str)
        sys.stdout.write("\n")
        return EXIT_OK
    if not rows:
        print(f"No models downloaded yet ({models_dir()}). See: longread models catalog")
        return EXIT_OK
    for row in rows:
        if row["state"] == "partial":
            of = f" of {_gb(row['size'])}" if row.get("size") else ""
            print(
                f"  {row['name']}  unfinished download ({_gb(row['done'])}{of} so far): pull "
                "it again to resume, or remove it"
            )
        else:
            print(f"  {row['name']}  {_gb(row.get('size') or 0)}  from {row.get('repo', '?')}")
            print(f"      use it with: --model gguf:{row['path']}")
    return EXIT_OK


def _remove(args) -> int:
    from core.cli.exits import error
    from core.errors import ModelError
    from core.llm.catalog import find_entry
    from core.llm.download import remove

    entry = find_entry(args.name)
    try:
        removed = remove(entry.file if entry else args.name)
    except ModelError as e:
        return error(str(e))
    for path in removed:
        print(f"Removed {path}")
    return EXIT_OK


def _probe(args) -> int:
    from core.cli.exits import error
    from core.errors import ModelError
    from core.settings import Settings

    try:
        _measure(args.spec or Settings.load().model, args.backend, threading.Event())
    except ModelError as e:
        return error(str(e))
    return EXIT_OK


def load_backend(args, cancel: threading.Event):
    """The model the options name (else the settings'), loaded with a progress bar."""
    from core.llm import get_backend, runtime
    from core.settings import Settings

    settings = Settings.load()
    backend = with_progress(
        lambda on_progress: get_backend(
            args.model or settings.model,
            device=args.device or settings.device,
            backend=args.backend or settings.runtime,
            on_progress=on_progress,
        ),
        cancel,
        title="Loading the model",
    )
    for message in runtime.take_notices():  # a llama.cpp that crashed under an earlier run
        print(f"Note: {message}", file=sys.stderr)
    return backend
