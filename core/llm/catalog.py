"""Describe models without loading their weights: for `longread models` and the settings page."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

from core.errors import ModelError
from core.llm.spec import ModelSpec, parse

_GGUF_MAGIC = b"GGUF"
# GGUF value types -> struct format (scalars); 8 = string, 9 = array.
_SCALARS = {
    0: "B",
    1: "b",
    2: "H",
    3: "h",
    4: "I",
    5: "i",
    6: "f",
    7: "?",
    10: "Q",
    11: "q",
    12: "d",
}


def gguf_metadata(path: Path, wanted: tuple[str, ...] = ()) -> dict:
    """The key/value header of a GGUF file (stops early once every `wanted` key is read).

    Reads only the header, so it is instant even for a many-GB file.
    """
    out: dict = {}
    with open(path, "rb") as f:
        if f.read(4) != _GGUF_MAGIC:
            raise ModelError(f"“{path.name}” is not a GGUF model file.", "Pick a .gguf file.")
        (version,) = struct.unpack("<I", f.read(4))
        if version < 2:
            raise ModelError(f"“{path.name}” uses an old GGUF version ({version}).")
        _n_tensors, n_kv = struct.unpack("<QQ", f.read(16))

        def read_string() -> str:
            (n,) = struct.unpack("<Q", f.read(8))
            return f.read(n).decode("utf-8", errors="replace")

        def read_value(kind: int):
            if kind in _SCALARS:
                fmt = "<" + _SCALARS[kind]
                return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]
            if kind == 8:
                return read_string()
            if kind == 9:
                (item_kind,) = struct.unpack("<I", f.read(4))
                (count,) = struct.unpack("<Q", f.read(8))
                if item_kind in _SCALARS:  # skip big arrays (the vocabulary) without decoding
                    f.seek(count * struct.calcsize("<" + _SCALARS[item_kind]), 1)
                    return None
                items = [read_value(item_kind) for _ in range(count)]  # strings: read to skip
                return items if count < 64 else None
            raise ModelError(f"“{path.name}” has a GGUF header this version cannot read.")

        for _ in range(n_kv):
            key = read_string()
            (kind,) = struct.unpack("<I", f.read(4))
            out[key] = read_value(kind)
            if wanted and all(k in out for k in wanted):
                break
    return out


def describe(
    spec_text: str, device: str | None = None, requested_runtime: str | None = None
) -> dict:
    """What the user needs to know about a model, read from its own files (or server)."""
    from core.device import choose

    spec: ModelSpec = parse(spec_text)
    info: dict = {"spec": spec.text, "name": spec.label, "kind": spec.kind}
    if spec.kind == "openai":
        from core.llm.openai_backend import OpenAIBackend

        backend = OpenAIBackend(spec)
        info.update(
            name=backend.name,
            context_window=backend.context_window,
            device="server",
            dtype=None,
            size_bytes=None,
            window_known=backend.window_known,
        )
        return info
    chosen = choose(device)
    path = Path(spec.location)
    if spec.kind == "gguf":
        from core.llm import runtime

        info["runtime"], info["runtime_why"] = runtime.choose(device, requested_runtime, spec)
        meta = gguf_metadata(path)
        arch = meta.get("general.architecture", "")
        window = meta.get(f"{arch}.context_length")
        info["architecture"] = arch
        size = path.stat().st_size
    else:
        config = json.loads((path / "config.json").read_text())
        window = config.get("max_position_embeddings")
        info["architecture"] = (config.get("architectures") or [config.get("model_type", "")])[0]
        size = sum(f.stat().st_size for f in path.glob("*.safetensors"))
    dtype = chosen.dtype_name
    if info.get("runtime") == "llamacpp":  # computes on the file's own (quantized) weights
        dtype = _file_type(meta.get("general.file_type"))
    from core.device import why

    info.update(
        device_why=why(device, chosen),
        context_window=int(window) if window else None,
        device=chosen.name,
        dtype=dtype,
        size_bytes=size,
        path=str(path),
    )
    return info


def _file_type(value) -> str:
    """ "Q4_K_M" for a GGUF header's general.file_type."""
    try:
        import gguf

        return gguf.LlamaFileType(int(value)).name.removeprefix("MOSTLY_")
    except (ImportError, ValueError, TypeError):
        return "quantized"


# ---------------------------------------------------------------------------------------------
# The catalog of models to download (catalog.toml), and how each fits this machine.

GB = 1e9
KV_BYTES = 2  # f16 K and V, as llama.cpp keeps them by default
OVERHEAD_BYTES = 500e6  # llama.cpp's compute buffers, the logits, the runtime
OVERHEAD_SHARE = 0.10  # ... plus this share of the weights
HEADROOM_BYTES = 500e6  # memory left free for the rest of the machine when judging a fit
MIN_WINDOW = 4096  # below this a model is "too big": few documents fit, rag passages only
USEFUL_DECODE_TOK_S = 5.0  # slower than about reading speed, a bigger model is not the best fit
# Speeds assumed before anything is measured on this machine: decoding reads every weight once
# per token, so it goes at about memory bandwidth / model size.
ASSUMED_BANDWIDTH = {"cpu": 10 * GB, "cuda": 300 * GB, "mps": 100 * GB}


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    name: str
    repo: str
    file: str
    quant: str
    size_mb: int
    params_b: float
    context: int
    layers: int
    kv_heads: int
    head_dim: int
    licence: str
    ram_8k_gb: float
    ram_full_gb: float
    why: str

    @property
    def size_bytes(self) -> int:
        return int(self.size_mb * 1e6)

    def kv_bytes(self, tokens: int) -> int:
        return 2 * self.layers * self.kv_heads * self.head_dim * KV_BYTES * tokens

    def ram_bytes(self, tokens: int) -> int:
        """Memory to run it with a window of `tokens`: weights + KV cache + overhead."""
        weights = self.size_bytes
        return int(weights + self.kv_bytes(tokens) + OVERHEAD_BYTES + OVERHEAD_SHARE * weights)

    def header_problems(self, path: Path) -> list[str]:
        """Where the downloaded file's GGUF header disagrees with this entry (empty: none)."""
        meta = gguf_metadata(path)
        arch = meta.get("general.architecture", "")
        heads = meta.get(f"{arch}.attention.head_count")
        head_dim = meta.get(f"{arch}.attention.key_length") or (
            meta.get(f"{arch}.embedding_length", 0) // heads if heads else None
        )
        found = {
            "layers": meta.get(f"{arch}.block_count"),
            "kv_heads": meta.get(f"{arch}.attention.head_count_kv", heads),
            "head_dim": head_dim,
            "context": meta.get(f"{arch}.context_length"),
        }
        return [
            f"{field}: the catalog says {getattr(self, field)}, the file says {value}"
            for field, value in found.items()
            if value is not None and int(value) != getattr(self, field)
        ]


def catalog() -> list[CatalogEntry]:
    """The models Longread offers to download, smallest first."""
    import tomllib

    data = tomllib.loads((Path(__file__).with_name("catalog.toml")).read_text(encoding="utf-8"))
    return sorted(
        (CatalogEntry(**entry) for entry in data["model"]), key=lambda e: (e.params_b, e.id)
    )


def find_entry(text: str) -> CatalogEntry | None:
    """The catalog entry a user names: its id, its name, or its file name (any case)."""
    wanted = text.strip().lower()
    for entry in catalog():
        if wanted in (entry.id, entry.name.lower(), entry.file.lower()):
            return entry
    return None


@dataclass(frozen=True)
class Machine:
    """What this computer has for a model, read live."""

    ram_total: int
    ram_available: int
    disk_free: int  # in the models folder
    gpu: str = ""  # "cuda", "mps" or "" (none)
    gpu_name: str = ""
    gpu_memory: int = 0  # free GPU memory (Apple: the share of RAM Metal lets the GPU use)

    def describe(self) -> str:
        ram = f"{self.ram_available / GB:.1f} of {self.ram_total / GB:.0f} GB memory free"
        gpu = (
            f"; {self.gpu_name}, {self.gpu_memory / GB:.1f} GB free"
            if self.gpu
            else "; no GPU Longread can use"
        )
        return f"{ram}{gpu}; {self.disk_free / GB:.0f} GB free disk"


def read_machine(models_folder: Path | None = None) -> Machine:
    import shutil

    import psutil

    from core.paths import user_dir

    memory = psutil.virtual_memory()
    folder = models_folder or user_dir()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    disk = shutil.disk_usage(folder).free
    gpu, name, gpu_memory = _gpu(int(memory.total))
    return Machine(int(memory.total), int(memory.available), int(disk), gpu, name, gpu_memory)


def _gpu(ram_total: int) -> tuple[str, str, int]:
    """(kind, name, free bytes) of the GPU a model could run on, without importing torch where
    it is not loaded yet (the window does not need it): nvidia-smi for NVIDIA, the platform for
    Apple silicon."""
    import platform
    import shutil
    import subprocess
    import sys

    torch = sys.modules.get("torch")
    try:
        if torch is not None and torch.cuda.is_available():
            free, _total = torch.cuda.mem_get_info()
            return "cuda", torch.cuda.get_device_name(0), int(free)
    except Exception:  # a broken driver must not hide the catalog
        pass
    if sys.platform == "darwin" and platform.machine() == "arm64":
        # Unified memory: Metal lets the GPU use about two thirds of it by default.
        return "mps", "Apple GPU (unified memory)", int(ram_total * 2 / 3)
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            out = (
                subprocess.run(
                    [smi, "--query-gpu=name,memory.free", "--format=csv,noheader,nounits"],
                    capture_output=True,
                    text=True,
                    timeout=5,
                    check=True,
                )
                .stdout.strip()
                .splitlines()
            )
            gpu_name, free_mib = out[0].rsplit(",", 1)
            return "cuda", gpu_name.strip(), int(float(free_mib)) * 2**20
        except (OSError, subprocess.SubprocessError, ValueError, IndexError):
            pass
    return "", "", 0


@dataclass(frozen=True)
class Fit:
    entry: CatalogEntry
    status: str  # "fits", "shorter" or "too big"
    window: int  # the window it can use here (0 when too big)
    on: str  # "GPU" or "CPU"
    label: str  # what the list shows: "fits", "fits with a shorter window (12,288 tokens)", ...
    disk_ok: bool
    decode_tok_s: float  # measured on this machine, else estimated
    prefill_tok_s: float
    measured: bool
    recommended: bool = False


def _largest_window(entry: CatalogEntry, budget: float) -> int:
    if entry.ram_bytes(entry.context) <= budget:
        return entry.context
    room = budget - entry.ram_bytes(0)
    if room <= 0:
        return 0
    return int(room // entry.kv_bytes(1)) // 1024 * 1024


def fit(
    entry: CatalogEntry,
    machine: Machine,
    speeds: dict | None = None,
    calibration: tuple[float, float] | None = None,
) -> Fit:
    """Whether `entry` runs well here, on what, with how long a window, and how fast."""
    ram_budget = machine.ram_available - HEADROOM_BYTES
    on, budget = "CPU", ram_budget
    if machine.gpu and _largest_window(entry, machine.gpu_memory) >= MIN_WINDOW:
        on, budget = "GPU", machine.gpu_memory
    window = min(_largest_window(entry, budget), entry.context)
    if window >= entry.context:
        status, label = "fits", "fits"
    elif window >= MIN_WINDOW:
        status, label = "shorter", f"fits with a shorter window ({window:,} tokens)"
    else:
        status, window = "too big", 0
        label = (
            f"too big (needs {entry.ram_bytes(MIN_WINDOW) / GB:.1f} GB, "
            f"{max(budget, 0) / GB:.1f} GB free)"
        )
    if on == "GPU":
        label += " on the GPU"
    measured = (speeds or {}).get(f"{entry.file}@llama.cpp")  # catalog models run on it
    if measured:
        decode, prefill, was_measured = measured["decode_tok_s"], measured["prefill_tok_s"], True
    elif calibration and on == "CPU":  # scaled from models measured on this machine
        decode = calibration[0] / entry.size_bytes
        prefill, was_measured = calibration[1] / entry.size_bytes, False
    else:
        device = machine.gpu if on == "GPU" else "cpu"
        decode = ASSUMED_BANDWIDTH[device] / entry.size_bytes
        prefill, was_measured = decode * 12, False  # a batch reuses each weight for many tokens
    return Fit(
        entry,
        status,
        window,
        on,
        label,
        disk_ok=machine.disk_free > entry.size_bytes + HEADROOM_BYTES,
        decode_tok_s=decode,
        prefill_tok_s=prefill,
        measured=was_measured,
    )


def calibrate(speeds: dict | None) -> tuple[float, float] | None:
    """(bytes/s decoding, bytes/s prefilling) of the models measured on this machine's CPU:
    both speeds fall about in proportion to a model's size, so a measured model predicts the
    others better than an assumed figure."""
    import statistics

    rows = [
        r
        for key, r in (speeds or {}).items()
        if not key.startswith("_")
        and r.get("size_bytes")
        and r.get("device", "cpu") == "cpu"
        and r.get("decode_tok_s")
    ]
    if not rows:
        return None
    return (
        statistics.median(r["decode_tok_s"] * r["size_bytes"] for r in rows),
        statistics.median(r["prefill_tok_s"] * r["size_bytes"] for r in rows),
    )


def fits_for(machine: Machine, speeds: dict | None = None) -> list[Fit]:
    """Every catalog entry judged against this machine; the best fit marked `recommended`:
    the largest model that fits with at least an 8k window and still answers at about reading
    speed (measured where it was, else estimated), or the smallest that fits."""
    from dataclasses import replace

    fits = [fit(entry, machine, speeds, calibrate(speeds)) for entry in catalog()]
    usable = [f for f in fits if f.status != "too big" and f.window >= 8192]
    quick = [f for f in usable if f.decode_tok_s >= USEFUL_DECODE_TOK_S]
    best = max(quick, key=lambda f: f.entry.params_b, default=None) or min(
        usable, key=lambda f: f.entry.params_b, default=None
    )
    return [replace(f, recommended=True) if f is best else f for f in fits]
