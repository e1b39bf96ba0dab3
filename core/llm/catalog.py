"""Describe models without loading their weights: for `longread models` and the settings page."""

from __future__ import annotations

import json
import struct
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


def describe(spec_text: str, device: str | None = None) -> dict:
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
    info.update(
        context_window=int(window) if window else None,
        device=chosen.name,
        dtype=chosen.dtype_name,
        size_bytes=size,
        path=str(path),
    )
    return info
