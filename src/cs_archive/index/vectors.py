"""Vector indexes behind one small interface: FAISS (the default) and an exact NumPy twin.

Both hold unit vectors keyed by integer ids and score by inner product (= cosine). A search
may be restricted to a set of allowed ids, so that filters apply before ranking.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np


class VectorIndex:
    kind = "base"

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...
    def remove(self, ids: np.ndarray) -> None: ...
    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]: ...
    def save(self, path: Path) -> None: ...
    def __len__(self) -> int: ...


class FaissIndex(VectorIndex):
    """Exact inner-product search (IndexFlatIP) under an id map."""

    kind = "faiss-flat"
    filename = "vectors.faiss"

    def __init__(self, dim: int, index=None):
        import faiss

        self.dim = dim
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    @classmethod
    def load(cls, path: Path, dim: int) -> "FaissIndex":
        import faiss

        index = faiss.read_index(str(path))
        if index.d != dim:
            raise ValueError(f"vector file has dimension {index.d}, the archive says {dim}")
        return cls(dim, index)

    def add(self, ids, vectors):
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype="float32"), np.asarray(ids, dtype="int64"))

    def remove(self, ids):
        import faiss

        if len(ids):
            self.index.remove_ids(faiss.IDSelectorBatch(np.asarray(ids, dtype="int64")))

    def search(self, query, k, allowed=None):
        import faiss

        n = len(self)
        if n == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
            return np.zeros(0, dtype="float32"), np.zeros(0, dtype="int64")
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype="int64")))
            k = min(k, len(allowed))
        q = np.ascontiguousarray(query.reshape(1, -1), dtype="float32")
        scores, ids = self.index.search(q, min(k, n), params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def save(self, path):
        import faiss

        faiss.write_index(self.index, str(path))

    def __len__(self):
        return self.index.ntotal


class NumpyIndex(VectorIndex):
    """The same contract by brute force: the oracle for FaissIndex in tests."""

    kind = "numpy-exact"

    def __init__(self, dim: int):
        self.dim = dim
        self.ids = np.zeros(0, dtype="int64")
        self.vectors = np.zeros((0, dim), dtype="float32")

    def add(self, ids, vectors):
        self.ids = np.concatenate([self.ids, np.asarray(ids, dtype="int64")])
        self.vectors = np.vstack([self.vectors, np.asarray(vectors, dtype="float32").reshape(-1, self.dim)])

    def remove(self, ids):
        keep = ~np.isin(self.ids, np.asarray(ids, dtype="int64"))
        self.ids, self.vectors = self.ids[keep], self.vectors[keep]

    def search(self, query, k, allowed=None):
        mask = np.ones(len(self.ids), bool) if allowed is None else np.isin(self.ids, allowed)
        if not mask.any() or k <= 0:
            return np.zeros(0, dtype="float32"), np.zeros(0, dtype="int64")
        scores = self.vectors[mask] @ np.asarray(query, dtype="float32").reshape(-1)
        ids = self.ids[mask]
        order = np.lexsort((ids, -scores))[:k]
        return scores[order], ids[order]

    def save(self, path):
        np.savez(path, ids=self.ids, vectors=self.vectors)

    def __len__(self):
        return len(self.ids)
