"""The bundled model on torch: real answers, a kept KV cache, cancellation, the memory budget."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from core.device import choose
from core.errors import ModelError
from core.llm import complete
from core.llm.kvcache import PrefixCache
from tests.core.llm import texts

pytestmark = pytest.mark.slow


def test_window_and_template_come_from_the_model(smollm):
    assert smollm.context_window == 8192  # from the GGUF's own metadata, not a constant
    chosen = choose()  # the GPU where there is one, else the CPU
    assert (smollm.device, smollm.dtype_name) == (chosen.name, chosen.dtype_name)
    assert str(smollm.model.device).split(":")[0] == chosen.name
    ids = smollm.encode([{"role": "user", "content": "Hi"}])
    text = smollm.tokenizer.decode(ids)
    assert text.endswith("<|im_start|>assistant\n")  # SmolLM2's own chat template


def test_answers_a_fact_planted_in_a_6k_token_document_then_follow_ups_reuse_its_kv(
    smollm, tmp_path
):
    document = texts.planted(smollm.count_tokens, 6000, depth=0.5)
    assert 5500 < smollm.count_tokens(document) <= 6100
    saved = smollm.prefix_cache
    # A cache of its own: other tests in this session may have read the same document.
    smollm.prefix_cache = PrefixCache("test", tmp_path, config=smollm.config)
    try:
        _answer_then_follow_up(smollm, document)
    finally:
        smollm.prefix_cache = saved


def _answer_then_follow_up(smollm, document: str) -> None:
    answer = complete(smollm, texts.ask(document), max_new_tokens=24)
    cold = smollm.last_stats
    assert texts.ANSWER in answer
    assert cold.cached_tokens == 0 and cold.prompt_tokens > 5500

    # The same document, another question: only the question is prefilled.
    follow_up = complete(
        smollm, texts.ask(document, "Who keeps the lighthouse keys?"), max_new_tokens=8
    )
    warm = smollm.last_stats
    assert follow_up
    assert warm.cached_tokens >= warm.prompt_tokens - 40
    assert warm.first_token_s * 5 < cold.first_token_s

    # Asking the first question again gives exactly the same answer from the cache.
    assert complete(smollm, texts.ask(document), max_new_tokens=24) == answer


def test_a_kv_cache_saved_to_disk_serves_a_restarted_app(smollm, tmp_path):
    document = texts.planted(smollm.count_tokens, 1500, depth=0.3, seed=11)
    saved = smollm.prefix_cache
    try:
        smollm.prefix_cache = PrefixCache("test", tmp_path, config=smollm.config)
        with smollm.prefix_cache.saving_paused():  # throw-away prompts stay off the disk
            complete(smollm, texts.ask(document), max_new_tokens=1)
        assert not list(tmp_path.glob("test/*.safetensors"))
        first = complete(smollm, texts.ask(document), max_new_tokens=16)
        smollm.prefix_cache.flush()  # the copy is written on a thread of its own
        assert list(tmp_path.glob("test/*.safetensors")), "a long prompt's KV is saved"
        # A restart: a new cache object over the same folder, nothing in memory.
        smollm.prefix_cache = PrefixCache("test", tmp_path, config=smollm.config)
        second = complete(smollm, texts.ask(document), max_new_tokens=16)
        assert smollm.last_stats.cached_tokens >= 1280
        assert second == first
        # Another prompt template (a system message first) shares nothing: no stale reuse.
        smollm.prefix_cache = PrefixCache("test", tmp_path, config=smollm.config)
        other = [{"role": "system", "content": "Be brief."}, *texts.ask(document)]
        complete(smollm, other, max_new_tokens=4)
        assert smollm.last_stats.cached_tokens == 0
    finally:
        smollm.prefix_cache = saved


def test_greedy_answer_matches_transformers_generate(smollm):
    import torch

    messages = texts.ask(texts.planted(smollm.count_tokens, 700, seed=5), "Who moved to the coast?")
    ids = smollm.encode(messages)
    with torch.inference_mode():
        reference = smollm.model.generate(
            torch.tensor([ids], device=smollm.model.device),
            max_new_tokens=20,
            do_sample=False,
            pad_token_id=2,
        )[0, len(ids) :]
    expected = smollm.tokenizer.decode(reference, skip_special_tokens=True)
    assert complete(smollm, messages, max_new_tokens=20).strip() == expected.strip()


def test_the_same_prompt_is_read_in_the_same_steps_however_busy_the_machine(smollm, monkeypatch):
    # Where prefill splits a prompt changes its sums a little, and that changed answers: the
    # steps must follow from the prompt, the model and the device, never from the clock.
    messages = texts.ask(texts.planted(smollm.count_tokens, 3000, seed=8), "Who moved?")
    original = smollm._forward
    steps: list[int] = []

    def recording(tokens, position, cache):
        steps.append(len(tokens))
        return original(tokens, position, cache)

    monkeypatch.setattr(smollm, "_forward", recording)
    monkeypatch.setattr(smollm.prefix_cache, "take", lambda ids: (None, 0))  # read it all
    real = time.perf_counter
    start = real()

    def slow_clock() -> float:  # a machine 50x slower, as the clock sees it
        return start + (real() - start) * 50

    runs = []
    for clock in (real, slow_clock):
        monkeypatch.setattr(time, "perf_counter", clock)
        steps.clear()
        complete(smollm, messages, max_new_tokens=1)
        runs.append(list(steps))
    monkeypatch.setattr(time, "perf_counter", real)
    assert runs[0] == runs[1]
    prefill = runs[0][:-1] if runs[0][-1] == 1 else runs[0]
    assert prefill[0] == 256 and sum(prefill) >= 3000
    for a, b in itertools.pairwise(prefill[:-1]):  # each step twice the last, to the largest
        assert b == min(2 * a, smollm._chunk)


def test_cancel_stops_prefill_and_decode_within_a_fraction_of_a_second(smollm):
    document = texts.planted(smollm.count_tokens, 5000, seed=21)
    cancel = threading.Event()
    pressed: list[float] = []

    def press(_module, _args) -> None:
        # The user presses Stop while the model is reading the document: inside the prefill's
        # first forward pass, on any device (a GPU reads 5,000 tokens before any timer fires).
        if not pressed:
            pressed.append(time.perf_counter())
            cancel.set()

    hook = smollm.model.model.layers[0].register_forward_pre_hook(press)
    try:
        assert complete(smollm, texts.ask(document), cancel=cancel) == ""
    finally:
        hook.remove()
    assert pressed and time.perf_counter() - pressed[0] < 0.4
    assert smollm.last_stats.stopped_by == "cancel" and smollm.last_stats.new_tokens == 0

    cancel = threading.Event()
    pieces = []
    stream = smollm.stream([{"role": "user", "content": "Write a long story."}], cancel=cancel)
    for piece in stream:
        pieces.append(piece)
        if len(pieces) == 3:
            cancel.set()
            set_at = time.perf_counter()
            decoded = smollm.last_stats.new_tokens
    stopped_after = time.perf_counter() - set_at
    stats = smollm.last_stats
    assert stats.stopped_by == "cancel" and len(pieces) == 3
    # Only the decode step under way when Stop was pressed finishes: no token comes after it...
    assert stats.new_tokens == decoded
    # ...so it stops within a fraction of a second: one step's time (longer when other work
    # shares the CPU, so it is measured here rather than fixed).
    step_s = stats.decode_s / max(stats.new_tokens, 1)
    assert stopped_after < 0.3 + 2 * step_s, (stopped_after, step_s)


def test_fits_knows_the_window_and_this_machines_memory(smollm, monkeypatch):
    assert smollm.fits(6000)
    assert not smollm.fits(8000, max_new_tokens=512)
    import psutil
    import torch

    # layers x K,V x kv heads x head dim x bytes of the device's dtype (fp32 on the CPU)
    width = torch.empty(0, dtype=choose().dtype).element_size()
    assert smollm.kv_bytes_per_token() == 30 * 2 * 3 * 64 * width

    class Tight:
        available = 50 * 1024**2  # 50 MB free

    monkeypatch.setattr(psutil, "virtual_memory", lambda: Tight())
    if smollm.device == "cuda":  # a GPU's KV cache lives in the GPU's own memory
        monkeypatch.setattr(torch.cuda, "mem_get_info", lambda *a: (Tight.available, 80 * 1024**3))
    assert not smollm.fits(6000)


def test_a_prompt_over_the_window_is_a_clear_error(smollm):
    with pytest.raises(ModelError, match="more than the model's window"):
        list(smollm.stream([{"role": "user", "content": "word " * 9000}]))
