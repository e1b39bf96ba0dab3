"""How fast a model runs here on each runtime: prefill (1k/4k/8k tokens), decode, and time to
first token cold, with the KV cache kept in memory, and from disk after a restart. Medians over
repeats; ratios against baselines measured in the same run.

    python bench/llm_speed.py [--model SPEC] [--repeats N] [--dtypes float32] [--lengths 1000,4000]
                              [--prefill-only]

Runtimes: the built-in torch path (with transformers' own `generate()` as its decode baseline,
and transformers' own SDPA attention as its prefill baseline where the backend reads prompts
with another) and llama.cpp on the same GGUF when `llama_cpp` is importable. The last table is
the one Longread's default runtime choice rests on (core.llm.runtime).
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


def forget(backend) -> None:
    """Cold: nothing kept from an earlier prompt, in memory or on disk."""
    if hasattr(backend, "prefix_cache"):
        backend.prefix_cache.flush()  # a copy still being written needs its folder
        backend.prefix_cache.clear_memory()
        backend.prefix_cache.directory = None
    else:
        backend.forget()
        backend.states = None


def prefill_rates(backend, tokens: int, repeats: int) -> dict[str, float]:
    """Prompt tokens per second for a cold prompt of about `tokens` tokens, by the attention
    that read it: the backend's own and, where that is not transformers' SDPA, SDPA too, taking
    turns on the same documents so that a busy machine slows both alike."""
    model = getattr(backend, "model", None)  # the torch path's transformers model
    own = model.config._attn_implementation if model is not None else "llama.cpp"
    attentions = [own] if model is None or own == "sdpa" else [own, "sdpa"]
    rates: dict[str, list[float]] = {name: [] for name in attentions}
    try:
        for r in range(repeats):
            document = texts.planted(backend.count_tokens, tokens - 60, seed=100 + r)
            for name in attentions:
                if model is not None:
                    model.set_attn_implementation(name)
                forget(backend)
                list(backend.stream(texts.ask(document), max_new_tokens=1))
                stats = backend.last_stats
                rates[name].append((stats.prompt_tokens - stats.cached_tokens) / stats.prefill_s)
    finally:
        if model is not None:
            model.set_attn_implementation(own)
    return {name: median(values) for name, values in rates.items()}


def decode_rate(backend, repeats: int, new_tokens: int = 64) -> float:
    rates = []
    for _ in range(repeats):
        messages = [{"role": "user", "content": "Write a long story about a lighthouse keeper."}]
        forget(backend)
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


def ttft(
    backend, repeats: int, tmp: Path, reopen, tokens: int = 6000
) -> tuple[float, float, float]:
    """(cold, kept in memory, kept on disk after a restart) time to first token for a document
    of `tokens` tokens. `reopen(backend, folder)` points the backend's saved caches at `folder`,
    as a fresh start."""
    document = texts.planted(backend.count_tokens, tokens)
    cold, memory, disk = [], [], []
    for r in range(repeats):
        folder = tmp / f"kv{r}"
        forget(backend)
        reopen(backend, folder)
        list(backend.stream(texts.ask(document, "Who won the rowing race?"), max_new_tokens=1))
        cold.append(backend.last_stats.first_token_s or backend.last_stats.prefill_s)
        list(backend.stream(texts.ask(document, "Who moved to the coast?"), max_new_tokens=1))
        memory.append(backend.last_stats.first_token_s or backend.last_stats.prefill_s)
        forget(backend)
        reopen(backend, folder)  # "restart": nothing in memory, the saved copy on disk
        list(backend.stream(texts.ask(document, "Who kept bees?"), max_new_tokens=1))
        disk.append(backend.last_stats.first_token_s or backend.last_stats.prefill_s)
    return median(cold), median(memory), median(disk)


def reopen_torch(backend, folder: Path) -> None:
    from core.llm.kvcache import PrefixCache

    backend.prefix_cache = PrefixCache("bench", folder, config=backend.config)


def reopen_llamacpp(backend, folder: Path) -> None:
    from core.llm.llamacpp_backend import StateFiles

    backend.states = StateFiles(folder)


def measure(backend, args, tmp: Path, reopen) -> dict:
    row = {}
    for length in (int(x) for x in args.lengths.split(",")):
        rates = prefill_rates(backend, length, args.repeats)
        own, rate = next(iter(rates.items()))
        row[f"prefill {length // 1000}k"] = rate
        line = f"prefill {length:>5} tokens: {rate:7.0f} tok/s"
        if "sdpa" in rates and own != "sdpa":
            baseline = rates["sdpa"]
            line += f" ({own}); transformers' sdpa {baseline:.0f} tok/s ({rate / baseline:.2f}x)"
        print(line, flush=True)
    if args.prefill_only:
        return row
    row["decode"] = decode_rate(backend, args.repeats)
    print(f"decode ({backend.decode_path}): {row['decode']:.1f} tok/s", flush=True)
    cold, memory, disk = ttft(backend, args.repeats, tmp, reopen, args.ttft_tokens)
    row.update({"TTFT cold": cold, "TTFT memory": memory, "TTFT disk": disk})
    print(
        f"time to first token, {args.ttft_tokens:,}-token document: cold {cold:.2f} s, "
        f"kept in memory {memory:.3f} s ({cold / memory:.0f}x faster), from disk after a restart "
        f"{disk:.3f} s ({cold / disk:.0f}x faster)",
        flush=True,
    )
    return row


def synthetic_model() -> Path:
    """A Q8_0 Llama of ~0.4B parameters (28 layers, width 1024, 8 KV heads; random weights:
    its text is nonsense, its speed is that of a real model of this shape), made once."""
    import tempfile

    from tests.core.llm.tiny_gguf import TinyLlama, make_tiny_gguf

    path = Path(tempfile.gettempdir()) / "longread-bench" / "synthetic-0.4b-Q8_0.gguf"
    if not path.exists():
        print("Making the synthetic model (once)…", flush=True)
        shape = TinyLlama(
            layers=28,
            hidden=1024,
            heads=16,
            kv_heads=8,
            feed_forward=3072,
            context=8192,
            quant="Q8_0",
        )
        tmp = make_tiny_gguf(path.with_suffix(".tmp.gguf"), shape)
        tmp.rename(path)
    return path


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--model",
        default="default",
        help="a model spec (default: the bundled one), or `synthetic`: a 0.4B-parameter Q8_0 "
        "Llama with random weights, the size class of the catalog's smallest models",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dtypes", default="float32")
    parser.add_argument("--lengths", default="1000,4000,8000")
    parser.add_argument("--ttft-tokens", type=int, default=6000)
    parser.add_argument(
        "--prefill-only", action="store_true", help="measure prefill alone, on the torch path"
    )
    args = parser.parse_args()

    from core.llm.spec import parse
    from core.llm.transformers_backend import TransformersBackend

    if args.model == "synthetic":
        args.model = f"gguf:{synthetic_model()}"
    spec = parse(args.model)
    table: dict[str, dict] = {}
    tmp = Path(tempfile.mkdtemp(prefix="llm-speed-"))
    for dtype in args.dtypes.split(","):
        backend = TransformersBackend(spec, dtype=dtype)
        print(f"\n== torch path, {dtype}, {backend.device} ==", flush=True)
        row = table[f"torch {dtype}"] = measure(backend, args, tmp / dtype, reopen_torch)
        if args.prefill_only:
            continue
        fast, backend.fast = backend.fast, None  # the same loop on transformers' own forward
        plain = decode_rate(backend, args.repeats)
        backend.fast = fast
        theirs = generate_decode_rate(backend, args.repeats)
        print(
            f"decode: transformers forward in the same loop {plain:.1f} tok/s "
            f"({row['decode'] / plain:.2f}x); transformers generate() {theirs:.1f} tok/s "
            f"({row['decode'] / theirs:.2f}x)",
            flush=True,
        )
        del backend

    from core.llm.llamacpp_backend import available

    if args.prefill_only:
        print("\nllama.cpp: not measured (--prefill-only)")
    elif available() and spec.kind == "gguf":
        from core.llm.llamacpp_backend import LlamaCppBackend

        cpp = LlamaCppBackend(spec)
        print(f"\n== llama.cpp, {cpp.device} ({cpp.decode_path}) ==", flush=True)
        table["llama.cpp"] = measure(cpp, args, tmp / "llamacpp", reopen_llamacpp)
    else:
        print("\nllama.cpp is not installed (pip install 'longread[llamacpp]'): not compared")
    columns = list(next(iter(table.values())))
    print("\n" + "runtime".ljust(16) + "".join(c.rjust(13) for c in columns))
    for name, row in table.items():
        cells = [f"{row[c]:.0f} tok/s" if "TTFT" not in c else f"{row[c]:.3f} s" for c in columns]
        print(name.ljust(16) + "".join(cell.rjust(13) for cell in cells))
    if "llama.cpp" in table and len(table) > 1:
        base = next(iter(table))
        ratios = [
            f"{c} {table['llama.cpp'][c] / table[base][c]:.2f}x"
            if "TTFT" not in c
            else f"{c} {table[base][c] / table['llama.cpp'][c]:.2f}x"
            for c in columns
        ]
        print(f"llama.cpp against {base} (>1: llama.cpp faster): " + ", ".join(ratios))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
