"""llama.cpp as a first-class runtime: the same answers as the torch path, a Stop that lands
inside a long prefill, the document's KV cache kept in memory and on disk, and a crash that
costs a process, never the window (the next start falls back to the torch path)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.core.llm import texts

pytest.importorskip("llama_cpp", reason="llama.cpp is installed by `make` (the llamacpp extra)")

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def cpp():
    from core.llm.llamacpp_backend import LlamaCppBackend
    from core.llm.spec import parse

    return LlamaCppBackend(parse("default"))


def test_window_template_and_size_come_from_the_file(cpp):
    assert cpp.context_window == 8192  # the GGUF header's context length
    assert 100e6 < cpp.parameter_count < 200e6  # SmolLM2-135M
    ids = cpp.encode([{"role": "user", "content": "Hello"}])
    assert len(ids) > cpp.count_tokens("Hello")  # the chat template wrapped the message


def test_gives_the_same_answers_as_the_torch_path_to_planted_facts(cpp):
    from core.llm.spec import parse
    from core.llm.transformers_backend import TransformersBackend

    torch_path = TransformersBackend(parse("default"), save_kv=False)
    # Measured on 8 planted documents of 1,500 tokens: llama.cpp found the fact in 6, the
    # torch path in 5, word for word the same answer in 5 (the kernels differ: quantized dot
    # products against unpacked floats). These four are ones both find.
    same = 0
    for seed in (1, 3, 5, 7):
        document = texts.planted(cpp.count_tokens, 1500, seed=seed)
        ours = "".join(cpp.stream(texts.ask(document), max_new_tokens=40))
        theirs = "".join(torch_path.stream(texts.ask(document), max_new_tokens=40))
        assert texts.ANSWER in ours, (seed, ours)
        assert texts.ANSWER in theirs, (seed, theirs)
        same += ours.strip() == theirs.strip()
    assert same >= 3


def test_counts_prompt_tokens_and_honours_stop_strings(cpp):
    messages = [{"role": "user", "content": "Write a short story about a lighthouse."}]
    whole = "".join(cpp.stream(messages, max_new_tokens=40))
    assert cpp.last_stats.prompt_tokens == len(cpp.encode(messages))
    assert cpp.last_stats.new_tokens > 0
    stop = whole.split()[3]  # a word from the middle of the answer
    text = "".join(cpp.stream(messages, max_new_tokens=40, stop=[stop]))
    assert text == whole[: whole.index(stop)]
    assert cpp.last_stats.stopped_by == "stop"


def test_a_stop_lands_within_a_fraction_of_a_second_during_a_long_prefill(cpp):
    document = texts.planted(cpp.count_tokens, 3000, seed=7)
    cpp.states = None  # memory only here: a copy on disk would answer at once
    cpp.forget()
    cold = "".join(cpp.stream(texts.ask(document), max_new_tokens=30))
    cold_prefill = cpp.last_stats.prefill_s
    cpp.forget()
    cancel = threading.Event()
    stop_at = cold_prefill * 0.6  # well into the prompt, after its first batches
    timer = threading.Timer(stop_at, cancel.set)
    timer.start()
    started = time.perf_counter()
    text = "".join(cpp.stream(texts.ask(document), max_new_tokens=30, cancel=cancel))
    after_cancel = time.perf_counter() - started - stop_at
    assert cpp.last_stats.stopped_by == "cancel" and text == ""
    assert after_cancel < 0.2, f"the Stop took {after_cancel:.2f} s to land"
    # What was read before the Stop is kept, and right: asked again, the question continues
    # from it and gets the same answer as when read in one go.
    again = "".join(cpp.stream(texts.ask(document), max_new_tokens=30))
    assert 0 < cpp.last_stats.cached_tokens < cpp.last_stats.prompt_tokens
    assert again == cold


def test_a_follow_up_reuses_the_documents_kv_in_memory_and_after_a_restart(cpp, tmp_path):
    from core.llm.llamacpp_backend import LlamaCppBackend, StateFiles
    from core.llm.spec import parse

    cpp.states = StateFiles(tmp_path / "kv")
    cpp.forget()
    document = texts.planted(cpp.count_tokens, 3000, seed=11)
    first = "".join(cpp.stream(texts.ask(document), max_new_tokens=30))
    cold = cpp.last_stats
    assert cold.cached_tokens == 0 and texts.ANSWER in first
    "".join(cpp.stream(texts.ask(document, "Who won the rowing race?"), max_new_tokens=10))
    warm = cpp.last_stats
    assert warm.cached_tokens >= cpp.count_tokens(document)
    assert warm.prefill_s < cold.prefill_s / 4
    # A restart: a new process has nothing in memory; the state saved on disk serves it.
    fresh = LlamaCppBackend(parse("default"))
    fresh.states = StateFiles(tmp_path / "kv")
    again = "".join(fresh.stream(texts.ask(document), max_new_tokens=30))
    assert fresh.last_stats.cached_tokens >= 1024
    assert fresh.last_stats.prefill_s < cold.prefill_s / 4
    assert again == first


# -- the runtime choice and a crashing llama.cpp ---------------------------------------------


def test_llama_cpp_is_chosen_for_gguf_where_it_works(monkeypatch):
    from core.llm import runtime

    monkeypatch.setattr(runtime, "crash_record", lambda: None)
    chosen, why = runtime.choose("cpu", None)
    assert chosen == "llamacpp", why
    assert runtime.check() == (True, "it works")  # tried once in a child, then remembered
    assert runtime.choose("cpu", "transformers")[0] == "transformers"


def test_a_llama_cpp_that_dies_mid_answer_costs_its_process_and_the_next_start_falls_back(
    tmp_path,
):
    from core.llm import runtime

    script = (
        "import sys\n"
        "from core.llm.llamacpp_backend import LlamaCppBackend\n"
        "from core.llm.spec import parse\n"
        "b = LlamaCppBackend(parse('default'), save_kv=False)\n"
        "for piece in b.stream([{'role': 'user', 'content': 'Write a very long story.'}],"
        " max_new_tokens=2000):\n"
        "    print('TOKEN', flush=True)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout.readline().strip() == "TOKEN"  # it is answering
        child.send_signal(signal.SIGKILL)  # as a SIGILL or an out-of-memory kill would
        child.wait(timeout=30)
    finally:
        child.kill()
    assert child.returncode == -signal.SIGKILL
    runtime.take_notices()
    try:
        chosen, why = runtime.choose("cpu", None)
        assert chosen == "transformers"
        assert "stopped unexpectedly" in why
        notices = runtime.take_notices()
        assert len(notices) == 1 and "built-in runtime" in notices[0]
        # The user may choose llama.cpp again by hand: then it is used.
        assert runtime.choose("cpu", "llamacpp")[0] == "llamacpp"
    finally:
        runtime.forgive()
    assert runtime.choose("cpu", None)[0] == "llamacpp"


def test_a_processor_llama_cpp_cannot_run_on_is_found_by_a_child(monkeypatch, tmp_path):
    from core.llm import runtime

    monkeypatch.setattr(runtime, "_folder", lambda: tmp_path)
    # A child that dies as a build for the wrong processor does.
    monkeypatch.setattr(
        runtime.subprocess,
        "run",
        lambda *a, **k: subprocess.CompletedProcess(a, -signal.SIGILL, "", ""),
    )
    ok, detail = runtime.check()
    assert not ok and "SIGILL" in detail
    monkeypatch.setattr(runtime, "crash_record", lambda: None)
    chosen, why = runtime.choose("cpu", None)
    assert chosen == "transformers" and "does not run on this computer" in why
    saved = json.loads((tmp_path / "llamacpp-check.json").read_text())
    assert saved["ok"] is False


def test_the_built_in_model_on_a_cpu_stays_on_the_torch_path_and_starts_no_child(monkeypatch):
    from core.llm import runtime
    from core.llm.spec import parse

    def no_child(*args, **kwargs):
        raise AssertionError("a child process was started")

    monkeypatch.setattr(runtime.subprocess, "run", no_child)
    monkeypatch.setattr(runtime, "crash_record", lambda: None)
    chosen, why = runtime.choose("cpu", None, parse("default"))
    assert chosen == "transformers" and "faster on the torch path" in why


def test_without_torch_llama_cpp_runs_every_model_and_a_failure_is_explained(monkeypatch, tmp_path):
    # The installers' CPU edition has no torch path to fall back to.
    import core.device
    from core.errors import ModelError
    from core.llm import runtime
    from core.llm.spec import parse

    monkeypatch.setattr(core.device, "has_torch", lambda: False)
    chosen, why = runtime.choose("cpu", None, parse("default"))
    assert chosen == "llamacpp" and "this edition" in why
    with pytest.raises(ModelError, match=r"llama\.cpp only"):
        runtime.choose("cpu", "transformers")

    monkeypatch.setattr(runtime, "_folder", lambda: tmp_path)
    monkeypatch.setattr(
        runtime.subprocess,
        "run",
        lambda *a, **k: subprocess.CompletedProcess(a, -signal.SIGILL, "", ""),
    )
    with pytest.raises(ModelError, match="does not run on this computer") as error:
        runtime.choose("cpu", None, parse("default"))
    assert "SIGILL" in error.value.problem and "pip" in error.value.hint
