"""Which runtime runs a GGUF file: llama.cpp or the built-in torch path.

llama.cpp is chosen where it is installed, faster on this kind of device (by bench/llm_speed.py
on the same file: see BUNDLED_ON_CPU), and safe here:
- it is first tried in a child process (`check`), once per llama.cpp version: a build made for
  a newer processor dies with SIGILL on the first token, and that must cost a child, not the
  window;
- while it answers, a marker file names the process; if that process dies mid-answer, the next
  start finds the marker, says so in plain words, and uses the torch path until llama.cpp is
  updated or chosen again by hand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from core.errors import ModelError

# Which runtime is faster, from bench/llm_speed.py (same file, same run, 2-core x86 CPU):
# - the bundled 135M model (Q4_1): the torch path prefills 1.15-1.3x faster (606/408/326
#   against 523/354/248 tokens/s at 1k/4k/8k; cold time to first token on a 6k-token document
#   15.5 s against 21.9 s) and llama.cpp decodes 2x faster (158 against 78 tokens/s).
#   Longread's prompts are long and its answers short, so the torch path stays for it on a CPU
#   (and the dev set's figures were measured on it);
# - larger quantized models: the torch path unpacks their weights to float32 (4-8x the file:
#   a 4B Q4_K_M model needs ~16 GB) and decoding reads every weight per token, so llama.cpp
#   wins: on a synthetic 0.4B Q8_0 model (`--model synthetic`) it decoded 6.3x faster (68
#   against 11 tokens/s), prefilled as fast (274/178 against 219/182 at 1k/4k) and needed a
#   quarter of the memory.
BUNDLED_ON_CPU = "transformers"
CHECK_TIMEOUT_S = 120

_notices: list[str] = []


def _folder() -> Path:
    from core.llm.transformers_backend import cache_root

    return cache_root() / "runtime"


def choose(device: str | None, requested: str | None, spec=None) -> tuple[str, str]:
    """(runtime, why): "llamacpp" or "transformers" for a GGUF model (`spec`, a ModelSpec;
    None for any GGUF file)."""
    from core.device import choose as choose_device
    from core.device import has_torch
    from core.llm.llamacpp_backend import available, gpu_offload, version

    if not has_torch():  # the installers' CPU edition: llama.cpp is the only runtime
        if requested == "transformers":
            raise ModelError(
                "This edition of Longread runs models with llama.cpp only.",
                "Choose “auto” or “llama.cpp” under Settings → Models → Run GGUF models with.",
            )
        if not available():
            raise ModelError(
                "llama.cpp, which runs the models in this edition, is missing or damaged.",
                "Reinstall Longread.",
            )
        ok, detail = check()
        if not ok:
            raise ModelError(
                f"llama.cpp, which runs the models in this edition, does not run on this "
                f"computer ({detail}).",
                "Install Longread with pip instead (README, Install): it can run models "
                "without llama.cpp.",
            )
        return "llamacpp", "this edition of Longread runs models with llama.cpp"
    if requested in ("llamacpp", "transformers"):
        return requested, "chosen in the settings"
    if not available():
        return "transformers", "llama.cpp is not installed"
    crashed = crash_record()
    if crashed and crashed.get("version") == version():
        return "transformers", (
            "llama.cpp stopped unexpectedly here before "
            f"({time.strftime('%d %b %Y %H:%M', time.localtime(crashed['time']))}), so the "
            "built-in runtime answers instead"
        )
    device_name = choose_device(device).name.split(":")[0]
    if device_name != "cpu" and not gpu_offload():
        return "transformers", (
            f"this llama.cpp was built without GPU support, and the torch path uses the "
            f"{device_name.upper()} GPU"
        )
    if device_name == "cpu" and getattr(spec, "text", "") == "default":
        return BUNDLED_ON_CPU, (
            "the built-in model reads long prompts 1.15-1.3x faster on the torch path on a CPU "
            "(measured), and Longread's prompts are long"
        )
    # Tried in a child only now, when it would be used: the built-in model's answers start no
    # child process.
    ok, detail = check()
    if not ok:
        return "transformers", f"llama.cpp does not run on this computer ({detail})"
    return "llamacpp", (
        "llama.cpp computes on the quantized weights as they are (the torch path would unpack "
        "them to 4-8 times the memory) and writes faster"
    )


def check() -> tuple[bool, str]:
    """Whether llama.cpp loads and generates here, tried in a child process once per version."""
    from core.llm.llamacpp_backend import version

    key = f"{version()}|{sys.executable}"
    path = _folder() / "llamacpp-check.json"
    try:
        saved = json.loads(path.read_text())
        if saved.get("key") == key:
            return saved["ok"], saved["detail"]
    except (OSError, ValueError, KeyError):
        pass
    if getattr(sys, "frozen", False):
        command = [sys.executable, "--llamacpp-check"]
    else:
        command = [sys.executable, "-m", "core.llm.runtime"]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=CHECK_TIMEOUT_S, check=False
        )
        ok = done.returncode == 0
        detail = "it works" if ok else _death(done.returncode, done.stderr)
    except subprocess.TimeoutExpired:
        ok, detail = False, f"a test answer took more than {CHECK_TIMEOUT_S} s"
    except OSError as e:
        ok, detail = False, str(e)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"key": key, "ok": ok, "detail": detail}))
    os.replace(tmp, path)
    return ok, detail


def _death(code: int, stderr: str) -> str:
    import signal

    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else ""
        if name == "SIGILL":
            return "it was built for instructions this processor does not have (SIGILL)"
        return f"it stopped with signal {name or -code}"
    if code == 128 + 4:
        return "it was built for instructions this processor does not have (SIGILL)"
    last = (stderr or "").strip().splitlines()[-1:] or [f"exit code {code}"]
    return last[0][:200]


# -- the crash marker -----------------------------------------------------------------------


def _marker() -> Path:
    return _folder() / f"llamacpp-answering-{os.getpid()}.json"


def answering(model: str) -> None:
    """Called as llama.cpp starts an answer in this process."""
    from core.llm.llamacpp_backend import version

    path = _marker()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"pid": os.getpid(), "model": model, "version": version()}))
    except OSError:
        pass


def answered() -> None:
    """Called when the answer ends, however it ends (only a dead process leaves the marker)."""
    _marker().unlink(missing_ok=True)


def crash_record() -> dict | None:
    """What llama.cpp was doing when a process died under it, if one did (the newest)."""
    import psutil

    folder = _folder()
    record_path = folder / "llamacpp-crashed.json"
    for marker in folder.glob("llamacpp-answering-*.json"):
        try:
            data = json.loads(marker.read_text())
        except (OSError, ValueError):
            continue
        pid = int(data.get("pid", 0))
        if pid == os.getpid() or psutil.pid_exists(pid):
            continue  # this process, or another Longread process, is answering right now
        data["time"] = marker.stat().st_mtime
        tmp = record_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, record_path)
        marker.unlink(missing_ok=True)
        _notices.append(
            f"llama.cpp stopped unexpectedly while answering with {data.get('model', 'a model')}"
            ". Longread now answers with its built-in runtime instead (slower, same answers); "
            "choose llama.cpp again in Settings → Models to retry it."
        )
    try:
        return json.loads(record_path.read_text())
    except (OSError, ValueError):
        return None


def forgive() -> None:
    """The user chose llama.cpp again: forget the crash."""
    (_folder() / "llamacpp-crashed.json").unlink(missing_ok=True)


def take_notices() -> list[str]:
    taken = list(_notices)
    _notices.clear()
    return taken


def _self_test() -> int:
    """Load the bundled model on llama.cpp and generate two tokens (run in a child process)."""
    from core import offline

    offline.enforce()
    from core.llm.llamacpp_backend import LlamaCppBackend
    from core.llm.spec import parse

    backend = LlamaCppBackend(parse("default"), save_kv=False, window=512)
    text = "".join(backend.stream([{"role": "user", "content": "Say hello."}], max_new_tokens=2))
    return 0 if backend.last_stats.new_tokens > 0 or text else 1


if __name__ == "__main__":
    sys.exit(_self_test())
