"""How fast the bundled model runs here: prefill, decode, and time to first token with a kept
KV cache. Medians over repeats; ratios against baselines measured in the same run.

    python bench/llm_speed.py [--repeats N] [--dtypes float32,bfloat16] [--lengths 1000,4000]

Baselines: transformers' own `generate()` on the same weights (decode), and llama.cpp on the same
GGUF when `llama_cpp` is importable (the optional extra).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.core.llm import texts  # the same seeded documents the tests use


def median(values):
    return statistics.median(values)


def prefill_rate(backend, tokens: int, repeats: int) -> float:
    """Prompt tokens per second for a cold prompt of about `tokens` tokens."""
    rates = []
    for r in range(repeats):
        document = texts.planted(backend.count_tokens, tokens - 60, seed=100 + r)
        backend.prefix_cache.clear_memory()
        backend.prefix_cache.directory = None  # cold: nothing from memory or disk
        list(backend.stream(texts.ask(document), max_new_tokens=1))
        stats = backend.last_stats
        rates.append((stats.prompt_tokens - stats.cached_tokens) / stats.prefill_s)
    return median(rates)


def decode_rate(backend, repeats: int, new_tokens: int = 64) -> float:
    rates = []
    for _ in range(repeats):
        messages = [{"role": "user", "content": "Write a long story about a lighthouse keeper."}]
        backend.prefix_cache.clear_memory()
        list(backend.stream(messages, max_new_tokens=new_tokens))
        rates.append(backend.last_stats.decode_tok_s)
    return median(rates)


def generate_decode_rate(backend, repeats: int, new_tokens: int = 64) -> float:
    """transformers' generate() on the same model: the baseline our loop is measured against."""
    import torch

    ids = backend.encode(
        [{"role": "user", "content": "Write a long story about a lighthouse keeper."}]
    )
    rates = []
    for _ in range(repeats):
        with torch.inference_mode():
            start = time.perf_counter()
            out = backend.model.generate(
                torch.tensor([ids]),
                max_new_tokens=new_tokens,
                min_new_tokens=new_tokens,
                do_sample=False,
                pad_token_id=backend.tokenizer.eos_token_id,
            )
            elapsed = time.perf_counter() - start
        rates.append((out.shape[1] - len(ids)) / elapsed)
    return median(rates)


def ttft(backend, repeats: int, tmp: Path) -> tuple[float, float, float]:
    """(cold, kept in memory, kept on disk after a restart) time to first token, ~6k tokens."""
    from core.llm.kvcache import PrefixCache

    document = texts.planted(backend.count_tokens, 6000)
    cold, memory, disk = [], [], []
    for r in range(repeats):
        folder = tmp / f"kv{r}"
        backend.prefix_cache = PrefixCache("bench", folder, config=backend.config)
        list(backend.stream(texts.ask(document, "Who won the rowing race?"), max_new_tokens=1))
        cold.append(backend.last_stats.first_token_s or backend.last_stats.prefill_s)
        list(backend.stream(texts.ask(document, "Who moved to the coast?"), max_new_tokens=1))
        memory.append(backend.last_stats.first_token_s or backend.last_stats.prefill_s)
        backend.prefix_cache = PrefixCache("bench", folder, config=backend.config)  # "restart"
        list(backend.stream(texts.ask(document, "Who kept bees?"), max_new_tokens=1))
        disk.append(backend.last_stats.first_token_s or backend.last_stats.prefill_s)
    return median(cold), median(memory), median(disk)


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dtypes", default="float32")
    parser.add_argument("--lengths", default="1000,4000,8000")
    args = parser.parse_args()

    from core.llm.spec import parse
    from core.llm.transformers_backend import TransformersBackend

    rows = []
    for dtype in args.dtypes.split(","):
        backend = TransformersBackend(parse("default"), dtype=dtype)
        print(f"\n== transformers backend, {dtype}, {backend.device} ==", flush=True)
        for length in (int(x) for x in args.lengths.split(",")):
            rate = prefill_rate(backend, length, args.repeats)
            print(f"prefill {length:>5} tokens: {rate:7.0f} tok/s", flush=True)
        print(f"decode path: {backend.decode_path}", flush=True)
        ours = decode_rate(backend, args.repeats)
        fast, backend.fast = backend.fast, None  # the same loop on transformers' own forward
        plain = decode_rate(backend, args.repeats)
        backend.fast = fast
        theirs = generate_decode_rate(backend, args.repeats)
        print(
            f"decode: {ours:.1f} tok/s; transformers forward in the same loop {plain:.1f} tok/s "
            f"({ours / plain:.2f}x); transformers generate() {theirs:.1f} tok/s "
            f"({ours / theirs:.2f}x)",
            flush=True,
        )
        with tempfile.TemporaryDirectory() as tmp:
            cold, memory, disk = ttft(backend, args.repeats, Path(tmp))
        print(
            f"time to first token, 6k-token document: cold {cold:.2f} s, kept in memory "
            f"{memory:.3f} s ({cold / memory:.0f}x faster), from disk after a restart "
            f"{disk:.3f} s ({cold / disk:.0f}x faster)",
            flush=True,
        )
        rows.append((dtype, ours))
        del backend

    from core.llm.llamacpp_backend import available

    if available():
        from core.llm.llamacpp_backend import LlamaCppBackend

        cpp = LlamaCppBackend(parse("default"))
        rates = []
        for _ in range(args.repeats):
            list(
                cpp.stream(
                    [{"role": "user", "content": "Write a long story about a lighthouse keeper."}],
                    max_new_tokens=64,
                )
            )
            rates.append(cpp.last_stats.new_tokens / cpp.last_stats.decode_s)
        cpp_rate = median(rates)
        print(f"\nllama.cpp decode on the same GGUF: {cpp_rate:.1f} tok/s")
        for dtype, ours in rows:
            print(f"  transformers {dtype} / llama.cpp = {ours / cpp_rate:.2f}")
    else:
        print(
            "\nllama.cpp is not installed (pip install 'longread[llamacpp]'): no ratio against it"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
