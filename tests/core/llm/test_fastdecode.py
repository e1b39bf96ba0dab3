"""The lean decode step: the same tokens as transformers' forward, 4-bit weights kept exact."""

from __future__ import annotations

import pytest

from core.device import cpu_has_native_bf16
from core.llm.fastdecode import FastDecoder, _Linear
from core.llm.kvcache import new_cache


def test_a_weight_on_a_4bit_grid_is_packed_and_computes_the_same_products():
    import torch

    torch.manual_seed(0)
    out, inner = 64, 128
    q = torch.randint(0, 16, (out, inner // 32, 32)).float()
    q[..., 0], q[..., 1] = 0, 15  # each group spans its whole grid, as a GGUF quantizer leaves it
    scale = torch.rand(out, inner // 32, 1) * 0.01 + 0.001
    low = torch.randn(out, inner // 32, 1) * 0.05
    weight = (q * scale + low).reshape(out, inner)
    linear = _Linear(weight, torch.float32)
    assert linear.packed is not None
    x = torch.randn(1, inner)
    expected = x @ weight.T
    assert torch.allclose(linear(x).float(), expected, atol=0.02 * expected.abs().max().item())


def test_a_weight_off_the_grid_stays_as_it_was():
    import torch

    weight = torch.randn(64, 128)
    linear = _Linear(weight, torch.float32)
    assert linear.packed is None and torch.equal(linear.dense, weight)


@pytest.mark.slow
def test_the_lean_step_decodes_the_same_tokens_as_transformers(smollm):
    import torch

    if smollm.fast is None:
        pytest.skip(f"the lean step is not used on this machine ({smollm.decode_path})")
    # The bundled GGUF is all 4-bit groups, packed where the CPU has the bf16 kernels for them.
    assert smollm.fast.packed_share == (1.0 if cpu_has_native_bf16() else 0.0)
    fast = FastDecoder(smollm.model, None)  # also from the model's own weights
    messages = [{"role": "user", "content": "Write a long story about a lighthouse keeper."}]
    ids = smollm.encode(messages)
    runs = []
    with torch.inference_mode():
        for step in (None, smollm.fast.step, fast.step):
            cache = new_cache(smollm.config)
            logits = smollm._forward(ids, 0, cache)
            tokens = []
            for position in range(len(ids), len(ids) + 24):
                tokens.append(int(logits[0, -1].argmax()))
                if step is None:
                    logits = smollm._forward([tokens[-1]], position, cache)
                else:
                    logits = step(tokens[-1], position, cache)
            runs.append(tokens)
    assert runs[1] == runs[0] and runs[2] == runs[0]


@pytest.mark.slow
def test_packed_weights_are_kept_and_read_back_the_same(smollm, tmp_path):
    # Packing every weight took ~0.4 s at each start: the packed copy is kept beside the
    # converted model and read back, computing the same tokens; a damaged copy is packed again.
    import torch

    from core.llm.fastdecode import PackedStore
    from core.llm.transformers_backend import cache_root

    if smollm.fast is None or not smollm.fast.packed_share:
        pytest.skip(f"no weights are packed on this machine ({smollm.decode_path})")
    kept = list((cache_root() / "models").glob("*/packed-int4-*.safetensors"))
    assert len(kept) == 1
    weights = kept[0].parent / "model.safetensors"
    again = FastDecoder(smollm.model, weights, kept[0])
    assert again.packed_share == smollm.fast.packed_share
    for mine, theirs in zip(again.layers, smollm.fast.layers, strict=True):
        assert torch.equal(mine.qkv.packed, theirs.qkv.packed)
        assert torch.equal(mine.down.scales, theirs.down.scales)

    damaged = tmp_path / "packed.safetensors"
    damaged.write_bytes(kept[0].read_bytes()[:1000])
    assert PackedStore(damaged).known is None
    repacked = FastDecoder(smollm.model, weights, damaged)
    assert torch.equal(repacked.layers[3].o.packed, smollm.fast.layers[3].o.packed)
    assert PackedStore(damaged).known is not None  # written whole this time

    messages = [{"role": "user", "content": "Name three kinds of boats."}]
    ids = smollm.encode(messages)
    runs = []
    with torch.inference_mode():
        for fast in (smollm.fast, again):
            cache = new_cache(smollm.config)
            logits = smollm._forward(ids, 0, cache)
            tokens = []
            for position in range(len(ids), len(ids) + 12):
                tokens.append(int(logits[0, -1].argmax()))
                logits = fast.step(tokens[-1], position, cache)
            runs.append(tokens)
    assert runs[0] == runs[1]
