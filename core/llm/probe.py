"""How fast a model really is on this machine: a short measured probe, kept for the catalog and
the router.

After a download (and whenever asked: `longread models probe`), the model reads a prompt sized to
take a few seconds and writes until its time is up (15 s in all by default). The prefill and
decode speeds are stored per model file in `<user folder>/models/speeds.json`; the catalog shows
them instead of its estimates, and auto mode uses them to judge whether reading a whole
selection is worth the wait.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from core.paths import user_dir

PROBE_SECONDS = 15.0
_TEXT = (
    "The committee met on a wet Tuesday to review the harbour's accounts. The treasurer "
    "reported that dredging had cost more than planned, that two cranes needed new cables, "
    "and that the ferry company wanted a longer lease on the eastern quay. "
)


def speeds_path() -> Path:
    return user_dir() / "models" / "speeds.json"


def load_speeds(*, models_only: bool = False) -> dict[str, dict]:
    """{"FILE@RUNTIME": {"prefill_tok_s", "decode_tok_s", "runtime", "device", "size_bytes",
    "measured_at"}}; empty when nothing was measured yet."""
    try:
        data = json.loads(speeds_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    if models_only:
        return {k: v for k, v in data.items() if not k.startswith("_") and isinstance(v, dict)}
    return data


def speed_for(backend) -> dict | None:
    """The measured speeds of the model `backend` runs, on its runtime, if measured here."""
    key = _key(backend)
    return load_speeds().get(key) if key else None


def runtime_name(backend) -> str:
    return getattr(backend, "runtime", "torch")


def key(file_name: str, runtime: str) -> str:
    """Speeds are kept per model file and runtime: "Qwen3-0.6B-Q8_0.gguf@llama.cpp"."""
    return f"{file_name}@{runtime}"


def _key(backend) -> str:
    spec = getattr(backend, "spec", None)
    if spec is None or spec.kind == "openai":
        return ""
    return key(Path(spec.location).name, runtime_name(backend))


def probe(
    backend,
    *,
    seconds: float = PROBE_SECONDS,
    cancel: threading.Event | None = None,
    on_progress=None,
) -> dict:
    """Measure `backend` for about `seconds` and store the result. Returns the stored record."""
    deadline = time.perf_counter() + seconds
    if on_progress:
        on_progress(0, 2, "Measuring the model's speed on this computer")
    # 1. A short prompt and a few tokens: a first idea of both speeds.
    short = [{"role": "user", "content": _TEXT + "Summarise this in one line."}]
    list(backend.stream(short, max_new_tokens=8, cancel=cancel))
    first = backend.last_stats
    rough_prefill = max(first.prefill_tok_s, 1.0)
    # 2. A prompt sized to take about a third of the time left, then writing until the end.
    left = max(deadline - time.perf_counter(), 1.0)
    target = int(min(max(rough_prefill * left / 3, 128), 2048, backend.context_window // 2))
    per_copy = max(backend.count_tokens(_TEXT), 1)
    body = " ".join(f"({i}) {_TEXT}" for i in range(max(target // (per_copy + 4), 1)))
    messages = [
        {"role": "user", "content": body + "\nWrite a long, detailed report on these meetings."}
    ]
    # Ends at the deadline, or sooner when the user asks something (the window stops the probe
    # then: a question does not wait for a measurement; what was measured so far is kept).
    stop = threading.Event()
    timer = threading.Timer(max(deadline - time.perf_counter(), 0.5), stop.set)
    timer.start()
    if cancel is not None:
        threading.Thread(
            target=lambda: cancel.wait(seconds + 5) and stop.set(), daemon=True
        ).start()
    try:
        list(backend.stream(messages, max_new_tokens=4096, cancel=stop))
    finally:
        timer.cancel()
        stop.set()
    stats = backend.last_stats
    if not stats.new_tokens and not first.new_tokens:
        raise InterruptedError("The speed measurement was stopped before it measured anything.")
    if not stats.new_tokens:  # stopped during the long prompt: the short one's figures
        stats = first
    record = {
        "prefill_tok_s": round(stats.prefill_tok_s or rough_prefill, 1),
        "decode_tok_s": round(stats.decode_tok_s or first.decode_tok_s, 1),
        "runtime": runtime_name(backend),
        "device": backend.device,
        "size_bytes": getattr(backend, "size_bytes", 0),
        "measured_at": time.time(),
    }
    store(_key(backend), record)
    if on_progress:
        on_progress(2, 2, "Measured")
    return record


def store(key: str, record: dict) -> None:
    if not key:
        return
    speeds = load_speeds()
    speeds[key] = record
    path = speeds_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(speeds, indent=1), encoding="utf-8")
    os.replace(tmp, path)


DOWNLOAD_KEY = "_download"  # the last download's average speed, for "time to download"


def store_download_speed(bytes_per_second: float) -> None:
    store(DOWNLOAD_KEY, {"bytes_per_s": round(bytes_per_second), "measured_at": time.time()})


def download_speed() -> float | None:
    """Bytes per second of the last download here, if there was one."""
    record = load_speeds().get(DOWNLOAD_KEY)
    return float(record["bytes_per_s"]) if record and record.get("bytes_per_s") else None
