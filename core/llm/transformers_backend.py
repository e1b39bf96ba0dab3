"""Run a local model with transformers on torch: GGUF files and safetensors folders.

The generation loop is written out here rather than calling `generate()`, because Longread needs
three things it does not give together: prefill in chunks that can be cancelled, reuse of a kept
prompt KV cache, and text streamed as it is decoded.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from core.errors import ModelError
from core.llm.base import GenerationStats, Message, StopScanner
from core.llm.kvcache import PrefixCache, crop_to, new_cache
from core.llm.spec import ModelSpec
from core.llm.token_counts import TokenCounts

# Prefill runs the prompt in steps: the first of PREFILL_CHUNK tokens, each next one twice the
# one before, up to a size set by the model and the device alone, never by how fast the machine
# happens to be: where the steps split the prompt changes the sums slightly, and that was
# enough to change an answer now and then (1 of 12 dev answers, steps of 64 against 2,048).
# The same question on the same text gets the same answer. Long steps read every weight
# once for many tokens; a cancel still lands within one layer of a step (the check runs before
# every decoder layer), ~30 ms here.
PREFILL_CHUNK = 256  # the first step's size in tokens
MAX_CHUNK = 4096
# The largest step keeps its attention scores (heads x step x window, fp32) within this.
CHUNK_SCORES_BYTES = {"cpu": 512 * 2**20}
DEFAULT_CHUNK_SCORES_BYTES = 2 * 2**30
ANSWER_RESERVE = 512  # tokens `fits` keeps free for the answer by default

ProgressCallback = Callable[[int, int, str], None]


def cache_root() -> Path:
    """Where converted models and saved KV caches live: $LONGREAD_CACHE or the OS cache folder."""
    if value := os.environ.get("LONGREAD_CACHE"):
        return Path(value)
    import platformdirs

    return Path(platformdirs.user_cache_dir("Longread", appauthor=False))


def _file_key(path: Path) -> str:
    st = path.stat()
    raw = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def _converted_gguf(path: Path, on_progress: ProgressCallback | None) -> Path:
    """A safetensors copy of a GGUF model, made once: GGUF loading dequantizes every tensor and
    converts the tokenizer (~25 s here), while the copy loads in under a second."""
    import torch
    from safetensors.torch import save_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = cache_root() / "models" / f"{path.stem}-{_file_key(path)}"
    if (folder / "model.safetensors").is_file() and (folder / "config.json").is_file():
        return folder
    if on_progress:
        on_progress(0, 3, "Preparing the model for its first use (once only)")
    _quiet_transformers()
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
        if on_progress:
            on_progress(1, 3, "Unpacking the model's weights (once only)")
        model = AutoModelForCausalLM.from_pretrained(
            str(path.parent), gguf_file=path.name, dtype=torch.float32
        )
    except (ValueError, KeyError, OSError, RuntimeError) as e:
        raise _load_error(path, e) from None
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(tmp)
    config = copy.deepcopy(model.config)
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # the copy holds plain float weights
    config.save_pretrained(tmp)
    model.generation_config.save_pretrained(tmp)
    save_model(model, str(tmp / "model.safetensors"))
    if on_progress:
        on_progress(2, 3, "Saving the prepared model")
    try:
        os.replace(tmp, folder)
    except OSError:  # another process finished first: use its copy
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _load_error(path: Path, error: Exception) -> ModelError:
    import logging

    # The user reads the plain message; the log keeps what really went wrong.
    logging.getLogger("longread.llm").warning("loading %s failed: %r", path, error)
    text = str(error)
    if "architecture" in text.lower() or "not supported" in text.lower():
        return ModelError(
            f"“{path.name}” uses a model architecture this version cannot run ({text[:120]}).",
            "Choose another model, or serve it with llama.cpp or Ollama and connect to that.",
        )
    return ModelError(
        f"The model “{path.name}” could not be loaded: it may be damaged or incomplete.",
        "Download it again, or choose another model in Settings.",
    )


class TransformersBackend:
    """A causal language model on CPU, CUDA or MPS, with kept prompt KV caches."""

    def __init__(
        self,
        spec: ModelSpec,
        *,
        device: str | None = None,
        dtype: str | None = None,
        on_progress: ProgressCallback | None = None,
        save_kv: bool = True,
    ) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from core.device import choose

        _quiet_transformers()

        self.spec = spec
        self.name = spec.label
        chosen = choose(device)
        self.device = chosen.name
        self.dtype_name = dtype or chosen.dtype_name
        path = Path(spec.location)
        folder = _converted_gguf(path, on_progress) if spec.kind == "gguf" else path
        if on_progress:
            on_progress(2, 3, f"Loading {self.name}")
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
            self.model = AutoModelForCausalLM.from_pretrained(
                str(folder), dtype=getattr(torch, self.dtype_name)
            )
        except (ValueError, KeyError, OSError) as e:
            raise _load_error(path, e) from None
        self.model.to(self.device).eval()
        if _split_attention_applies(self.model):  # prefill steps that continue a cache
            from transformers import AttentionInterface

            AttentionInterface.register(SPLIT_ATTENTION, _split_attention)
            self.model.set_attn_implementation(SPLIT_ATTENTION)
        # transformers >= 5.x names the KV cache argument `cache`; older ones `past_key_values`.
        parameters = inspect.signature(self.model.forward).parameters
        self._cache_arg = "cache" if "cache" in parameters else "past_key_values"
        if self.tokenizer.chat_template is None:
            raise ModelError(
                f"“{path.name}” has no chat template, so it cannot hold a conversation.",
                "Choose an instruction-tuned (chat) model.",
            )
        config = self.model.config
        self.config = config
        # The window is what the model was trained for, from its own configuration.
        self.context_window = int(getattr(config, "max_position_embeddings", 0) or 2048)
        self.eos_ids = self._eos_ids()
        self.size_bytes = _size_on_disk(path)
        self.last_stats = GenerationStats()
        fingerprint = (
            f"{_file_key(path if path.is_file() else folder / 'config.json')}-{self.dtype_name}"
        )
        self.prefix_cache = PrefixCache(
            fingerprint, cache_root() / "kv" if save_kv else None, config=config
        )
        tokenizer_key = _file_key(path if path.is_file() else folder / "tokenizer.json")
        self._counts = TokenCounts(
            self._count, cache_root() / "token-counts" / tokenizer_key if save_kv else None
        )
        self._lock = threading.Lock()
        self._chunk = self._largest_step()  # for the memory estimate
        self.fast = _fast_decoder(self.model, folder, kept=spec.kind == "gguf")
        # A cancel is checked before every decoder layer, so it stops a long prefill step.
        self._cancel: threading.Event | None = None
        for layer in _decoder_layers(self.model):
            layer.register_forward_pre_hook(self._check_cancel)
        self.decode_path = "lean step" if self.fast is not None else "transformers"
        if self.fast is not None and self.fast.packed_share:
            self.decode_path += f", {self.fast.packed_share:.0%} of weights as 4-bit groups"
        if on_progress:
            on_progress(3, 3, f"{self.name} is ready")

    def _eos_ids(self) -> set[int]:
        ids: set[int] = set()
        for value in (self.model.generation_config.eos_token_id, self.tokenizer.eos_token_id):
            if isinstance(value, int):
                ids.add(value)
            elif value:
                ids.update(value)
        return ids

    # -- sizes ------------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        return self._counts(text)

    def _count(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def kv_bytes_per_token(self) -> int:
        """Bytes of KV cache one token takes: layers × 2 (K and V) × kv heads × head dim × dtype."""
        c = self.config
        heads = getattr(c, "num_key_value_heads", None) or c.num_attention_heads
        head_dim = getattr(c, "head_dim", None) or c.hidden_size // c.num_attention_heads
        return c.num_hidden_layers * 2 * heads * head_dim * self.model.dtype.itemsize

    def _largest_step(self) -> int:
        """The longest prefill step for this model on this device (a power of two)."""
        budget = CHUNK_SCORES_BYTES.get(self.device.split(":")[0], DEFAULT_CHUNK_SCORES_BYTES)
        per_token = self.config.num_attention_heads * self.context_window * 4
        size = PREFILL_CHUNK
        while size * 2 <= MAX_CHUNK and size * 2 * per_token <= budget:
            size *= 2
        return size

    def fits(self, prompt_tokens: int, max_new_tokens: int = ANSWER_RESERVE) -> bool:
        """Whether a prompt fits the window and, for its KV cache, this machine's free memory."""
        total = prompt_tokens + max_new_tokens
        if total > self.context_window:
            return False
        # The KV cache, plus one prefill chunk's attention scores (heads × chunk × total, fp32).
        need = self.kv_bytes_per_token() * total
        need += self.config.num_attention_heads * max(self._chunk, PREFILL_CHUNK) * total * 4
        return need < _free_memory(self.device) * 0.8

    # -- generation -------------------------------------------------------------------------

    def _check_cancel(self, _module, _args) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise _Cancelled

    def encode(self, messages: Sequence[Message]) -> list[int]:
        """Token ids of the conversation in the model's own chat template, ready for an answer."""
        ids = self.tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=True, tokenize=True
        )
        if hasattr(ids, "keys"):  # newer transformers return a BatchEncoding
            ids = ids["input_ids"]
        return list(ids)

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
                f"model's window of {self.context_window:,}.",
                "Ask about fewer documents, or let Longread choose the mode.",
            )
        max_new_tokens = min(max_new_tokens, self.context_window - len(ids))
        with self._lock:  # one generation at a time: they share the model and its caches
            self._cancel = cancel
            try:
                yield from self._generate(ids, max_new_tokens, stop, cancel)
            finally:
                self._cancel = None

    def _generate(self, ids, max_new_tokens, stop, cancel) -> Iterator[str]:
        import torch

        stats = GenerationStats(prompt_tokens=len(ids))
        self.last_stats = stats
        started = time.perf_counter()
        cache, done = self.prefix_cache.take(ids)
        if cache is None:
            cache, done = new_cache(self.config), 0
        if done >= len(ids):  # the whole prompt is cached: re-run its last token for logits
            done = len(ids) - 1
            crop_to(cache, done)
        stats.cached_tokens = done
        generated: list[int] = []
        fed = 0  # generated tokens whose KV is in the cache (a stop string ends before one is)
        scanner = StopScanner(stop)
        shown = ""
        try:
            with torch.inference_mode():
                # Prefill: run the uncached part of the prompt through the model in chunks,
                # checking for cancellation between chunks.
                logits = None
                size = PREFILL_CHUNK
                while done < len(ids):
                    if cancel is not None and cancel.is_set():
                        stats.stopped_by = "cancel"
                        return
                    chunk = ids[done : done + size]
                    logits = self._forward(chunk, done, cache)
                    done += len(chunk)
                    size = min(2 * size, self._chunk)
                stats.prefill_s = time.perf_counter() - started
                decode_start = time.perf_counter()
                # Decode: pick the most likely next token, feed it back, until a stop.
                stats.stopped_by = "length"
                for _ in range(max_new_tokens):
                    if cancel is not None and cancel.is_set():
                        stats.stopped_by = "cancel"
                        break
                    token = int(logits[0, -1].argmax())
                    if token in self.eos_ids:
                        stats.stopped_by = "eos"
                        break
                    generated.append(token)
                    stats.new_tokens = len(generated)
                    text = self.tokenizer.decode(generated, skip_special_tokens=True)
                    # A multi-byte character split across tokens decodes as U+FFFD: wait for it.
                    if not text.endswith("\ufffd") and len(text) > len(shown):
                        piece = scanner.feed(text[len(shown) :])
                        shown = text
                        if piece:
                            if not stats.first_token_s:
                                stats.first_token_s = time.perf_counter() - started
                            yield piece
                        if scanner.stopped:
                            stats.stopped_by = "stop"
                            break
                    position = len(ids) + len(generated) - 1
                    if self.fast is not None:
                        logits = self.fast.step(token, position, cache)
                    else:
                        logits = self._forward([token], position, cache)
                    fed = len(generated)
                stats.decode_s = time.perf_counter() - decode_start
                if not scanner.stopped:
                    tail = scanner.flush()
                    if tail:
                        yield tail
        except _Cancelled:  # raised between two layers of a forward pass
            stats.stopped_by = "cancel"
        finally:
            # Keep the prompt's KV and the answer's for the next question on the same text: a
            # follow-up's prompt is this one, this answer and the new turn (core.modes.followup).
            # Every layer is cut to the same length: a cancelled pass may have filled only some.
            tokens = ids[: min(done, len(ids))]
            if len(tokens) == len(ids):
                tokens = ids + generated[:fed]
            if tokens:
                for layer in cache.layers:
                    if getattr(layer, "is_initialized", True):
                        layer.crop(len(tokens))
                self.prefix_cache.keep(tokens, cache)

    def _forward(self, tokens: list[int], position: int, cache):
        import torch

        input_ids = torch.tensor([tokens], device=self.device)
        positions = torch.arange(position, position + len(tokens), device=self.device)
        out = self.model(
            input_ids=input_ids,
            cache_position=positions,
            use_cache=True,
            logits_to_keep=1,  # only the last position's logits are needed
            **{self._cache_arg: cache},
        )
        return out.logits


SPLIT_ATTENTION = "longread_split"  # the name transformers knows `_split_attention` by


def _split_attention_applies(model) -> bool:
    """Whether `model` can read its prompt with `_split_attention`: a Llama on the CPU (its
    layers all attend causally to every earlier position) and a torch with the CPU kernel."""
    import torch

    return (
        getattr(model.config, "model_type", "") == "llama"
        and model.device.type == "cpu"
        and hasattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu")
    )


def _split_attention(module, query, key, value, attention_mask, scaling=None, **kwargs):
    """Causal attention for a prefill step that continues a kept KV cache, on the CPU.

    transformers gives a step of C new tokens after P cached ones a C x (P + C) mask, and
    torch's CPU kernel then computes every query against every key, reads the mask for each,
    and copies the shared key heads once per query head. Here the step is read in two parts
    with no mask: the P cached positions, which every new token sees (the query heads that
    share a key head are stacked into one longer query, so nothing is copied), and the C new
    positions, causal, where the kernel skips what the causal rule hides. The two are joined
    by their softmax normalisers (log-sum-exp), so the result is the same attention up to
    float rounding (~1e-6), with no C x (P + C) mask in memory; an 8k-token prompt prefills
    ~1.15x faster on one core here (attention is then compute-bound, at the kernel's fp32 rate).

    It assumes one unpadded sequence whose keys end at the step's last token, which is all
    this backend runs; transformers builds no mask for an attention it does not know, so
    `attention_mask` is None (a mask, where one is given, goes to transformers' own SDPA
    attention with the step). A first step (no cached positions) and one-token steps need no
    mask either, and go to SDPA unchanged.
    """
    import torch
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    batch, heads, length, dim = query.shape
    kv_heads, cached = key.shape[1], key.shape[2] - length
    if attention_mask is not None or length == 1 or cached == 0:
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, scaling=scaling, **kwargs
        )
    group = heads // kv_heads
    kernel = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu
    stacked = query.reshape(batch, kv_heads, group * length, dim)
    past, past_lse = kernel(stacked, key[:, :, :cached], value[:, :, :cached], scale=scaling)[:2]
    own_keys = key[:, :, cached:].repeat_interleave(group, 1)
    own_values = value[:, :, cached:].repeat_interleave(group, 1)
    own, own_lse = kernel(query, own_keys, own_values, is_causal=True, scale=scaling)[:2]
    shape = (batch, kv_heads, group, length)
    # softmax over both parts = each part's softmax, weighted by its share of the total mass
    share = torch.sigmoid(past_lse.view(shape) - own_lse.view(shape)).unsqueeze(-1)
    out = torch.lerp(own.view(*shape, dim), past.view(*shape, dim), share)
    return out.permute(0, 3, 1, 2, 4).reshape(batch, length, heads, dim), None


class _Cancelled(Exception):
    """Raised inside the model's forward when the user cancels (caught by the prefill loop)."""


def _decoder_layers(model) -> list:
    inner = getattr(model, "model", None)
    layers = getattr(inner, "layers", None)
    return list(layers) if layers is not None else []


FAST_DECODE_MAX_BYTES = 4 * 1024**3  # larger models on a CPU belong to llama.cpp or a server


def _fast_decoder(model, folder: Path, kept: bool = False):
    """The lean decode step for this model, or None where transformers' own forward is used.
    `kept`: `folder` is Longread's converted copy, where the packed weights may be kept."""
    import platform

    import torch

    from core.llm.fastdecode import FastDecoder, unsupported

    size = sum(p.numel() * p.element_size() for p in model.parameters())
    if unsupported(model) is not None or size > FAST_DECODE_MAX_BYTES:
        return None
    weights = folder / "model.safetensors"
    if not weights.is_file():
        return FastDecoder(model, None)
    # The packed layout is torch's own: kept per torch version and processor family.
    packed = folder / f"packed-int4-torch{torch.__version__}-{platform.machine()}.safetensors"
    return FastDecoder(model, weights, packed if kept else None)


def _quiet_transformers() -> None:
    """No progress bars or advice from transformers on the user's terminal; we report our own."""
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()


def _size_on_disk(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.glob("*.safetensors"))


def _free_memory(device: str) -> int:
    if device == "cuda":
        import torch

        free, _total = torch.cuda.mem_get_info()
        return free
    import psutil

    return psutil.virtual_memory().available
