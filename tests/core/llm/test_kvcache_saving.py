"""A kept KV cache is written to disk without holding up the answer (or a Stop): a slow disk
costs nothing the user waits for, and the copy on disk is the prompt's, whatever the model
does with its cache next."""

from __future__ import annotations

import time

import pytest

from core.llm import complete
from core.llm.kvcache import PrefixCache
from tests.core.llm import texts

pytestmark = pytest.mark.slow

DISK_S = 5.0  # a disk this slow would have held every answer up by as long


def test_a_slow_disk_does_not_hold_up_the_answer(smollm, tmp_path, monkeypatch):
    import safetensors.torch

    real_save = safetensors.torch.save_file

    def slow_save(*args, **kwargs):
        time.sleep(DISK_S)
        return real_save(*args, **kwargs)

    monkeypatch.setattr(safetensors.torch, "save_file", slow_save)
    document = texts.planted(smollm.count_tokens, 1500, depth=0.3, seed=5)
    saved = smollm.prefix_cache
    try:
        smollm.prefix_cache = PrefixCache("test", tmp_path, config=smollm.config)
        first = complete(smollm, texts.ask(document), max_new_tokens=8)
        # The answer is back while the disk is still busy with its copy: had the answer waited
        # for the write, the file would be there now.
        assert not list(tmp_path.glob("test/*.safetensors")), "the answer waited for the disk"
        smollm.prefix_cache.flush()
        assert len(list(tmp_path.glob("test/*.safetensors"))) == 1

        # A restart reads the copy back: the same answer, from the cache.
        smollm.prefix_cache = PrefixCache("test", tmp_path, config=smollm.config)
        again = complete(smollm, texts.ask(document), max_new_tokens=8)
        assert smollm.last_stats.cached_tokens >= 1280
        assert again == first
    finally:
        smollm.prefix_cache = saved
