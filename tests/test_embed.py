"""The embedding backends: the ONNX path gives the torch model's vectors (the reference), so
an archive built by one is searched by the other; the choice is made by $CS_ARCHIVE_BACKEND."""
from __future__ import annotations

import json

import numpy as np
import pytest

from cs_archive import embed
from cs_archive.embed import HashEmbedder, NotExportable, OnnxEmbedder, SentenceTransformerEmbedder, get_embedder

from conftest import REAL_MODEL, SEEDS

TEXTS = [
    "What is the Buckinghamshire Challenge?",
    "RESOLVED: that the Cabinet note the report.",
    "children in care",
    "£4.2m overspend on SEND home-to-school transport (2023/24)",
    "x",
]


def long_text() -> str:
    """A real seed passage longer than the model's 256-token window: truncation must agree."""
    text = next(SEEDS.glob("000_*.txt")).read_text()
    return " ".join(text.split()[:900])


@pytest.fixture(scope="module")
def both():
    get_embedder.cache_clear()
    pair = get_embedder(REAL_MODEL, "torch"), get_embedder(REAL_MODEL, "onnx")
    yield pair
    get_embedder.cache_clear()


@pytest.mark.model
def test_onnx_vectors_match_the_torch_model(both):
    torch_e, onnx_e = both
    assert isinstance(torch_e, SentenceTransformerEmbedder) and isinstance(onnx_e, OnnxEmbedder)
    assert onnx_e.dim == torch_e.dim == 384
    texts = TEXTS + [long_text()]
    a, b = torch_e.embed(texts), onnx_e.embed(texts)
    assert a.shape == b.shape == (len(texts), 384) and b.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert (a * b).sum(1).min() > 0.9999
    for t in TEXTS[:2]:
        assert float(torch_e.embed_query(t) @ onnx_e.embed_query(t)) > 0.9999


@pytest.mark.model
def test_onnx_vector_of_a_text_does_not_depend_on_its_batch(both):
    """Padding to the longest text in a batch, and the length sort, must not leak."""
    _, onnx_e = both
    alone = onnx_e.embed([TEXTS[2]])[0]
    batched = onnx_e.embed([long_text(), TEXTS[2], TEXTS[0]], batch_size=2)
    assert float(alone @ batched[1]) > 0.99999
    assert onnx_e.embed([]).shape == (0, 384)


@pytest.mark.model
def test_the_export_is_cached_by_model_folder_and_weights(both, tmp_path, monkeypatch):
    _, onnx_e = both
    model_dir = embed.Path(embed._model_path(REAL_MODEL))
    path = embed.onnx_file(model_dir)
    assert path.exists() and path.stat().st_size > 10**6  # exported once, here, at first use
    monkeypatch.setenv("CS_ARCHIVE_CACHE", str(tmp_path))
    assert embed.onnx_file(model_dir).parent.parent == tmp_path
    assert embed.onnx_file(model_dir).name == "model.onnx"


def test_backend_is_chosen_by_environment(monkeypatch):
    monkeypatch.delenv("CS_ARCHIVE_BACKEND", raising=False)
    assert embed.backend_name() == "onnx"
    monkeypatch.setenv("CS_ARCHIVE_BACKEND", "TORCH")
    assert embed.backend_name() == "torch"
    monkeypatch.setenv("CS_ARCHIVE_BACKEND", "tensorflow")
    with pytest.raises(ValueError, match="use onnx or torch"):
        embed.backend_name()
    assert isinstance(get_embedder("hash", "onnx"), HashEmbedder)


def test_a_model_the_onnx_path_cannot_reproduce_is_refused(tmp_path):
    """CLS pooling (or no tokenizer.json) is left to the torch backend, never approximated."""
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "modules.json").write_text(json.dumps([
        {"type": "sentence_transformers.models.Transformer"}, {"type": "sentence_transformers.models.Pooling"}]))
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 8, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}))
    (tmp_path / "tokenizer.json").write_text(json.dumps({"model": {"vocab": {"[PAD]": 0}}}))
    with pytest.raises(NotExportable, match="CS_ARCHIVE_BACKEND=torch"):
        embed._st_config(tmp_path)
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 8, "pooling_mode_mean_tokens": True}))
    assert embed._st_config(tmp_path) == {"dim": 8, "max_seq_length": 256, "pad_token": "[PAD]", "pad_id": 0}
