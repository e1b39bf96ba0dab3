"""The model catalog: what it offers, and whether each model fits a given machine."""

from __future__ import annotations

import dataclasses

import pytest

from core.llm.catalog import (
    GB,
    CatalogEntry,
    Machine,
    catalog,
    find_entry,
    fit,
    fits_for,
)


def machine(ram_gb: float, *, gpu: str = "", gpu_gb: float = 0, disk_gb: float = 500) -> Machine:
    return Machine(
        ram_total=int(ram_gb * GB * 1.1),
        ram_available=int(ram_gb * GB),
        disk_free=int(disk_gb * GB),
        gpu=gpu,
        gpu_name="Test GPU" if gpu else "",
        gpu_memory=int(gpu_gb * GB),
    )


def test_the_catalog_spans_small_to_large_open_instruct_models():
    entries = catalog()
    assert len(entries) >= 6
    sizes = [e.params_b for e in entries]
    assert min(sizes) <= 0.7 and max(sizes) >= 7.5
    assert sizes == sorted(sizes)  # smallest first, as the list shows them
    for e in entries:
        assert e.file.endswith(".gguf") and e.repo.count("/") == 1
        assert e.licence and e.why and e.context >= 32768
        assert e.layers and e.kv_heads and e.head_dim
    assert len({e.id for e in entries}) == len(entries)


def test_the_memory_figures_written_in_the_file_follow_from_the_architecture():
    for e in catalog():
        assert e.ram_bytes(8192) / GB == pytest.approx(e.ram_8k_gb, abs=0.051), e.id
        assert e.ram_bytes(e.context) / GB == pytest.approx(e.ram_full_gb, abs=0.051), e.id
        # The KV cache grows with the window; the weights do not.
        assert e.ram_bytes(e.context) > e.ram_bytes(8192) > e.size_bytes


def test_a_model_is_found_by_id_name_or_file():
    first = catalog()[0]
    assert find_entry(first.id) == first
    assert find_entry(first.name.upper()) == first
    assert find_entry(first.file) == first
    assert find_entry("no-such-model") is None


def test_a_big_machine_fits_every_model_and_a_small_one_only_the_small_ones():
    assert all(f.status == "fits" for f in fits_for(machine(64)))
    small = {f.entry.id: f for f in fits_for(machine(3))}
    smallest = catalog()[0]
    assert small[smallest.id].status in ("fits", "shorter")
    largest = catalog()[-1]
    assert small[largest.id].status == "too big"
    assert "too big" in small[largest.id].label and "GB" in small[largest.id].label


def test_a_long_window_that_does_not_fit_is_offered_shorter():
    entry = max(catalog(), key=lambda e: e.ram_full_gb)  # a 128k-window model
    budget_gb = (entry.ram_8k_gb + entry.ram_full_gb) / 2
    result = fit(entry, machine(budget_gb + 0.5))
    assert result.status == "shorter"
    assert 8192 <= result.window < entry.context
    assert f"({result.window:,} tokens)" in result.label
    assert entry.ram_bytes(result.window) <= (budget_gb + 0.5) * GB


def test_a_gpu_with_room_runs_the_model():
    entry = catalog()[-1]
    assert fit(entry, machine(4, gpu="cuda", gpu_gb=24)).on == "GPU"
    assert "on the GPU" in fit(entry, machine(4, gpu="cuda", gpu_gb=24)).label
    assert fit(entry, machine(32, gpu="cuda", gpu_gb=1)).on == "CPU"


def test_exactly_one_model_is_recommended_and_it_fits():
    for ram in (3, 8, 16, 64):
        fits = fits_for(machine(ram))
        chosen = [f for f in fits if f.recommended]
        assert len(chosen) == 1, ram
        assert chosen[0].status != "too big" and chosen[0].window >= 8192


def test_a_faster_machine_is_recommended_a_bigger_model():
    slow = next(f for f in fits_for(machine(64)) if f.recommended)
    fast = next(f for f in fits_for(machine(64, gpu="cuda", gpu_gb=48)) if f.recommended)
    assert fast.entry.params_b > slow.entry.params_b


def test_measured_speeds_replace_the_estimates():
    entry = catalog()[0]
    speeds = {
        f"{entry.file}@llama.cpp": {
            "prefill_tok_s": 123.0,
            "decode_tok_s": 7.5,
            "size_bytes": 1,
            "device": "cpu",
        }
    }
    result = fit(entry, machine(16), speeds)
    assert result.measured and result.decode_tok_s == 7.5 and result.prefill_tok_s == 123.0
    # ... and a measured model also scales the estimates for the ones not measured yet.
    other = catalog()[-1]
    measured_small = {
        f"{entry.file}@llama.cpp": {
            "prefill_tok_s": 100.0,
            "decode_tok_s": 1.0,
            "size_bytes": entry.size_bytes,
            "device": "cpu",
        }
    }
    estimated = next(f for f in fits_for(machine(64), measured_small) if f.entry == other)
    assert not estimated.measured
    assert estimated.decode_tok_s == pytest.approx(entry.size_bytes / other.size_bytes, rel=0.01)


def test_the_downloaded_files_header_is_checked_against_the_entry(tmp_path):
    from core.llm.catalog import gguf_metadata
    from tests.core.llm.tiny_gguf import make_tiny_gguf

    path = make_tiny_gguf(tmp_path / "tiny.gguf")
    meta = gguf_metadata(path)
    arch = meta["general.architecture"]
    heads = meta[f"{arch}.attention.head_count"]
    entry = CatalogEntry(
        id="tiny",
        name="Tiny",
        repo="test/tiny",
        file="tiny.gguf",
        quant="F16",
        size_mb=1,
        params_b=0.01,
        context=meta[f"{arch}.context_length"],
        layers=meta[f"{arch}.block_count"],
        kv_heads=meta.get(f"{arch}.attention.head_count_kv", heads),
        head_dim=meta[f"{arch}.embedding_length"] // heads,
        licence="MIT",
        ram_8k_gb=0,
        ram_full_gb=0,
        why="test",
    )
    assert entry.header_problems(path) == []
    wrong = dataclasses.replace(entry, layers=entry.layers + 1)
    problems = wrong.header_problems(path)
    assert len(problems) == 1 and "layers" in problems[0]
