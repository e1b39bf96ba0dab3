"""Language models: one `Backend` interface over local models (llama.cpp or torch) and servers.

`get_backend(spec)` loads a model once per process and shares it; loading reports progress.
A GGUF file runs on llama.cpp when it is installed, works on this processor and has not crashed
here before (see core.llm.runtime), else on the built-in torch path.
"""

from __future__ import annotations

import threading

from core.llm.base import Backend, GenerationStats, Message, complete
from core.llm.spec import ModelSpec, default_model_path, parse

__all__ = [
    "Backend",
    "GenerationStats",
    "Message",
    "ModelSpec",
    "complete",
    "default_model_path",
    "get_backend",
    "parse",
]

_loaded: dict[tuple, Backend] = {}
_lock = threading.Lock()


def get_backend(
    spec: str | None = "default",
    *,
    device: str | None = None,
    backend: str | None = None,
    on_progress=None,
) -> Backend:
    """The loaded model for `spec` (see core.llm.spec), loading it on first use.

    backend: "llamacpp", "transformers" (the torch path) or None / "auto": for a GGUF file the
    faster runtime on this device that works here (core.llm.runtime.choose), else transformers.
    """
    from core.llm import runtime

    parsed = parse(spec)
    if parsed.kind == "gguf":
        backend, _why = runtime.choose(device, backend, parsed)
    key = (parsed.kind, parsed.location, parsed.model, device, backend)
    with _lock:
        if key in _loaded:
            return _loaded[key]
        if parsed.kind == "openai":
            from core.llm.openai_backend import OpenAIBackend

            loaded: Backend = OpenAIBackend(parsed)
        elif backend == "llamacpp":
            from core.llm.llamacpp_backend import LlamaCppBackend

            loaded = LlamaCppBackend(parsed, device=device, on_progress=on_progress)
        else:
            from core.llm.transformers_backend import TransformersBackend

            loaded = TransformersBackend(parsed, device=device, on_progress=on_progress)
        _loaded[key] = loaded
        return loaded
