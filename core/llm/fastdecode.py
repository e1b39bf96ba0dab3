"""A lean decode step for Llama-family models on the CPU.

Generating one token through transformers' model costs ~30 ms of framework work here (attention
masks, cache bookkeeping, module calls, flash-attention set-up for a single query) on top of the
matrix products; for a small model that is most of the time. `FastDecoder.step` does the same
arithmetic for one new token with a few torch calls a layer, on the same KV cache the prompt was
prefilled into, so prefill stays in transformers (where large matrix products dominate) and only
the token-by-token loop changes.

Weights that arrive as 4-bit groups of 32 (GGUF Q4_0/Q4_1: one scale and one offset per group)
are kept in torch's packed int4 layout, which stores the same numbers in a quarter of bf16's
bytes. Decoding reads every weight once a token, so this is where the time goes. The packing is
used only when it is lossless (every weight is its group's offset plus a whole multiple of its
scale); any other weight stays in the model's dtype. Checking and packing every weight takes
~0.4 s at each start here, so the packed weights of a converted GGUF model are kept beside it
(`PackedStore`) and read back at the next start.
"""

from __future__ import annotations

import os

GROUP = 32  # GGUF's 4-bit formats hold 32 weights per scale


def unsupported(model) -> str | None:
    """Why `model` cannot use the fast step (None when it can)."""
    import torch

    config = model.config
    if os.environ.get("LONGREAD_FAST_DECODE", "1") == "0":
        return "turned off by LONGREAD_FAST_DECODE=0"
    if getattr(config, "model_type", "") != "llama":
        return f"model type {getattr(config, 'model_type', '?')}"
    if model.device.type != "cpu":
        return "not on the CPU"
    if model.dtype not in (torch.float32, torch.bfloat16):
        return f"dtype {model.dtype}"
    if getattr(config, "attention_bias", False) or getattr(config, "mlp_bias", False):
        return "biases"
    if getattr(config, "hidden_act", "silu") != "silu":
        return f"activation {config.hidden_act}"
    if getattr(config, "pretraining_tp", 1) != 1:
        return "tensor-parallel weights"
    return None


class PackedStore:
    """The packed weights of one model in a safetensors file: read when the file is there
    (a weight it leaves out was not packable), else gathered as they are packed and written
    by `save`. A damaged file is packed again, never an error."""

    DONE = "_complete"  # a marker tensor: the file was written whole

    def __init__(self, file=None) -> None:
        self.file = file
        self.known: dict | None = None
        self.fresh: dict = {}
        if file is not None and file.is_file():
            try:
                from safetensors.torch import load_file

                tensors = load_file(str(file))
                self.known = tensors if self.DONE in tensors else None
            except Exception:  # whatever a damaged file makes safetensors raise: pack again
                self.known = None

    def save(self) -> None:
        if self.file is None or self.known is not None:
            return
        import os

        import torch
        from safetensors.torch import save_file

        tmp = self.file.with_name(f"{self.file.name}.tmp{os.getpid()}")
        try:
            save_file({**self.fresh, self.DONE: torch.zeros(1)}, str(tmp))
            os.replace(tmp, self.file)
        except OSError:  # a full or read-only disk: packed again at the next start
            tmp.unlink(missing_ok=True)


class _Linear:
    """y = x @ W.T, with W packed as int4 groups when that is exact, else as it was."""

    def __init__(self, weight, dtype, pack: bool = True, name: str = "", store=None) -> None:
        self.out_features = weight.shape[0]
        self.dense = None
        self.packed = None
        if pack and store is not None and store.known is not None:
            if f"{name}.packed" in store.known:
                self.packed = store.known[f"{name}.packed"]
                self.scales = store.known[f"{name}.scales"]
        elif pack:
            self._pack(weight)
            if self.packed is not None and store is not None:
                store.fresh[f"{name}.packed"] = self.packed
                store.fresh[f"{name}.scales"] = self.scales
        if self.packed is None:
            self.dense = weight.detach().to(dtype).contiguous()

    def _pack(self, weight) -> None:
        import torch

        out, inner = weight.shape
        if inner % GROUP or out % 8:
            return
        w = weight.detach().float().reshape(out, inner // GROUP, GROUP)
        low = w.amin(-1)
        scale = (w.amax(-1) - low) / 15
        safe = torch.where(scale > 0, scale, torch.ones_like(scale))
        q = torch.round((w - low[..., None]) / safe[..., None]).clamp(0, 15)
        # Lossless only: each weight must sit on its group's 16-step grid.
        error = (q * scale[..., None] + low[..., None] - w).abs()
        if bool((error > 1e-3 * safe[..., None] + 1e-7).any()):
            return
        try:
            packed = torch.ops.aten._convert_weight_to_int4pack_for_cpu(
                q.to(torch.int32).reshape(out, inner), 1
            )
        except (RuntimeError, AttributeError):  # a torch without the CPU int4 kernels
            return
        # The kernel computes (q - 8) * scale + zero per group.
        zeros = low + 8 * scale
        self.scales = torch.stack([scale, zeros], -1).transpose(0, 1).contiguous()
        self.scales = self.scales.to(torch.bfloat16)
        self.packed = packed

    def __call__(self, x):
        import torch

        if self.packed is not None:
            return torch.ops.aten._weight_int4pack_mm_for_cpu(
                x.to(torch.bfloat16), self.packed, GROUP, self.scales
            )
        return torch.nn.functional.linear(x.to(self.dense.dtype), self.dense)


class _Layer:
    def __init__(self, index: int, layer, dtype, weight, pack: bool, store) -> None:
        import torch

        def w(name: str):
            return weight(f"model.layers.{index}.{name}.weight", layer.get_submodule(name))

        def linear(part: str, *names: str):
            tensor = torch.cat([w(n) for n in names]) if len(names) > 1 else w(names[0])
            return _Linear(tensor, dtype, pack, f"layers.{index}.{part}", store)

        self.qkv = linear("qkv", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj")
        self.o = linear("o", "self_attn.o_proj")
        self.gate_up = linear("gate_up", "mlp.gate_proj", "mlp.up_proj")
        self.down = linear("down", "mlp.down_proj")
        self.norm1 = layer.input_layernorm.weight.detach().float()
        self.norm2 = layer.post_attention_layernorm.weight.detach().float()


class FastDecoder:
    """One-token forward steps over a Llama-family model's weights and a transformers cache.

    `weights_file`: the safetensors file the model was loaded from. Its full-precision weights
    are what can be packed losslessly (the model's own copy may already be rounded to bf16).
    `packed_file`: where the packed weights are kept between starts (None: packed each time).
    """

    def __init__(self, model, weights_file=None, packed_file=None) -> None:
        import torch

        source = None
        if weights_file is not None:
            from safetensors import safe_open

            source = safe_open(str(weights_file), "pt")
        names = set(source.keys()) if source is not None else set()

        def weight(name: str, module):
            if name in names and source is not None:
                return source.get_tensor(name)
            return module.weight.detach()

        from core.device import cpu_has_native_bf16

        config = model.config
        self.dtype = model.dtype
        # The int4 kernels take bf16 inputs: fast only where the CPU does bf16 in hardware.
        pack = cpu_has_native_bf16()
        store = PackedStore(packed_file if pack else None)
        self.layers = [
            _Layer(i, layer, self.dtype, weight, pack, store)
            for i, layer in enumerate(model.model.layers)
        ]
        store.save()
        self.heads = config.num_attention_heads
        self.kv_heads = getattr(config, "num_key_value_heads", None) or self.heads
        self.head_dim = getattr(config, "head_dim", None) or config.hidden_size // self.heads
        self.eps = config.rms_norm_eps
        self.norm = model.model.norm.weight.detach().float()
        self.embed = model.model.embed_tokens.weight.detach()
        self.lm_head = model.lm_head.weight.detach()
        self.rotary = model.model.rotary_emb
        self.intermediate = config.intermediate_size
        self.scale = self.head_dim**-0.5
        kv_width = self.kv_heads * self.head_dim
        self._split = [self.heads * self.head_dim, kv_width, kv_width]
        parts = [
            p for layer in self.layers for p in (layer.qkv, layer.o, layer.gate_up, layer.down)
        ]
        self.packed_share = sum(p.packed is not None for p in parts) / max(len(parts), 1)
        self._torch = torch

    def _rms(self, x, weight):
        torch = self._torch
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * weight

    def step(self, token: int, position: int, cache):
        """Logits (1, 1, vocab) for `token` at `position`; appends its keys and values to
        `cache` (a transformers cache whose layers hold positions 0 .. position - 1)."""
        torch = self._torch
        heads, kv_heads, dim = self.heads, self.kv_heads, self.head_dim
        group = heads // kv_heads
        x = self.embed[token].float().unsqueeze(0)  # the residual stream, in fp32
        cos, sin = self.rotary(x, torch.tensor([[position]]))
        cos, sin = cos[0].float(), sin[0].float()  # (1, dim)
        half = dim // 2
        for layer, kv in zip(self.layers, cache.layers, strict=False):
            h = self._rms(x, layer.norm1)
            q, k, v = layer.qkv(h).float().split(self._split, dim=-1)
            q = q.view(heads, dim)
            k = k.view(kv_heads, dim)
            q = q * cos + torch.cat((-q[:, half:], q[:, :half]), -1) * sin
            k = k * cos + torch.cat((-k[:, half:], k[:, :half]), -1) * sin
            keys, values = kv.update(
                k.to(self.dtype).view(1, kv_heads, 1, dim),
                v.to(self.dtype).view(1, kv_heads, 1, dim),
            )
            # One query against every kept position, each key head serving `group` query heads.
            scores = torch.matmul(q.view(kv_heads, group, dim).to(keys.dtype), keys[0].mT)
            weights = torch.softmax(scores.float() * self.scale, dim=-1)
            attended = torch.matmul(weights.to(values.dtype), values[0])  # (kv, group, dim)
            x = x + layer.o(attended.reshape(1, heads * dim)).float()
            h = self._rms(x, layer.norm2)
            gate, up = layer.gate_up(h).float().split(self.intermediate, dim=-1)
            x = x + layer.down(torch.nn.functional.silu(gate) * up).float()
        x = self._rms(x, self.norm)
        logits = torch.nn.functional.linear(x.to(self.lm_head.dtype), self.lm_head)
        return logits.view(1, 1, -1)
