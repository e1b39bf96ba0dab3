"""GGUF models on llama.cpp (the optional `longread[llamacpp]` extra): faster on a CPU for
quantized weights, since it computes on them without unpacking them to float."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from core.errors import ModelError
from core.llm.base import GenerationStats, Message, StopScanner
from core.llm.spec import ModelSpec

ProgressCallback = Callable[[int, int, str], None]


def available() -> bool:
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


class LlamaCppBackend:
    def __init__(
        self,
        spec: ModelSpec,
        *,
        device: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        if spec.kind != "gguf":
            raise ModelError(
                "llama.cpp runs GGUF files only.", "Pick a .gguf model or the default."
            )
        if not available():
            raise ModelError(
                "The llama.cpp backend is not installed.",
                "Install it with: pip install 'longread[llamacpp]', or use the default backend.",
            )
        from llama_cpp import Llama

        from core.device import choose, cpu_threads
        from core.llm.catalog import gguf_metadata

        self.spec = spec
        self.name = f"{spec.label} on llama.cpp"
        chosen = choose(device)
        self.device = chosen.name
        path = Path(spec.location)
        meta = gguf_metadata(path)
        arch = meta.get("general.architecture", "")
        self.context_window = int(meta.get(f"{arch}.context_length") or 2048)
        if on_progress:
            on_progress(0, 1, f"Loading {self.name}")
        self.llm = Llama(
            model_path=str(path),
            n_ctx=self.context_window,
            n_threads=cpu_threads(),
            n_gpu_layers=-1 if chosen.name != "cpu" else 0,
            verbose=False,
        )
        self.last_stats = GenerationStats()
        self._lock = threading.Lock()
        if on_progress:
            on_progress(1, 1, f"{self.name} is ready")

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def fits(self, prompt_tokens: int, max_new_tokens: int = 512) -> bool:
        return prompt_tokens + max_new_tokens <= self.context_window

    def stream(
        self,
        messages: Sequence[Message],
        max_new_tokens: int = 512,
        stop: Sequence[str] | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        stats = GenerationStats()
        self.last_stats = stats
        started = time.perf_counter()
        scanner = StopScanner(stop)
        with self._lock:  # llama.cpp keeps the previous prompt's KV and reuses its prefix
            chunks = self.llm.create_chat_completion(
                messages=list(messages), max_tokens=max_new_tokens, temperature=0.0, stream=True
            )
            stats.stopped_by = "length"
            for chunk in chunks:
                if cancel is not None and cancel.is_set():
                    stats.stopped_by = "cancel"
                    break
                choice = chunk["choices"][0]
                piece = (choice.get("delta") or {}).get("content") or ""
                if choice.get("finish_reason") == "stop":
                    stats.stopped_by = "eos"
                if not piece:
                    continue
                stats.new_tokens += 1
                shown = scanner.feed(piece)
                if shown:
                    if not stats.first_token_s:
                        stats.first_token_s = time.perf_counter() - started
                    yield shown
                if scanner.stopped:
                    stats.stopped_by = "stop"
                    break
            else:
                if tail := scanner.flush():
                    yield tail
        stats.decode_s = time.perf_counter() - started - stats.first_token_s
