"""Keep prompt KV caches so a follow-up question on the same document only prefills the question.

A prompt's tokens are hashed in blocks of 256, each hash chained to the one before, so a hash
names an exact token prefix. A cache found in memory, or on disk from an earlier run, is reused
for the longest prefix it shares with the new prompt. The key is therefore (model fingerprint,
prompt-prefix tokens): any change to the model, the document or the prompt template changes the
tokens and so misses the cache; nothing stale can ever be reused.

Saved caches live in the user's cache folder, as safetensors files written atomically; the
oldest are removed past a size cap. A copy is written on a thread of its own, so an answer (or
a Stop) never waits for the disk; the process still waits for it before it exits.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BLOCK = 256  # tokens per hashed block
MIN_SAVE_TOKENS = 1024  # shorter prompts prefill faster than their cache loads from disk
MAX_DISK_BYTES = 4 * 1024**3
MEMORY_ENTRIES = 2


def block_hashes(ids: list[int]) -> list[str]:
    """Chained hashes of each full block: hashes[i] names the prefix ids[: (i + 1) * BLOCK]."""
    import numpy as np

    hashes: list[str] = []
    previous = b""
    for start in range(0, len(ids) - BLOCK + 1, BLOCK):
        block = np.asarray(ids[start : start + BLOCK], dtype=np.int64).tobytes()
        previous = hashlib.sha256(previous + block).digest()
        hashes.append(previous.hex()[:32])
    return hashes


def new_cache(config, data=None):
    """An empty (or `data`-filled) KV cache whose full-attention layers grow in place.

    transformers' DynamicLayer appends each new token with torch.cat, copying the whole cache
    every step: at 4k tokens of context that is ~190 MB copied per generated token, which made
    decoding ten times slower than the model itself. GrowingLayer keeps a buffer with spare room
    and writes new positions into it.
    """
    from transformers import DynamicCache
    from transformers.cache_utils import DynamicLayer

    cache = DynamicCache(config=config)
    cache.layers = [
        _growing_layer() if type(layer) is DynamicLayer else layer for layer in cache.layers
    ]
    for layer, (keys, values) in zip(cache.layers, data or (), strict=False):
        layer.update(keys, values)
    return cache


_GrowingLayer = None


def _growing_layer():
    global _GrowingLayer
    if _GrowingLayer is None:
        _GrowingLayer = _define_growing_layer()
    return _GrowingLayer()


def _define_growing_layer():
    import torch
    from transformers.cache_utils import DynamicLayer

    class GrowingLayer(DynamicLayer):
        """A DynamicLayer over a buffer that doubles when full; keys/values are views of it."""

        def update(self, key_states, value_states, *args, **kwargs):
            if not self.is_initialized:
                self.lazy_initialization(key_states, value_states)
                self._k = self._v = None
                self._length = 0
            n = key_states.shape[-2]
            needed = self._length + n
            if self._k is None or needed > self._k.shape[-2]:
                capacity = max(needed, 2 * (self._k.shape[-2] if self._k is not None else 0), 256)
                shape = (*key_states.shape[:-2], capacity, key_states.shape[-1])
                k = torch.empty(shape, dtype=key_states.dtype, device=key_states.device)
                v = torch.empty(shape, dtype=value_states.dtype, device=value_states.device)
                if self._length:
                    k[..., : self._length, :] = self._k[..., : self._length, :]
                    v[..., : self._length, :] = self._v[..., : self._length, :]
                self._k, self._v = k, v
            self._k[..., self._length : needed, :] = key_states
            self._v[..., self._length : needed, :] = value_states
            self._length = needed
            self.keys = self._k[..., :needed, :]
            self.values = self._v[..., :needed, :]
            return self.keys, self.values

        def crop(self, tokens_to_remove: int) -> None:
            if not self.is_initialized or tokens_to_remove == 0:
                return
            keep = tokens_to_remove if tokens_to_remove > 0 else self._length + tokens_to_remove
            self._length = max(0, min(keep, self._length))
            self.keys = self._k[..., : self._length, :]
            self.values = self._v[..., : self._length, :]

    return GrowingLayer


def crop_to(cache, n: int) -> None:
    """Keep the first `n` positions of a DynamicCache (transformers >= 5 crops by a negative
    count of positions to drop; older versions by the length to keep)."""
    extra = cache.get_seq_length() - n
    if extra <= 0:
        return
    try:
        cache.crop(-extra)
    except ValueError:
        cache.crop(n)


def common_prefix(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


@dataclass
class _Entry:
    ids: list[int]
    cache: object  # a transformers DynamicCache holding exactly len(ids) positions


class PrefixCache:
    """Prompt KV caches for one loaded model, in memory and (optionally) on disk."""

    def __init__(self, fingerprint: str, directory: Path | None, config=None) -> None:
        self.fingerprint = fingerprint
        self.directory = directory / fingerprint if directory else None
        self.config = config
        self.memory: list[_Entry] = []
        self._lock = threading.Lock()
        self._paused = 0  # > 0 while saving to disk is paused
        self._disk_lock = threading.Lock()  # one file written at a time
        self._saving: dict[str, threading.Thread] = {}  # file name -> the thread writing it

    @contextlib.contextmanager
    def saving_paused(self):
        """Prompts in this block are kept in memory only: throw-away prompts (an evaluation's)
        would otherwise fill the size cap and push out the caches of the user's documents."""
        with self._lock:
            self._paused += 1
        try:
            yield
        finally:
            with self._lock:
                self._paused -= 1

    # -- lookup -----------------------------------------------------------------------------

    def take(self, ids: list[int]):
        """(cache, n): a cache holding the KV of ids[:n] for the longest known prefix, or
        (None, 0). A cache taken from memory is removed there; `keep` puts it back."""
        with self._lock:
            best, best_n = None, 0
            for entry in self.memory:
                n = common_prefix(entry.ids, ids)
                if n > best_n:
                    best, best_n = entry, n
            on_disk = self._find_on_disk(ids)
            if on_disk is not None and on_disk[1] > best_n + BLOCK:
                cache = self._load(*on_disk)
                if cache is not None:
                    return cache, on_disk[1]
            # A cache that shares only a few tokens (the system prompt) is not worth taking
            # from the document it belongs to.
            if best is None or best_n < min(BLOCK, len(best.ids)):
                return None, 0
            self.memory.remove(best)
            crop_to(best.cache, best_n)
            return best.cache, best_n

    def keep(self, ids: list[int], cache) -> None:
        """Remember `cache` (holding exactly the KV of `ids`) in memory; save long ones to disk."""
        if not ids:
            return
        with self._lock:
            self.memory = [e for e in self.memory if e.cache is not cache]
            self.memory.insert(0, _Entry(list(ids), cache))
            del self.memory[MEMORY_ENTRIES:]
            if self.directory is not None and not self._paused and len(ids) >= MIN_SAVE_TOKENS:
                found = self._find_on_disk(ids)
                saved = found[1] if found else 0
                if saved < (len(ids) // BLOCK) * BLOCK:
                    self._start_saving(ids, cache)

    def flush(self) -> None:
        """Wait until every copy being written to disk is written."""
        for thread in list(self._saving.values()):
            thread.join()

    def clear_memory(self) -> None:
        with self._lock:
            self.memory.clear()

    # -- disk -------------------------------------------------------------------------------

    def _read_index(self) -> dict:
        return read_index(self.directory)

    def _write_index(self, index: dict) -> None:
        write_index(self.directory, index)

    def _find_on_disk(self, ids: list[int]) -> tuple[str, int] | None:
        """(file, n) for the longest saved prefix of `ids`, or None."""
        if self.directory is None or len(ids) < BLOCK:
            return None
        index = self._read_index()
        if not index:
            return None
        wanted = block_hashes(ids)
        by_hash = {h: name for name, meta in index.items() for h in meta["blocks"]}
        for i in range(len(wanted) - 1, -1, -1):
            name = by_hash.get(wanted[i])
            if name is not None and (self.directory / name).exists():
                return name, (i + 1) * BLOCK
        return None

    def _start_saving(self, ids: list[int], cache) -> None:
        """Copy the cache's KV of whole blocks (the next question may crop or extend the cache
        itself) and write it to disk on a thread of its own. Called with `_lock` held."""
        length = (len(ids) // BLOCK) * BLOCK
        blocks = block_hashes(ids[:length])
        name = f"{blocks[-1]}.safetensors"
        if name in self._saving:
            return  # already being written
        tensors = {}
        for i, layer in enumerate(cache.layers):
            tensors[f"k{i}"] = layer.keys[:, :, :length].clone(memory_format=_contiguous())
            tensors[f"v{i}"] = layer.values[:, :, :length].clone(memory_format=_contiguous())
        # Not a daemon: a command that answered and exits still finishes writing the copy.
        thread = threading.Thread(
            target=self._save, args=(name, blocks, length, tensors), name="KV cache save"
        )
        self._saving[name] = thread
        thread.start()

    def _save(self, name: str, blocks: list[str], length: int, tensors: dict) -> None:
        from safetensors.torch import save_file

        try:
            with self._disk_lock:
                try:
                    self.directory.mkdir(parents=True, exist_ok=True)
                    tmp = self.directory / (name + ".tmp")
                    save_file(tensors, str(tmp), metadata={"tokens": str(length)})
                    os.replace(tmp, self.directory / name)
                except OSError:
                    return  # a full disk costs only speed, never an answer
                with self._lock, contextlib.suppress(OSError):
                    index = self._read_index()
                    index[name] = {"blocks": blocks, "tokens": length, "used": time.time()}
                    self._trim(index)
                    self._write_index(index)
        finally:
            with self._lock:
                self._saving.pop(name, None)

    def _load(self, name: str, n: int):
        from safetensors.torch import load_file

        try:
            tensors = load_file(str(self.directory / name))
        except Exception:  # damaged or half-deleted: ignore it, prefill instead
            return None
        layers = len(tensors) // 2
        data = [(tensors[f"k{i}"][:, :, :n], tensors[f"v{i}"][:, :, :n]) for i in range(layers)]
        index = self._read_index()
        if name in index:
            index[name]["used"] = time.time()
            self._write_index(index)
        return new_cache(self.config, data)

    def _trim(self, index: dict) -> None:
        trim_least_used(self.directory, index, MAX_DISK_BYTES)


# -- a folder of saved caches and its index (shared with the llama.cpp runtime's state files) --


def read_index(directory: Path) -> dict:
    """{file name: {"blocks": [...], "tokens": n, "used": time}} of the caches saved in
    `directory`; empty when there is none or it is damaged."""
    try:
        return json.loads((directory / "index.json").read_text())
    except (OSError, ValueError):
        return {}


def write_index(directory: Path, index: dict) -> None:
    tmp = directory / "index.json.tmp"
    tmp.write_text(json.dumps(index))
    os.replace(tmp, directory / "index.json")


def trim_least_used(directory: Path, index: dict, cap_bytes: int) -> None:
    """Remove the least recently used files of `index` until they fit in `cap_bytes`."""

    def size(name: str) -> int:
        try:
            return (directory / name).stat().st_size
        except OSError:
            return 0

    total = sum(size(n) for n in index)
    for name in sorted(index, key=lambda n: index[n]["used"]):
        if total <= cap_bytes:
            break
        total -= size(name)
        (directory / name).unlink(missing_ok=True)
        del index[name]


def _contiguous():
    import torch

    return torch.contiguous_format
