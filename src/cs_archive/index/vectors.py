"""Vector indexes behind one small interface: FAISS (the default) and an exact NumPy twin.

Both hold unit vectors keyed by integer ids and score by inner product (= cosine). A search
may be restricted to a set of allowed ids, so that filters apply before ranking.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np


class VectorIndex:
    kind = "base"

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...
    def remove(self, ids: np.ndarray) -> None: ...
    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]: ...
    def save(self, path: Path) -> None: ...
    def __len__(self) -> int: ...


EXACT_MAX = 50_000  # below this many vectors search is exact (flat); from here on, IVF
NPROBE = 64  # lists an IVF search visits: recall@10 0.970 against exact on 21,979 real MiniLM vectors (32: 0.945; bench/run.py)
# IVF codes: "fp16" (2·dim bytes a vector, scores right to 1e-4) or "sq8" (dim bytes, scores to
# ~1e-2: enough to reorder near-ties among close neighbours, so recall@10 suffers).
CODEC = "fp16"
SMALL_SHARE = 0.05  # a filter keeping less than this share of an IVF index is searched exhaustively


def ivf_lists(n: int) -> int:
    """How many IVF lists suit n vectors: about 2·sqrt(n), so a probe reads a few thousand."""
    return int(np.clip(round(2 * np.sqrt(n)), 64, 8192))


@contextmanager
def _one_thread():
    """One query runs on one thread: an OpenMP team for a millisecond of work costs tens of
    milliseconds in barriers when the cores are busy (measured: 1.8 ms vs 60 ms at 10k)."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


class FaissIndex(VectorIndex):
    """Inner-product search whose FAISS index is chosen by size, at save time.

    Below ``exact_max`` vectors: exact search (IndexFlatIP under an id map, 4·dim bytes a
    vector). From there on: IVF with scalar-quantised codes (IndexIVFScalarQuantizer, fp16 by
    default: half the memory; sq8: a quarter), which keeps removal by id (HNSW has none).
    Its ranking is checked against exact search by the tests and bench/run.py.

    A search restricted to ``allowed`` ids still returns k hits when k exist: a selective
    filter on IVF is searched over every list (exact ranking among the allowed), a broad one
    visits proportionally more lists, and a short answer is retried over every list.
    """

    filename = "vectors.faiss"

    def __init__(self, dim: int, index=None, exact_max: int | None = None, codec: str | None = None):
        import faiss

        self.dim = dim
        self.exact_max = EXACT_MAX if exact_max is None else exact_max
        self.codec = codec or CODEC
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    @property
    def kind(self) -> str:
        ivf = self._ivf()
        if ivf is None:
            return "faiss-flat"
        import faiss

        return "faiss-ivf-fp16" if faiss.downcast_index(ivf).sq.qtype == faiss.ScalarQuantizer.QT_fp16 else "faiss-ivf-sq8"

    def _ivf(self):
        import faiss

        try:
            return faiss.extract_index_ivf(self.index)
        except RuntimeError:
            return None

    @classmethod
    def load(cls, path: Path, dim: int) -> "FaissIndex":
        import faiss

        index = faiss.read_index(str(path))
        if index.d != dim:
            raise ValueError(f"vector file has dimension {index.d}, the archive says {dim}")
        return cls(dim, index)

    def add(self, ids, vectors):
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype="float32").reshape(-1, self.dim),
                                    np.asarray(ids, dtype="int64"))

    def remove(self, ids):
        import faiss

        if len(ids):
            self.index.remove_ids(faiss.IDSelectorBatch(np.asarray(ids, dtype="int64")))

    def search(self, query, k, allowed=None):
        import faiss

        n = len(self)
        if n == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
            return np.zeros(0, dtype="float32"), np.zeros(0, dtype="int64")
        q = np.ascontiguousarray(query.reshape(1, -1), dtype="float32")
        sel = None
        if allowed is not None:
            allowed = np.asarray(allowed, dtype="int64")
            sel = faiss.IDSelectorBatch(allowed)
            k = min(k, len(allowed))
        k = min(k, n)
        with _one_thread():
            return self._search(q, k, sel, allowed, n)

    def _search(self, q, k, sel, allowed, n):
        import faiss

        ivf = self._ivf()
        if ivf is None:
            params = faiss.SearchParameters(sel=sel) if sel is not None else None
            scores, ids = self.index.search(q, k, params=params)
        else:
            share = 1.0 if allowed is None else min(1.0, len(allowed) / n)
            nprobe = ivf.nlist if share < SMALL_SHARE else min(ivf.nlist, int(np.ceil(ivf.nprobe / share)))
            scores, ids = self.index.search(q, k, params=faiss.SearchParametersIVF(sel=sel, nprobe=nprobe))
            if sel is not None and (ids[0] >= 0).sum() < k and nprobe < ivf.nlist:
                scores, ids = self.index.search(q, k, params=faiss.SearchParametersIVF(sel=sel, nprobe=ivf.nlist))
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def exact(self, ids) -> np.ndarray | None:
        """The vectors of these ids exactly as they were added, one row each, where the index
        keeps them so (flat); None for IVF (its codes are rounded) or if an id is not held."""
        if self._ivf() is not None:
            return None
        try:
            return self.index.reconstruct_batch(np.asarray(ids, dtype="int64"))
        except RuntimeError:
            return None

    def save(self, path):
        import faiss

        self.fit()
        faiss.write_index(self.index, str(path))

    def fit(self, stored=None) -> None:
        """Choose the index for the present size: flat below ``exact_max``, else IVF with
        about 2·sqrt(n) lists (trained afresh when the archive has grown fourfold).
        ``stored()``, where given, returns every (ids, vectors) exactly as added (the store's
        own copy): an IVF index that shrinks back to flat is made from those rather than from
        its rounded codes, so that a flat index always holds the vectors exactly."""
        n = len(self)
        ivf = self._ivf()
        if ivf is None and n >= self.exact_max:
            self.index = self._build_ivf(*self._contents())
        elif ivf is not None and ivf_lists(n) >= 2 * ivf.nlist:
            self.index = self._build_ivf(*self._contents())
        elif ivf is not None and n < self.exact_max // 2:
            import faiss

            ids, vectors = stored() if stored is not None else self._contents()
            flat = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
            flat.add_with_ids(vectors, ids)
            self.index = flat

    def _contents(self) -> tuple[np.ndarray, np.ndarray]:
        """All ids and vectors (decoded from 8 bits when the index is IVF)."""
        import faiss

        ivf = self._ivf()
        if ivf is None:
            ids = faiss.vector_to_array(self.index.id_map).astype("int64")
            flat = faiss.downcast_index(self.index.index)
            return ids, faiss.vector_to_array(flat.codes).view("float32").reshape(-1, self.dim)
        inv = ivf.invlists
        ids, vectors = [], []
        for lst in range(ivf.nlist):
            size = inv.list_size(lst)
            if not size:
                continue
            ids.append(faiss.rev_swig_ptr(inv.get_ids(lst), size).copy())
            codes = faiss.rev_swig_ptr(inv.get_codes(lst), size * inv.code_size).copy()
            vectors.append(self._decode(ivf, lst, codes, size))
        if not ids:
            return np.zeros(0, dtype="int64"), np.zeros((0, self.dim), dtype="float32")
        return np.concatenate(ids).astype("int64"), np.vstack(vectors)

    def _decode(self, ivf, lst: int, codes: np.ndarray, size: int) -> np.ndarray:
        import faiss

        sq = faiss.downcast_index(ivf).sq
        out = sq.decode(codes.reshape(size, -1))
        if ivf.by_residual:
            out = out + ivf.quantizer.reconstruct(lst)
        return out.astype("float32")

    def _build_ivf(self, ids: np.ndarray, vectors: np.ndarray):
        import faiss

        nlist = ivf_lists(len(ids))
        qtype = {"sq8": faiss.ScalarQuantizer.QT_8bit, "fp16": faiss.ScalarQuantizer.QT_fp16}[self.codec]
        index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(self.dim), self.dim, nlist, qtype,
                                              faiss.METRIC_INNER_PRODUCT)
        index.cp.min_points_per_centroid = 5
        rng = np.random.default_rng(0)
        sample = vectors[rng.choice(len(vectors), size=min(len(vectors), 40 * nlist), replace=False)]
        index.train(sample)
        index.nprobe = min(NPROBE, nlist)
        for start in range(0, len(ids), 100_000):
            index.add_with_ids(vectors[start:start + 100_000], ids[start:start + 100_000])
        return index

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
