"""Which processor runs the models: CUDA if present, else Apple's MPS, else the CPU.

Shared by the generator and the embedder, so both land on the same device. Importing this module
is cheap; torch is imported only when a device is actually chosen.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from core.errors import ModelError

DEVICES = ("auto", "cuda", "mps", "cpu")


@dataclass(frozen=True)
class Device:
    """A resolved device: its torch name, the dtype models use on it, and a readable label."""

    name: str  # "cuda", "mps" or "cpu"
    dtype_name: str  # "bfloat16", "float16" or "float32"
    label: str  # what the settings and `longread models` show

    @property
    def dtype(self):
        import torch

        return getattr(torch, self.dtype_name)


def choose(requested: str | None = None) -> Device:
    """The device for `requested` ("auto", "cuda", "mps", "cpu"; for "auto" or None,
    $LONGREAD_DEVICE if set, else the fastest there is).

    Raises ModelError if the requested device is not available on this computer.
    """
    requested = (requested or "auto").lower()
    if requested == "auto":  # $LONGREAD_DEVICE decides where the settings leave it open
        requested = (os.environ.get("LONGREAD_DEVICE") or "auto").lower()
    if requested not in DEVICES:
        raise ModelError(f"Unknown device “{requested}”.", f"Choose one of: {', '.join(DEVICES)}.")
    return _choose(requested)


@cache
def has_torch() -> bool:
    """Whether torch and transformers are installed. The installers' CPU edition leaves them
    out: it generates with llama.cpp and embeds with ONNX Runtime, on the CPU."""
    import importlib.util

    try:
        return all(importlib.util.find_spec(name) for name in ("torch", "transformers"))
    except (ImportError, ValueError):
        return False


@cache
def _choose(requested: str) -> Device:
    if not has_torch():
        if requested in ("cuda", "mps"):
            raise ModelError(
                "This edition of Longread computes on the CPU only.",
                "Choose “auto” or “cpu”, or install the GPU edition (README, Install).",
            )
        return Device("cpu", "float32", f"CPU ({cpu_threads()} threads)")
    import torch

    if requested in ("auto", "cuda") and torch.cuda.is_available():
        # bf16 where the GPU does it natively (Ampere and newer), else fp16.
        dtype = "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
        return Device("cuda", dtype, f"GPU ({torch.cuda.get_device_name(0)})")
    if requested == "cuda":
        raise ModelError("No CUDA GPU is available on this computer.", "Choose “auto” or “cpu”.")
    mps = getattr(torch.backends, "mps", None)
    if requested in ("auto", "mps") and mps is not None and mps.is_available():
        return Device("mps", "float16", "Apple GPU (Metal)")
    if requested == "mps":
        raise ModelError("Apple's Metal GPU is not available here.", "Choose “auto” or “cpu”.")
    set_cpu_threads()
    # fp32 on the CPU: with bf16 weights and activations the bundled model's answers change
    # (prefilled in steps, a planted "librarian" came back as "doctor"). Decoding gets its speed
    # from 4-bit weights instead (core/llm/fastdecode.py), prefill stays exact.
    return Device("cpu", "float32", f"CPU ({cpu_threads()} threads)")


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bf16 in hardware (AVX512-BF16 or AMX); elsewhere it is emulated."""
    if not has_torch():
        return False
    import torch

    cpu = getattr(torch, "cpu", None)
    checks = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    return any(getattr(cpu, name, lambda: False)() for name in checks)


def cpu_threads() -> int:
    """Physical cores, not hyper-threads: matrix kernels gain nothing from sibling threads."""
    if value := os.environ.get("LONGREAD_THREADS"):
        return max(1, int(value))
    try:
        import psutil

        physical = psutil.cpu_count(logical=False)
    except ImportError:
        physical = None
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(physical or available or 1, available or 1))


def set_cpu_threads() -> None:
    if not has_torch():
        return
    import torch

    threads = cpu_threads()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def why(requested: str | None, chosen: Device) -> str:
    """Why models run on `chosen`, in words (for `longread models`)."""
    requested = (requested or "auto").lower()
    if requested not in ("auto", ""):
        return f"chosen in the settings ({requested})"
    if os.environ.get("LONGREAD_DEVICE"):
        return f"LONGREAD_DEVICE is set to {os.environ['LONGREAD_DEVICE']}"
    if chosen.name == "cuda":
        return "an NVIDIA GPU with CUDA is the fastest processor here"
    if chosen.name == "mps":
        return "Apple's GPU (Metal) is the fastest processor here"
    import sys

    if not has_torch():
        return "this edition of Longread computes on the CPU (llama.cpp and ONNX Runtime)"
    import torch

    if sys.platform == "darwin":
        return "Apple's GPU (Metal) is not available to torch here"
    if torch.version.cuda is None:
        return "this torch is the CPU build (README, Install, says how to get the CUDA one)"
    return "no NVIDIA GPU was found"
