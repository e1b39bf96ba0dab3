"""GGUF models on llama.cpp (`llama-cpp-python`): it computes on quantized weights without
unpacking them to float, so a 4B Q4_K_M model needs ~3 GB where the torch path needs ~16.

The generation loop is written here on llama.cpp's own calls (decode a batch, read the last
logits) rather than `create_chat_completion`, for what Longread needs of every backend:
- prompt-token counts and timings for the answer's trace;
- a Stop that lands within ~0.1 s even inside a long prefill: llama.cpp's abort callback is
  checked between the compute graph's nodes while a prompt batch is evaluated;
- the document's KV cache kept: the context keeps the last prompt, and a new prompt that shares
  its beginning (a follow-up on the same document) evaluates only what differs; prompts of a
  thousand tokens or more are also saved to disk (llama.cpp's state files, with their tokens),
  so a follow-up after a restart is just as quick.
Greedy decoding, as on the torch path: the same question on the same text gets the same answer.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from core.errors import ModelError
from core.llm.base import GenerationStats, Message, StopScanner, ThinkFilter
from core.llm.kvcache import (
    block_hashes,
    common_prefix,
    read_index,
    trim_least_used,
    write_index,
)
from core.llm.spec import ModelSpec
from core.llm.token_counts import TokenCounts

ProgressCallback = Callable[[int, int, str], None]

N_BATCH = 512  # prompt tokens per llama_decode call
MIN_SAVE_TOKENS = 1024  # shorter prompts evaluate faster than their state loads from disk
MAX_DISK_BYTES = 4 * 1024**3  # saved states, oldest removed past this
ANSWER_RESERVE = 512
# Architectures whose models think aloud before answering unless told not to.
_NO_THINK = {"qwen3": "/no_think"}


def available() -> bool:
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    try:
        return package_version("llama-cpp-python")
    except PackageNotFoundError:
        return ""


def gpu_offload() -> bool:
    """Whether this llama.cpp build can run layers on a GPU (CUDA, Metal, Vulkan)."""
    import llama_cpp

    try:
        return bool(llama_cpp.llama_supports_gpu_offload())
    except (AttributeError, OSError):
        return False


def kv_bytes_per_token(meta: dict) -> int:
    """Bytes of f16 KV cache one token takes, from a GGUF header."""
    arch = meta.get("general.architecture", "")
    layers = int(meta.get(f"{arch}.block_count") or 0)
    heads = int(meta.get(f"{arch}.attention.head_count") or 1)
    kv_heads = int(meta.get(f"{arch}.attention.head_count_kv") or heads)
    key = meta.get(f"{arch}.attention.key_length")
    value = meta.get(f"{arch}.attention.value_length")
    head_dim = int(meta.get(f"{arch}.embedding_length") or 0) // heads
    return layers * kv_heads * (int(key or head_dim) + int(value or head_dim)) * 2


def window_for(meta: dict, file_bytes: int, free_bytes: int) -> int:
    """The window to open: the file's own, or the longest this machine's free memory holds
    (llama.cpp sets the whole KV cache aside when the model loads)."""
    arch = meta.get("general.architecture", "")
    trained = int(meta.get(f"{arch}.context_length") or 2048)
    per_token = kv_bytes_per_token(meta)
    room = free_bytes * 0.8 - file_bytes * 1.1 - 500e6
    if per_token <= 0 or room >= per_token * trained:
        return trained
    return max(2048, min(trained, int(room // per_token) // 1024 * 1024))


class LlamaCppBackend:
    def __init__(
        self,
        spec: ModelSpec,
        *,
        device: str | None = None,
        on_progress: ProgressCallback | None = None,
        save_kv: bool = True,
        window: int | None = None,
    ) -> None:
        if spec.kind != "gguf":
            raise ModelError(
                "llama.cpp runs GGUF files only.", "Pick a .gguf model or the default."
            )
        if not available():
            raise ModelError(
                "The llama.cpp runtime is not installed.",
                "Reinstall Longread (it brings llama-cpp-python), or use the built-in runtime.",
            )
        import psutil
        from llama_cpp import Llama, llama_chat_format

        from core.device import choose, cpu_threads
        from core.llm.catalog import gguf_metadata

        self.spec = spec
        self.name = f"{spec.label} on llama.cpp"
        self.runtime = "llama.cpp"
        chosen = choose(device)
        self.device = chosen.name
        path = Path(spec.location)
        meta = gguf_metadata(path)
        self.architecture = meta.get("general.architecture", "")
        self.size_bytes = path.stat().st_size
        free = psutil.virtual_memory().available
        self.context_window = window or window_for(meta, self.size_bytes, free)
        self.trained_window = int(meta.get(f"{self.architecture}.context_length") or 0)
        if on_progress:
            on_progress(0, 1, f"Loading {self.name}")
        _quiet()
        try:
            self.llm = Llama(
                model_path=str(path),
                n_ctx=self.context_window,
                n_batch=N_BATCH,
                n_threads=cpu_threads(),
                n_threads_batch=cpu_threads(),
                n_gpu_layers=-1 if chosen.name != "cpu" and gpu_offload() else 0,
                # Measured here (bundled model, 4k-token prompt): prefill 18% faster on a CPU,
                # decode the same; it also keeps long prompts' attention from growing memory.
                flash_attn=True,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as e:
            raise ModelError(
                f"llama.cpp could not load “{path.name}” ({e}).",
                "The file may be damaged or of an architecture this llama.cpp does not know; "
                "download it again or pick another model.",
            ) from None
        template = self.llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(
                f"“{path.name}” has no chat template, so it cannot hold a conversation.",
                "Choose an instruction-tuned (chat) model.",
            )
        model = self.llm._model
        bos, eos = self.llm.token_bos(), self.llm.token_eos()
        self._formatter = llama_chat_format.Jinja2ChatFormatter(
            template=template,
            eos_token=model.token_get_text(eos) if eos != -1 else "",
            bos_token=model.token_get_text(bos) if bos != -1 else "",
        )
        self.parameter_count = int(model.n_params())
        self.kv_bytes_token = kv_bytes_per_token(meta)
        self.decode_path = f"llama.cpp {version()}".strip()
        self.last_stats = GenerationStats()
        self._tokens: list[int] = []  # what the context's KV cache holds now
        self._lock = threading.Lock()
        self._cancel: threading.Event | None = None
        # Checked by llama.cpp between the compute graph's nodes (set only during a prefill).
        import llama_cpp

        self._abort = llama_cpp.ggml_abort_callback(self._should_abort)
        stat = path.stat()
        fingerprint = hashlib.sha256(
            f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{version()}".encode()
        ).hexdigest()[:20]
        from core.llm.transformers_backend import cache_root

        self.states = StateFiles(cache_root() / "kv-llamacpp" / fingerprint) if save_kv else None
        self._counts = TokenCounts(
            self._count, cache_root() / "token-counts" / fingerprint if save_kv else None
        )
        if on_progress:
            on_progress(1, 1, f"{self.name} is ready")

    def forget(self) -> None:
        """Drop what the context holds (the next prompt is evaluated from its start)."""
        with self._lock:
            self.llm._ctx.kv_cache_clear()
            self._tokens = []

    # -- sizes ------------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        return self._counts(text)

    def _count(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def kv_bytes_per_token(self) -> int:
        return self.kv_bytes_token

    def fits(self, prompt_tokens: int, max_new_tokens: int = ANSWER_RESERVE) -> bool:
        # The KV cache for the whole window was set aside when the model loaded.
        return prompt_tokens + max_new_tokens <= self.context_window

    def encode(self, messages: Sequence[Message]) -> list[int]:
        """Token ids of the conversation in the model's own chat template, ready for an answer."""
        messages = [dict(m) for m in messages]
        if hint := _NO_THINK.get(self.architecture):
            target = next((m for m in messages if m.get("role") == "system"), None)
            target = target or next(m for m in reversed(messages) if m.get("role") == "user")
            target["content"] = f"{target['content']} {hint}".strip()
        rendered = self._formatter(messages=messages)
        return self.llm.tokenize(
            rendered.prompt.encode("utf-8"), add_bos=not rendered.added_special, special=True
        )

    # -- generation -------------------------------------------------------------------------

    def _should_abort(self, _data) -> bool:
        return bool(self._cancel is not None and self._cancel.is_set())

    def stream(
        self,
        messages: Sequence[Message],
        max_new_tokens: int = ANSWER_RESERVE,
        stop: Sequence[str] | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        ids = self.encode(messages)
        if len(ids) + 1 > self.context_window:
            raise ModelError(
                f"The question and its documents take {len(ids):,} tokens, more than the "
                f"model's window of {self.context_window:,} here.",
                "Ask about fewer documents, or let Longread choose the mode.",
            )
        max_new_tokens = min(max_new_tokens, self.context_window - len(ids))
        from core.llm import runtime

        with self._lock:  # one generation at a time: they share the context and its cache
            runtime.answering(self.name)  # a crash in here is noticed by the next start
            try:
                yield from self._generate(ids, max_new_tokens, stop, cancel)
            finally:
                runtime.answered()

    def _generate(self, ids, max_new_tokens, stop, cancel) -> Iterator[str]:
        import llama_cpp
        import numpy as np

        stats = GenerationStats(prompt_tokens=len(ids))
        self.last_stats = stats
        started = time.perf_counter()
        done = self._reuse(ids)
        stats.cached_tokens = done
        ctx = self.llm._ctx
        scanner, thinking = StopScanner(stop), ThinkFilter()
        generated: list[int] = []
        shown_bytes = b""
        try:
            # Prefill in batches, with the abort callback watching for a Stop inside each.
            self._cancel = cancel
            llama_cpp.llama_set_abort_callback(ctx.ctx, self._abort, None)
            try:
                while done < len(ids):
                    if cancel is not None and cancel.is_set():
                        stats.stopped_by = "cancel"
                        return
                    batch = ids[done : done + N_BATCH]
                    if not self._decode(batch, done):
                        stats.stopped_by = "cancel"
                        return
                    done += len(batch)
                    self._tokens = ids[:done]
            finally:
                llama_cpp.llama_set_abort_callback(ctx.ctx, llama_cpp.ggml_abort_callback(), None)
                self._cancel = None
            stats.prefill_s = time.perf_counter() - started
            if self.states is not None and len(ids) >= MIN_SAVE_TOKENS:
                self.states.save(self.llm, ids)
            decode_start = time.perf_counter()
            stats.stopped_by = "length"
            vocab = self.llm._model.vocab
            n_vocab = self.llm.n_vocab()
            for _ in range(max_new_tokens):
                if cancel is not None and cancel.is_set():
                    stats.stopped_by = "cancel"
                    break
                logits = np.ctypeslib.as_array(ctx.get_logits_ith(-1), shape=(n_vocab,))
                token = int(logits.argmax())
                if llama_cpp.llama_vocab_is_eog(vocab, token):
                    stats.stopped_by = "eos"
                    break
                generated.append(token)
                stats.new_tokens = len(generated)
                piece_bytes = self.llm.detokenize(generated)
                text = piece_bytes.decode("utf-8", errors="ignore")
                shown = shown_bytes.decode("utf-8", errors="ignore")
                # A multi-byte character split across tokens is held until it is whole.
                if len(text) > len(shown) and not _incomplete_utf8(piece_bytes):
                    piece = scanner.feed(thinking.feed(text[len(shown) :]))
                    shown_bytes = piece_bytes
                    if piece:
                        if not stats.first_token_s:
                            stats.first_token_s = time.perf_counter() - started
                        yield piece
                    if scanner.stopped:
                        stats.stopped_by = "stop"
                        break
                position = len(ids) + len(generated) - 1
                self._decode([token], position)
                self._tokens = ids + generated
            stats.decode_s = time.perf_counter() - decode_start
            if not scanner.stopped:
                tail = scanner.feed(thinking.flush()) + scanner.flush()
                if tail:
                    yield tail
        finally:
            if not stats.prefill_s:
                stats.prefill_s = time.perf_counter() - started

    def _decode(self, tokens: list[int], position: int) -> bool:
        """Evaluate `tokens` at `position`; False when a Stop aborted it (the partial batch is
        dropped from the cache, what came before stays)."""
        import llama_cpp

        batch = self.llm._batch
        batch.set_batch(batch=tokens, n_past=position, logits_all=False)
        code = llama_cpp.llama_decode(self.llm._ctx.ctx, batch.batch)
        if code == 0:
            return True
        self.llm._ctx.kv_cache_seq_rm(-1, position, -1)
        self._tokens = self._tokens[:position]
        if code == 2:  # aborted by the callback: the user pressed Stop
            return False
        raise ModelError(
            f"llama.cpp could not evaluate the prompt (code {code}).",
            "Try again; if it happens again, choose the built-in runtime in Settings → Models.",
        )

    def _reuse(self, ids: list[int]) -> int:
        """How many of `ids` the cache already holds, after taking the longest match from
        memory or disk and dropping what differs. At least the last token is evaluated again,
        for its logits."""
        held = common_prefix(self._tokens, ids)
        if self.states is not None and len(ids) >= MIN_SAVE_TOKENS:
            loaded = self.states.load(self.llm, ids, better_than=held)
            if loaded is not None:
                self._tokens, held = loaded, common_prefix(loaded, ids)
        held = min(held, len(ids) - 1)
        self.llm._ctx.kv_cache_seq_rm(-1, held, -1)
        self._tokens = ids[:held]
        return held


class StateFiles:
    """llama.cpp context states saved to disk, each with the tokens it holds; an index maps
    the chained hash of each full 256-token block to the state that starts with it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _index(self) -> dict:
        return read_index(self.directory)

    def _write_index(self, index: dict) -> None:
        write_index(self.directory, index)

    def _best(self, ids: list[int]) -> tuple[str, int] | None:
        index = self._index()
        if not index:
            return None
        wanted = block_hashes(ids)
        best = None
        for name, meta in index.items():
            blocks = meta["blocks"]
            # The hashes are chained: the last block two prompts share names all before it.
            shared = next(
                (
                    i + 1
                    for i in range(min(len(blocks), len(wanted)) - 1, -1, -1)
                    if blocks[i] == wanted[i]
                ),
                0,
            )
            if shared and (best is None or shared * 256 > best[1]):
                best = (name, shared * 256)
        return best

    def load(self, llm, ids: list[int], better_than: int) -> list[int] | None:
        """The tokens of a saved state loaded into `llm` when it covers more of `ids` than
        `better_than` tokens by at least a block; else None (nothing changed)."""
        import llama_cpp

        found = self._best(ids)
        if found is None or found[1] <= better_than + 256:
            return None
        name, _n = found
        capacity = llm.n_ctx()
        tokens = (llama_cpp.llama_token * capacity)()
        count = ctypes.c_size_t(0)
        path = self.directory / name
        ok = path.is_file() and llama_cpp.llama_state_load_file(
            llm._ctx.ctx, str(path).encode(), tokens, capacity, ctypes.byref(count)
        )
        if not ok:  # damaged, or made for a window smaller than it holds: evaluate instead
            llm._ctx.kv_cache_clear()
            return []
        index = self._index()
        if name in index:
            index[name]["used"] = time.time()
            self._write_index(index)
        return list(tokens[: count.value])

    def save(self, llm, ids: list[int]) -> None:
        """Write the context's state (holding exactly `ids`) unless one holding them is saved;
        a full disk costs only speed, never an answer."""
        import llama_cpp

        blocks = block_hashes(ids)
        found = self._best(ids)
        # Saved already when a state holds all but the last block of these ids: the question
        # after the document differs from one prompt to the next (and fits in a block), the
        # document does not, and each state holds the whole context (~KV size).
        if not blocks or (found is not None and found[1] >= (len(blocks) - 1) * 256):
            return
        name = f"{blocks[-1]}.state"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.directory / (name + ".tmp")
            array = (llama_cpp.llama_token * len(ids))(*ids)
            if not llama_cpp.llama_state_save_file(
                llm._ctx.ctx, str(tmp).encode(), array, len(ids)
            ):
                tmp.unlink(missing_ok=True)
                return
            os.replace(tmp, self.directory / name)
            index = self._index()
            index[name] = {"blocks": blocks, "tokens": len(ids), "used": time.time()}
            trim_least_used(self.directory, index, MAX_DISK_BYTES)
            self._write_index(index)
        except OSError:
            return


_LOG_SINK = None


def _quiet() -> None:
    """llama.cpp's own log lines (cache housekeeping, timings) stay out of the user's terminal."""
    import llama_cpp

    global _LOG_SINK
    if _LOG_SINK is None:
        _LOG_SINK = llama_cpp.llama_log_callback(lambda _level, _text, _data: None)
        llama_cpp.llama_log_set(_LOG_SINK, ctypes.c_void_p(0))


def _incomplete_utf8(data: bytes) -> bool:
    """Whether `data` ends inside a multi-byte UTF-8 character."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 != 0x80:  # a lead byte (or ASCII): how long should its character be?
            need = 1 if byte < 0x80 else 2 if byte >> 5 == 6 else 3 if byte >> 4 == 14 else 4
            return need > back
    return False
