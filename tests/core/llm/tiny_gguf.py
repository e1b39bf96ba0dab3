"""A tiny but real GGUF language model for tests: the Llama architecture with seeded random
weights and the bundled model's tokenizer, small enough (about 7 MB) to serve and load in a
moment. It loads and generates (nonsense) in transformers and in llama.cpp alike."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class TinyLlama:
    layers: int = 2  # transformer blocks
    hidden: int = 64  # embedding width; the 49152-token embedding is most of the file
    heads: int = 4  # attention heads (head size hidden / heads = 16)
    kv_heads: int = 2  # key/value heads (grouped-query attention, as SmolLM2 has)
    feed_forward: int = 128  # width of each block's gated MLP
    context: int = 2048  # longest prompt plus answer, in tokens
    seed: int = 0  # the same weights on every run
    quant: str = "F32"  # the blocks' matrices: "F32", "F16" or "Q8_0" (as catalog files are)


def _tokenizer_fields() -> dict:
    """The bundled model's tokenizer: vocabulary, merges, special tokens and chat template."""
    import gguf

    from core.llm.spec import default_model_path

    reader = gguf.GGUFReader(default_model_path())

    def value(key: str):
        field = reader.get_field(key)
        return None if field is None else field.contents()

    return {
        "model": value("tokenizer.ggml.model"),
        "pre": value("tokenizer.ggml.pre"),
        "tokens": value("tokenizer.ggml.tokens"),
        "token_types": value("tokenizer.ggml.token_type"),
        "merges": value("tokenizer.ggml.merges"),
        "bos": value("tokenizer.ggml.bos_token_id"),
        "eos": value("tokenizer.ggml.eos_token_id"),
        "unk": value("tokenizer.ggml.unknown_token_id"),
        "pad": value("tokenizer.ggml.padding_token_id"),
        "chat_template": value("tokenizer.chat_template"),
    }


def make_tiny_gguf(path: str | Path, shape: TinyLlama = TinyLlama()) -> Path:
    """Write the tiny model to `path` (a .gguf file) and return the path."""
    import gguf

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tok = _tokenizer_fields()
    vocab = len(tok["tokens"])
    head_size = shape.hidden // shape.heads
    rng = np.random.default_rng(shape.seed)

    def weights(*dims: int) -> np.ndarray:
        # numpy order is (rows = outputs, columns = inputs); gguf stores the reverse order
        return (rng.standard_normal(dims) * 0.02).astype(np.float32)

    writer = gguf.GGUFWriter(path, gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.LLAMA])
    writer.add_name("Longread tiny test llama")
    writer.add_block_count(shape.layers)
    writer.add_context_length(shape.context)
    writer.add_embedding_length(shape.hidden)
    writer.add_feed_forward_length(shape.feed_forward)
    writer.add_head_count(shape.heads)
    writer.add_head_count_kv(shape.kv_heads)
    writer.add_rope_dimension_count(head_size)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(vocab)
    writer.add_file_type(
        gguf.LlamaFileType.MOSTLY_Q8_0 if shape.quant == "Q8_0" else gguf.LlamaFileType.MOSTLY_F16
    )

    writer.add_tokenizer_model(tok["model"])
    writer.add_tokenizer_pre(tok["pre"])
    writer.add_token_list(tok["tokens"])
    writer.add_token_types(tok["token_types"])
    writer.add_token_merges(tok["merges"])
    for add, value in (
        (writer.add_bos_token_id, tok["bos"]),
        (writer.add_eos_token_id, tok["eos"]),
        (writer.add_unk_token_id, tok["unk"]),
        (writer.add_pad_token_id, tok["pad"]),
    ):
        if value is not None:
            add(value)
    writer.add_add_bos_token(False)
    writer.add_add_space_prefix(False)
    if tok["chat_template"]:
        writer.add_chat_template(tok["chat_template"])

    # The token embedding in half precision keeps the file small; with no `output.weight` the
    # model reads its logits off the embedding (tied weights, as SmolLM2 does).
    writer.add_tensor("token_embd.weight", weights(vocab, shape.hidden).astype(np.float16))
    writer.add_tensor("output_norm.weight", np.ones(shape.hidden, dtype=np.float32))
    kv_width = shape.kv_heads * head_size
    for block in range(shape.layers):
        for name, tensor in (
            ("attn_norm", np.ones(shape.hidden, dtype=np.float32)),
            ("attn_q", weights(shape.hidden, shape.hidden)),
            ("attn_k", weights(kv_width, shape.hidden)),
            ("attn_v", weights(kv_width, shape.hidden)),
            ("attn_output", weights(shape.hidden, shape.hidden)),
            ("ffn_norm", np.ones(shape.hidden, dtype=np.float32)),
            ("ffn_gate", weights(shape.feed_forward, shape.hidden)),
            ("ffn_up", weights(shape.feed_forward, shape.hidden)),
            ("ffn_down", weights(shape.hidden, shape.feed_forward)),
        ):
            if tensor.ndim == 2 and shape.quant != "F32":
                kind = gguf.GGMLQuantizationType[shape.quant]
                writer.add_tensor(
                    f"blk.{block}.{name}.weight", gguf.quants.quantize(tensor, kind), raw_dtype=kind
                )
            else:
                writer.add_tensor(f"blk.{block}.{name}.weight", tensor)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
