"""Prefill steps after the first read their attention in two parts (the kept positions, then the
step's own): the same attention as one masked pass, so the same answers."""

from __future__ import annotations

import types

import pytest

from core.llm.kvcache import new_cache
from core.llm.transformers_backend import PREFILL_CHUNK, SPLIT_ATTENTION, _split_attention
from tests.core.llm import texts


def _masked_reference(query, key, value, scale):
    """One SDPA pass over every key, with the step's causal mask written out."""
    import torch

    length, total = query.shape[2], key.shape[2]
    group = query.shape[1] // key.shape[1]
    visible = torch.arange(length)[:, None] + (total - length) >= torch.arange(total)[None, :]
    return torch.nn.functional.scaled_dot_product_attention(
        query,
        key.repeat_interleave(group, 1),
        value.repeat_interleave(group, 1),
        attn_mask=visible,
        scale=scale,
    ).transpose(1, 2)


@pytest.mark.parametrize(("length", "cached"), [(64, 200), (1, 300), (48, 0), (300, 37)])
def test_split_attention_is_one_masked_pass(length, cached):
    import torch

    torch.manual_seed(length + cached)
    heads, kv_heads, dim = 9, 3, 64  # the bundled model's shape: 3 query heads per key head
    query = torch.randn(1, heads, length, dim) * 3  # sharp attention, as a real model's
    key = torch.randn(1, kv_heads, cached + length, dim)
    value = torch.randn(1, kv_heads, cached + length, dim)
    module = types.SimpleNamespace(num_key_value_groups=heads // kv_heads, is_causal=True)
    with torch.inference_mode():
        out, _ = _split_attention(module, query, key, value, None, scaling=dim**-0.5)
        expected = _masked_reference(query, key, value, dim**-0.5)
    assert out.shape == (1, length, heads, dim)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.slow
def test_a_long_prompt_gets_the_same_answer_as_with_transformers_attention(smollm):
    import torch

    if smollm.model.config._attn_implementation != SPLIT_ATTENTION:
        pytest.skip("the split attention is not used on this device")
    # ~850 tokens: steps of 256, 512 and the rest, so two steps continue a kept cache.
    messages = texts.ask(texts.planted(smollm.count_tokens, 800, seed=4))
    ids = smollm.encode(messages)
    runs = []
    try:
        for attention in (SPLIT_ATTENTION, "sdpa"):
            smollm.model.set_attn_implementation(attention)
            with torch.inference_mode():
                cache, done, size = new_cache(smollm.config), 0, PREFILL_CHUNK
                while done < len(ids):  # the backend's own steps
                    logits = smollm._forward(ids[done : done + size], done, cache)
                    done, size = done + size, min(2 * size, smollm._chunk)
                tokens = []
                for position in range(len(ids), len(ids) + 8):
                    tokens.append(int(logits[0, -1].argmax()))
                    logits = smollm._forward([tokens[-1]], position, cache)
            runs.append((logits[0, -1], tokens))
    finally:
        smollm.model.set_attn_implementation(SPLIT_ATTENTION)
    (split_logits, split_tokens), (sdpa_logits, sdpa_tokens) = runs
    assert split_tokens == sdpa_tokens
    torch.testing.assert_close(split_logits, sdpa_logits, rtol=0, atol=1e-3)
