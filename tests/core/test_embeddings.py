"""The embedder with the real bundled model: vectors, precision, the content cache, errors."""

from __future__ import annotations

import shutil
import threading

import numpy as np
import pytest

from core.chunking import content_hash
from core.embeddings import Embedder, bundled_model_path, default_embedder, embed_cached
from core.errors import ModelError
from tests.core import prose

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return default_embedder()


def test_vectors_are_unit_length_in_the_order_given(embedder):
    texts = [*prose.paragraphs()[:40], "short", "a somewhat longer sentence about the sea"]

    vectors = embedder.embed(texts)

    assert vectors.shape == (42, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    # Sorting by length inside must not shuffle the rows: each text alone gives its own row.
    for i in (0, 17, 40, 41):
        assert float(embedder.embed_query(texts[i]) @ vectors[i]) > 0.995


def test_similar_meaning_is_closer_than_different_meaning(embedder):
    a, b, c = embedder.embed(
        [
            "The lighthouse keeper feeds his cats fish every morning.",
            "Each morning the man who tends the lighthouse gives his cats some fish.",
            "Quarterly revenue rose because of strong demand for industrial pumps.",
        ]
    )
    assert a @ b > 0.7 and a @ c < 0.2


def test_bf16_gives_the_same_results_as_fp32():
    # bf16 is what makes embedding ~3x faster on CPUs that have it; it must not change what
    # a search finds.
    fast, exact = Embedder(precision="bfloat16"), Embedder(precision="float32")
    passages = list(prose.paragraphs()[:60])
    questions = [
        "how do I parse command line options",
        "send an email through a mail server",
        "compress files into an archive",
        "run another program and read what it prints",
        "compute the median of some numbers",
    ]
    p16, p32 = fast.embed(passages), exact.embed(passages)
    q16, q32 = fast.embed(questions), exact.embed(questions)

    assert fast.dtype_name == "bfloat16" and exact.dtype_name == "float32"
    assert float(np.min(np.sum(p16 * p32, axis=1))) > 0.99
    for i in range(len(questions)):
        top16 = np.argsort(-(p16 @ q16[i]))[:5]
        top32 = np.argsort(-(p32 @ q32[i]))[:5]
        assert top16[0] == top32[0]
        assert len(set(top16) & set(top32)) >= 4


def test_cached_vectors_are_reused_and_equal_texts_embedded_once(embedder):
    texts = ["alpha passage", "beta passage", "alpha passage", "gamma passage"]
    hashes = [content_hash(t) for t in texts]
    known = {content_hash("beta passage"): np.full(384, 0.5, dtype=np.float32)}
    asked: list[list[bytes]] = []

    def stored(wanted):
        asked.append(list(wanted))
        return {h: v for h, v in known.items() if h in wanted}

    vectors, embedded = embed_cached(embedder, texts, hashes, stored)

    assert embedded == 2  # alpha once, gamma once; beta came from the store
    assert len(asked) == 1 and len(asked[0]) == 3  # one lookup, of the distinct hashes
    assert np.array_equal(vectors[1], known[hashes[1]])
    assert np.array_equal(vectors[0], vectors[2])
    assert float(vectors[3] @ embedder.embed_query("gamma passage")) > 0.999


def test_embedding_stops_when_cancelled(embedder):
    cancel = threading.Event()
    seen = []

    def on_progress(done, total, _message):
        seen.append(done)
        cancel.set()

    with pytest.raises(InterruptedError):
        embedder.embed(list(prose.paragraphs()[:100]), on_progress=on_progress, cancel=cancel)
    assert seen == [32]


def test_a_missing_or_broken_model_folder_is_explained(tmp_path):
    with pytest.raises(ModelError, match="was not found") as missing:
        Embedder(tmp_path / "nowhere")
    assert "sentence-transformers model" in str(missing.value)

    broken = tmp_path / "broken"
    shutil.copytree(bundled_model_path(), broken)
    (broken / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="incomplete"):
        Embedder(broken)

    garbled = tmp_path / "garbled"
    shutil.copytree(bundled_model_path(), garbled)
    (garbled / "model.safetensors").write_bytes(b"not a tensor file" * 100)
    model = Embedder(garbled)
    with pytest.raises(ModelError, match="could not be loaded"):
        model.embed(["anything"])


def test_any_sentence_transformers_folder_can_be_used(tmp_path):
    copy = shutil.copytree(bundled_model_path(), tmp_path / "my-model")
    mine = Embedder(copy, precision="float32")
    assert mine.name == "my-model"
    assert mine.key.split(":")[1] == Embedder().key.split(":")[1]  # same files, same vectors
    assert float(mine.embed_query("hello") @ Embedder().embed_query("hello")) > 0.99


def test_onnx_runtime_gives_the_vectors_torch_gives(onnx_model_folder):
    # The installers' CPU edition embeds on ONNX Runtime: a library made with torch must be
    # searched with the same vectors, so it is not embedded again.
    onnx = Embedder(onnx_model_folder, engine="onnx")
    torch_path = Embedder(onnx_model_folder, engine="torch", precision="float32")
    long_text = " ".join(prose.paragraphs()[:8])  # past the 256 tokens the model reads
    texts = [*prose.paragraphs()[:40], "short", long_text]

    a, b = onnx.embed(texts), torch_path.embed(texts)

    assert a.shape == b.shape == (42, 384)
    assert float(np.min(np.sum(a * b, axis=1))) > 0.999
    assert onnx.key == torch_path.key
    assert onnx.key.split(":")[1] == Embedder(engine="torch").key.split(":")[1]
    assert onnx.engine == "onnx" and "ONNX Runtime" in onnx.device_label


def test_the_onnx_copy_alone_embeds_under_the_same_key(onnx_model_folder, tmp_path):
    # The CPU edition's bundle leaves the torch weights out: its library's vectors must still
    # be known as the same model's.
    alone = shutil.copytree(onnx_model_folder, tmp_path / "onnx-only")
    (alone / "model.safetensors").unlink()
    onnx = Embedder(alone, engine="onnx")
    full = Embedder(onnx_model_folder, engine="torch", precision="float32")
    assert onnx.key.split(":")[1] == full.key.split(":")[1]
    text = "The ferry leaves the harbour at seven."
    assert float(onnx.embed_query(text) @ full.embed_query(text)) > 0.999


def test_onnx_without_its_copy_is_explained(tmp_path):
    copy = shutil.copytree(bundled_model_path(), tmp_path / "no-onnx")
    with pytest.raises(ModelError, match="no ONNX copy") as error:
        Embedder(copy, engine="onnx").embed(["anything"])
    assert "Reinstall Longread" in error.value.hint


def test_a_plain_folder_embeds_as_sentence_transformers_does_without_importing_it(tmp_path):
    # Importing sentence-transformers brings scikit-learn, SciPy and pandas (~0.9 s at every
    # start): the built-in model runs without it, with the same vectors.
    from core.embeddings import _SentenceTransformersModel, _TorchModel

    texts = [*prose.paragraphs()[:30], "short", " ".join(prose.paragraphs()[:8])]
    import torch

    folder = bundled_model_path()
    lean = _TorchModel(folder, "cpu", torch.float32)
    library = _SentenceTransformersModel(folder, "cpu", torch.float32)
    (a, tokens_a), (b, tokens_b) = lean.encode(texts), library.encode(texts)
    assert tokens_a == tokens_b
    assert float(np.abs(a - b).max()) < 1e-5

    import subprocess
    import sys

    script = (
        "import sys; from core.embeddings import Embedder; e = Embedder(); "
        "v = e.embed_query('hello'); "
        "print(type(e._model).__name__, 'sentence_transformers' in sys.modules, v.shape[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    ).stdout.split()
    assert out == ["_TorchModel", "False", "384"]


def test_a_folder_with_other_modules_goes_through_sentence_transformers(tmp_path):
    import json

    copy = shutil.copytree(bundled_model_path(), tmp_path / "with-dense")
    modules = json.loads((copy / "modules.json").read_text())
    modules.append({"idx": 3, "name": "3", "path": "3_Dense", "type": "custom_code.Dense"})
    (copy / "modules.json").write_text(json.dumps(modules))
    from core.embeddings import _plain_folder

    assert _plain_folder(bundled_model_path()) and not _plain_folder(copy)


def test_a_model_without_segment_ids_embeds_as_sentence_transformers_does(tmp_path):
    # DistilBERT and MPNet folders (all-mpnet-base-v2 is a common choice) take no
    # token_type_ids: a small DistilBERT with the built-in model's tokenizer and pooling.
    import torch
    from transformers import DistilBertConfig, DistilBertModel

    from core.embeddings import _SentenceTransformersModel, _TorchModel

    folder = tmp_path / "tiny-distilbert"
    shutil.copytree(bundled_model_path(), folder)
    (folder / "model.safetensors").unlink()
    torch.manual_seed(0)
    config = DistilBertConfig(vocab_size=30522, dim=64, n_layers=2, n_heads=2, hidden_dim=128)
    DistilBertModel(config).save_pretrained(folder)
    pooling = folder / "1_Pooling" / "config.json"
    pooling.write_text(pooling.read_text().replace("384", "64"))
    texts = [*prose.paragraphs()[:6], "short"]

    (a, _), (b, _) = (
        _TorchModel(folder, "cpu", torch.float32).encode(texts),
        _SentenceTransformersModel(folder, "cpu", torch.float32).encode(texts),
    )
    assert a.shape == (7, 64) and float(np.abs(a - b).max()) < 1e-5
