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

    def search_held(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``search`` and the hits' vectors where the index has them at hand (else None)."""
        return (*self.search(query, k, allowed), None)

    def save(self, path: Path) -> None: ...
    def __len__(self) -> int: ...


EXACT_MAX = 50_000  # below this many vectors search is exact (flat); from here on, IVF
# Lists an IVF search visits. Recall@10 against exact search on 21,979 real MiniLM vectors
# (bench/run.py): fp16 codes, 64 lists: 0.965 (32: 0.945); "pq", 96 lists: 0.968 (64: 0.957),
# and scanning 96 lists of PQ codes still takes a third of the time of 64 of fp16 codes.
NPROBE = 64
PQ_NPROBE = 96
# IVF codes:
# - "pq" (the default): 4-bit product-quantiser codes, one sub-quantiser per 4 dimensions, scanned
#   by FAISS's fast-scan kernels to find RERANK·k candidates, which are then ranked on fp16 copies
#   of the vectors (2·dim bytes each, kept beside the codes). At 1M vectors the dense arm takes
#   about 1.5 ms so (96 lists), against 4.7 ms for 64 lists of fp16 codes, at a recall as good.
# - "fp16": the lists hold fp16 codes (2·dim bytes a vector, scores right to 1e-4).
# - "sq8": dim bytes a vector, scores to ~1e-2: enough to reorder near-ties among close
#   neighbours, so recall@10 suffers.
CODEC = "pq"
RERANK = 4  # a "pq" search ranks this many candidates per hit wanted on their fp16 copies,
RERANK_MIN = 100  # and at least this many
SMALL_SHARE = 0.05  # a filter keeping less than this share of an IVF index is searched exhaustively


def pq_subquantizers(dim: int) -> int | None:
    """Sub-quantisers for "pq" codes: a divisor of dim, about one per 4 dimensions (384 → 96,
    48 bytes a vector) but at least 16 where dim allows (32 → 16); None where no divisor leaves
    8 dimensions or fewer to each 4-bit code (34 = 2 × 17): such a dim gets "fp16" codes."""
    most = max(dim // 4, min(16, dim // 2))
    m = next((m for m in range(most, 0, -1) if dim % m == 0), 1)
    return m if dim // m <= 8 else None


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


BITMAP_FROM = 2048  # allowed ids from which a filter is a bitmap rather than a hash set


def _selector(allowed: np.ndarray):
    """A FAISS selector for the allowed ids, and the array it reads (kept alive by the caller).
    A hash set costs about 0.1 µs an id to build (100 ms for a filter keeping 1M chunks); a
    bitmap over the ids, one bit each, 1 ms."""
    import faiss

    if len(allowed) < BITMAP_FROM or allowed.min() < 0:
        return faiss.IDSelectorBatch(allowed), None
    mask = np.zeros(int(allowed.max()) + 1, dtype=bool)
    mask[allowed] = True
    bits = np.packbits(mask, bitorder="little")
    return faiss.IDSelectorBitmap(len(bits), faiss.swig_ptr(bits)), bits


class FaissIndex(VectorIndex):
    """Inner-product search whose FAISS index is chosen by size, at save time.

    Below ``exact_max`` vectors: exact search (IndexFlatIP under an id map, 4·dim bytes a
    vector). From there on, IVF, which keeps removal by id (HNSW has none): by default
    fast-scan PQ codes (IndexIVFPQFastScan) that find candidates, ranked again on fp16 copies of
    the vectors (``refine``: IndexScalarQuantizer under an id map), about 2·dim bytes a vector in
    all; or scalar-quantised codes alone (IndexIVFScalarQuantizer, fp16 or sq8). The two FAISS
    indexes of "pq" are written one after the other into the one file. Its ranking is checked
    against exact search by the tests and bench/run.py.

    A search restricted to ``allowed`` ids still returns k hits when k exist: a selective
    filter on IVF is searched over every list (every allowed vector is scored by its code; with
    "pq" codes the best of them are then ranked on their fp16 copies), a broad one visits
    proportionally more lists, and a short answer is retried over every list.
    """

    filename = "vectors.faiss"

    def __init__(self, dim: int, index=None, exact_max: int | None = None, codec: str | None = None,
                 refine=None):
        import faiss

        self.dim = dim
        self.exact_max = EXACT_MAX if exact_max is None else exact_max
        self.codec = codec or CODEC
        if self.codec == "pq" and pq_subquantizers(dim) is None:
            self.codec = "fp16"
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self.refine = refine  # "pq" only: the fp16 copies candidates are ranked on
        self._rows = None  # views into refine for ranking (see _refined), made again after a change

    @property
    def kind(self) -> str:
        return "faiss-flat" if self._ivf() is None else f"faiss-ivf-{self._codec()}"

    def _codec(self) -> str | None:
        """The codes the present IVF index holds (None when flat)."""
        import faiss

        ivf = self._ivf()
        if ivf is None:
            return None
        if self.refine is not None:
            return "pq"
        return "fp16" if faiss.downcast_index(ivf).sq.qtype == faiss.ScalarQuantizer.QT_fp16 else "sq8"

    def _ivf(self):
        import faiss

        try:
            return faiss.extract_index_ivf(self.index)
        except RuntimeError:
            return None

    @classmethod
    def load(cls, path: Path, dim: int) -> "FaissIndex":
        import faiss

        try:
            with open(path, "rb") as f:
                reader = faiss.PyCallbackIOReader(f.read)
                index = faiss.read_index(reader)
                pq = isinstance(faiss.downcast_index(index), faiss.IndexIVFPQFastScan)
                refine = faiss.read_index(reader) if pq else None  # read_index gives the exact type
        except MemoryError:  # a damaged size field
            raise ValueError("vector file is damaged (a size in it is impossible)") from None
        if index.d != dim:
            raise ValueError(f"vector file has dimension {index.d}, the archive says {dim}")
        if pq and not (isinstance(refine, faiss.IndexIDMap) and refine.d == dim and refine.ntotal == index.ntotal):
            raise ValueError("vector file is damaged: its fp16 copies do not match its PQ codes")
        return cls(dim, index, refine=refine)

    def add(self, ids, vectors):
        if len(ids):
            vectors = np.ascontiguousarray(vectors, dtype="float32").reshape(-1, self.dim)
            ids = np.asarray(ids, dtype="int64")
            self.index.add_with_ids(vectors, ids)
            if self.refine is not None:
                self._rows = None
                self.refine.add_with_ids(vectors, ids)

    def remove(self, ids):
        import faiss

        if len(ids):
            sel = faiss.IDSelectorBatch(np.asarray(ids, dtype="int64"))
            self.index.remove_ids(sel)
            if self.refine is not None:
                self._rows = None
                self.refine.remove_ids(sel)

    def search(self, query, k, allowed=None):
        return self.search_held(query, k, allowed, vectors=False)[:2]

    def search_held(self, query, k, allowed=None, vectors=True) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``search``, with the hits' vectors as ``held`` gives them (one row per hit), read
        here while the search has them at hand: a "pq" search has just ranked its candidates
        on their copies, and on a thread beside the lexical arm this costs the caller nothing.
        None in place of the vectors where ``held`` would give None."""
        n = len(self)
        if n == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
            return np.zeros(0, dtype="float32"), np.zeros(0, dtype="int64"), np.zeros((0, self.dim), dtype="float32")
        q = np.ascontiguousarray(query.reshape(1, -1), dtype="float32")
        sel = bits = None
        if allowed is not None:
            allowed = np.asarray(allowed, dtype="int64")
            sel, bits = _selector(allowed)
            k = min(k, len(allowed))
        k = min(k, n)
        with _one_thread():
            found = self._search(q, k, sel, allowed, n, vectors)
        del bits  # the bitmap the selector reads lives until here
        return found

    def _search(self, q, k, sel, allowed, n, vectors):
        import faiss

        ivf = self._ivf()
        if ivf is None:
            params = faiss.SearchParameters(sel=sel) if sel is not None else None
            scores, ids = self.index.search(q, k, params=params)
            keep = ids[0] >= 0
            return scores[0][keep], ids[0][keep], self.held(ids[0][keep]) if vectors else None
        share = 1.0 if allowed is None else min(1.0, len(allowed) / n)
        nprobe = ivf.nlist if share < SMALL_SHARE else min(ivf.nlist, int(np.ceil(ivf.nprobe / share)))
        want = k if self.refine is None else min(max(RERANK * k, RERANK_MIN), n if allowed is None else len(allowed))
        scores, ids = self.index.search(q, want, params=faiss.SearchParametersIVF(sel=sel, nprobe=nprobe))
        if sel is not None and (ids[0] >= 0).sum() < k and nprobe < ivf.nlist:
            scores, ids = self.index.search(q, want, params=faiss.SearchParametersIVF(sel=sel, nprobe=ivf.nlist))
        keep = ids[0] >= 0
        if self.refine is None:
            return scores[0][keep], ids[0][keep], None
        return self._rerank(q[0], ids[0][keep], k)

    def _rerank(self, q: np.ndarray, found: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The k best of the PQ candidates by their fp16 copies' inner product with q, with
        those copies (as float32 rows)."""
        held = self._copies(found)
        if held is None:
            raise RuntimeError("internal error: a PQ candidate has no fp16 copy; rebuild the archive")
        scores = np.einsum("ij,j->i", held, q)  # no BLAS thread team
        order = np.argsort(-scores, kind="stable")[:k]
        return scores[order], found[order], held[order]

    def _copies(self, ids: np.ndarray) -> np.ndarray | None:
        """The fp16 copies of these ids as float32 rows; None if an id is not held."""
        row_of, halves = self._refined()
        if len(ids) and (ids.min() < 0 or ids.max() >= len(row_of)):
            return None
        at = row_of[ids]
        return None if (at < 0).any() else halves[at].astype("float32")

    def _refined(self) -> tuple[np.ndarray, np.ndarray]:
        """The refine index as arrays: the row of each id (a table indexed by id: ids are the
        chunks' row ids, so nearly dense) and the fp16 rows, a view of FAISS's own memory.
        For 200 candidates at 1M vectors IndexIDMap2.reconstruct_batch, or a binary search over
        the ids, costs 0.5 ms, this 0.28 ms: the rest is memory latency. Made once per change,
        which may move that memory."""
        rows = self._rows
        if rows is None:
            import faiss

            n = self.refine.ntotal
            ids = faiss.rev_swig_ptr(self.refine.id_map.data(), n)
            codes = faiss.downcast_index(self.refine.index).codes
            halves = faiss.rev_swig_ptr(codes.data(), codes.size()).view(np.float16).reshape(n, self.dim)
            row_of = np.full(int(ids.max()) + 1 if n else 0, -1, dtype="int32" if n < 2**31 else "int64")
            row_of[ids] = np.arange(n)
            rows = self._rows = (row_of, halves)
        return rows

    def held(self, ids) -> np.ndarray | None:
        """The vectors of these ids as the index holds them in memory, one row each: exactly as
        added (flat), or their fp16 copies ("pq": each component to 3 significant digits, a
        cosine to about 1e-4). None where the lists hold only their codes (fp16 or sq8 IVF: read
        the stored rows instead), or if an id is not held."""
        ids = np.asarray(ids, dtype="int64")
        if self._ivf() is not None:
            return self._copies(ids) if self.refine is not None else None
        try:
            return self.index.reconstruct_batch(ids)
        except RuntimeError:
            return None

    def save(self, path):
        import faiss

        self.fit()
        with open(path, "wb") as f:
            writer = faiss.PyCallbackIOWriter(f.write)
            faiss.write_index(self.index, writer)
            if self.refine is not None:
                faiss.write_index(self.refine, writer)
            del writer

    def fit(self, stored=None) -> None:
        """Choose the index for the present size: flat below ``exact_max``, else IVF with
        about 2·sqrt(n) lists (trained afresh when the archive has grown fourfold).
        ``stored()``, where given, returns every (ids, vectors) exactly as added (the store's
        own copy): an IVF index that shrinks back to flat is made from those rather than from
        its rounded codes, so that a flat index always holds the vectors exactly."""
        n = len(self)
        ivf = self._ivf()
        if ivf is None and n >= self.exact_max:
            self._build_ivf(*self._contents())
        elif ivf is not None and n < self.exact_max // 2:
            import faiss

            ids, vectors = stored() if stored is not None else self._contents()
            flat = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
            flat.add_with_ids(vectors, ids)
            self.index, self.refine, self._rows = flat, None, None
        elif ivf is not None and (ivf_lists(n) >= 2 * ivf.nlist or self._codec() != self.codec):
            # grown fourfold, or written with other codes: rebuilt from its own fp16 copies
            # ("pq": they encode to the same fp16 again), else from the store's copy, not from
            # lists that hold only rounded codes
            lossy = self.refine is None and stored is not None
            self._build_ivf(*(stored() if lossy else self._contents()))

    def _contents(self) -> tuple[np.ndarray, np.ndarray]:
        """All ids and vectors (decoded from their fp16 or 8-bit codes when the index is IVF)."""
        import faiss

        ivf = self._ivf()
        if ivf is None:
            ids = faiss.vector_to_array(self.index.id_map).astype("int64")
            flat = faiss.downcast_index(self.index.index)
            return ids, faiss.vector_to_array(flat.codes).view("float32").reshape(-1, self.dim)
        if self.refine is not None:  # "pq": the fp16 copies, which decode exactly
            return faiss.vector_to_array(self.refine.id_map).astype("int64"), self._refined()[1].astype("float32")
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

    def _build_ivf(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        import faiss

        nlist = ivf_lists(len(ids))
        ip = faiss.METRIC_INNER_PRODUCT
        refine = None
        if self.codec == "pq":
            index = faiss.IndexIVFPQFastScan(faiss.IndexFlatIP(self.dim), self.dim, nlist,
                                             pq_subquantizers(self.dim), 4, ip)
            # IndexIDMap, not IDMap2: _refined keeps its own id -> row table (IDMap2's hash map
            # would add 41 MB and 70 ms a load at 1M, and 40 ms to each removal)
            refine = faiss.IndexIDMap(faiss.IndexScalarQuantizer(self.dim, faiss.ScalarQuantizer.QT_fp16, ip))
        else:
            qtype = {"sq8": faiss.ScalarQuantizer.QT_8bit, "fp16": faiss.ScalarQuantizer.QT_fp16}[self.codec]
            index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(self.dim), self.dim, nlist, qtype, ip)
        index.cp.min_points_per_centroid = 5
        rng = np.random.default_rng(0)
        sample = vectors[rng.choice(len(vectors), size=min(len(vectors), 40 * nlist), replace=False)]
        index.train(sample)
        index.nprobe = min(PQ_NPROBE if self.codec == "pq" else NPROBE, nlist)
        self.index, self.refine, self._rows = index, refine, None
        for start in range(0, len(ids), 100_000):
            self.add(ids[start:start + 100_000], vectors[start:start + 100_000])

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
