"""The speed probe after a download: it measures, remembers, and gives way to a question."""

from __future__ import annotations

import threading
import time

import pytest

from core.llm.probe import load_speeds, probe
from tests.core.llm.tiny_gguf import make_tiny_gguf


@pytest.fixture(scope="module")
def tiny_backend(tmp_path_factory):
    from core.llm import get_backend

    path = make_tiny_gguf(tmp_path_factory.mktemp("probe") / "probe-tiny.gguf")
    return get_backend(f"gguf:{path}")


def test_a_probe_measures_both_speeds_within_its_time_and_remembers_them(tiny_backend):
    started = time.perf_counter()
    record = probe(tiny_backend, seconds=3)
    assert time.perf_counter() - started < 3 + 2
    assert record["prefill_tok_s"] > 0 and record["decode_tok_s"] > 0
    assert record["runtime"] == getattr(tiny_backend, "runtime", "torch")
    key = f"probe-tiny.gguf@{record['runtime']}"
    assert load_speeds()[key] == record


def test_a_probe_gives_way_to_a_question_and_keeps_what_it_measured(tiny_backend):
    cancel = threading.Event()
    result: dict = {}
    runner = threading.Thread(target=lambda: result.update(probe(tiny_backend, cancel=cancel)))
    runner.start()
    time.sleep(1.0)
    stopped = time.perf_counter()
    cancel.set()
    runner.join(timeout=10)
    assert not runner.is_alive()
    assert time.perf_counter() - stopped < 1.0
    assert result["decode_tok_s"] > 0
