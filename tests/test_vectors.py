"""One contract for every vector index: FAISS and its exact NumPy twin, checked against a
brute-force NumPy oracle on seeded random unit vectors."""
from __future__ import annotations

import numpy as np
import pytest

from cs_archive.index import vectors as vectors_module
from cs_archive.index.vectors import FaissIndex, NumpyIndex

DIM = 16
N = 300


def unit(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype("float32")
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def oracle(ids: np.ndarray, vectors: np.ndarray, query: np.ndarray, k: int, allowed=None):
    """Inner product, best first, by brute force."""
    mask = np.ones(len(ids), bool) if allowed is None else np.isin(ids, allowed)
    scores = vectors[mask].astype("float64") @ query.astype("float64")
    order = np.argsort(-scores, kind="stable")[:k]
    return scores[order], ids[mask][order]


@pytest.fixture(params=[FaissIndex, NumpyIndex], ids=["faiss", "numpy"])
def make(request):
    return request.param


@pytest.fixture
def data():
    rng = np.random.default_rng(20240104)
    ids = rng.choice(np.arange(1, 100_000), size=N, replace=False).astype("int64")  # sparse, unordered
    return rng, ids, unit(rng, N)


@pytest.fixture(params=["set", "bitmap"])
def selector(request, monkeypatch):
    """Filters reach FAISS as a hash set of ids (few) or a bitmap (many): both, for any size."""
    monkeypatch.setattr(vectors_module, "BITMAP_FROM", 10**9 if request.param == "set" else 0)
    return request.param


@pytest.fixture
def full(make, data):
    _, ids, vectors = data
    index = make(DIM)
    index.add(ids[:200], vectors[:200])
    index.add(ids[200:], vectors[200:])  # a second batch appends
    return index


def test_add_remove_len(make, data):
    _, ids, vectors = data
    index = make(DIM)
    assert len(index) == 0
    index.add(ids, vectors)
    assert len(index) == N
    index.remove(ids[:50])
    assert len(index) == N - 50
    index.remove(ids[:50])  # removing what is gone changes nothing
    index.remove(np.array([], dtype="int64"))
    assert len(index) == N - 50
    index.add(np.array([], dtype="int64"), np.zeros((0, DIM), dtype="float32"))
    assert len(index) == N - 50


def test_removed_ids_are_never_returned(make, data):
    rng, ids, vectors = data
    index = make(DIM)
    index.add(ids, vectors)
    gone = ids[::3]
    index.remove(gone)
    for q in unit(rng, 5):
        _, got = index.search(q, N)
        assert len(got) == N - len(gone)
        assert not set(got.tolist()) & set(gone.tolist())
    # Searching for a removed vector itself finds its neighbours, not it.
    _, got = index.search(vectors[0], 5)
    assert ids[0] not in got.tolist()


@pytest.mark.parametrize("k", [1, 10, N, N + 25])
def test_order_and_scores_agree_with_oracle(full, data, k):
    rng, ids, vectors = data
    for q in unit(rng, 8):
        scores, got = full.search(q, k)
        want_scores, want_ids = oracle(ids, vectors, q, k)
        assert got.dtype.kind == "i"
        assert got.tolist() == want_ids.tolist()
        np.testing.assert_allclose(scores, want_scores, atol=1e-5)
        assert np.all(np.diff(scores) <= 1e-6), "best first"


def test_a_stored_vector_finds_itself_first_with_cosine_one(full, data):
    _, ids, vectors = data
    scores, got = full.search(vectors[123], 3)
    assert got[0] == ids[123]
    assert scores[0] == pytest.approx(1.0, abs=1e-5)


def test_allowed_restricts_and_still_returns_k(full, data, selector):
    rng, ids, vectors = data
    allowed = rng.choice(ids, size=20, replace=False)
    for q in unit(rng, 5):
        scores, got = full.search(q, 10, allowed=allowed)
        assert len(got) == 10, "k hits when k allowed ones exist"
        assert set(got.tolist()) <= set(allowed.tolist())
        want_scores, want_ids = oracle(ids, vectors, q, 10, allowed)
        assert got.tolist() == want_ids.tolist()
        np.testing.assert_allclose(scores, want_scores, atol=1e-5)


def test_allowed_far_from_the_query_are_still_found(full, data, selector):
    """The allowed ids are the ones the query likes least: a post-filter of a top-k would miss them."""
    rng, ids, vectors = data
    q = unit(rng, 1)[0]
    worst = ids[np.argsort(vectors @ q)[:7]]
    scores, got = full.search(q, 5, allowed=worst)
    assert len(got) == 5
    assert got.tolist() == oracle(ids, vectors, q, 5, worst)[1].tolist()


def test_fewer_allowed_than_k_returns_all_allowed(full, data, selector):
    rng, ids, _ = data
    allowed = ids[[5, 17, 250]]
    _, got = full.search(unit(rng, 1)[0], 10, allowed=allowed)
    assert sorted(got.tolist()) == sorted(allowed.tolist())


def test_allowed_ids_absent_from_the_index_are_ignored(full, data, selector):
    rng, ids, _ = data
    allowed = np.concatenate([ids[:3], np.array([-5, 100_001, 100_002], dtype="int64")])
    _, got = full.search(unit(rng, 1)[0], 10, allowed=allowed)
    assert sorted(got.tolist()) == sorted(ids[:3].tolist())


def test_allowed_after_removal_skips_removed(full, data, selector):
    rng, ids, _ = data
    full.remove(ids[:2])
    _, got = full.search(unit(rng, 1)[0], 10, allowed=ids[:4])
    assert sorted(got.tolist()) == sorted(ids[2:4].tolist())


def test_empty_index_empty_allowed_and_k_zero_return_nothing(make, full, data):
    rng, ids, _ = data
    q = unit(rng, 1)[0]
    for scores, got in (make(DIM).search(q, 10),
                        make(DIM).search(q, 10, allowed=ids[:3]),
                        full.search(q, 10, allowed=np.array([], dtype="int64")),
                        full.search(q, 0)):
        assert len(scores) == 0 and len(got) == 0


def test_faiss_save_load_round_trip(data, tmp_path):
    rng, ids, vectors = data
    index = FaissIndex(DIM)
    index.add(ids, vectors)
    index.remove(ids[:10])
    path = tmp_path / FaissIndex.filename
    index.save(path)
    loaded = FaissIndex.load(path, DIM)
    assert len(loaded) == N - 10
    for q in unit(rng, 4):
        a_scores, a_ids = index.search(q, 15)
        b_scores, b_ids = loaded.search(q, 15)
        assert a_ids.tolist() == b_ids.tolist()
        np.testing.assert_array_equal(a_scores, b_scores)
        assert loaded.search(q, 3, allowed=ids[10:13])[1].size == 3
    # The loaded index keeps working: remove and add go through.
    loaded.remove(ids[10:20])
    loaded.add(ids[:10], vectors[:10])
    assert len(loaded) == N - 10


def test_faiss_load_refuses_a_different_dimension(data, tmp_path):
    _, ids, vectors = data
    index = FaissIndex(DIM)
    index.add(ids, vectors)
    index.save(tmp_path / "v.faiss")
    with pytest.raises(ValueError, match="dimension 16"):
        FaissIndex.load(tmp_path / "v.faiss", 384)


# -- the index chosen by size: exact below a threshold, IVF above it ----------------------------
def clustered(rng: np.random.Generator, n: int, dim: int = 32, centres: int = 40) -> np.ndarray:
    """Unit vectors in clusters, as real embeddings are (uniform data flatters nobody)."""
    c = unit(rng, centres, dim)
    v = c[rng.integers(0, centres, n)] + 0.35 * rng.standard_normal((n, dim)).astype("float32") / np.sqrt(dim)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype("float32")


@pytest.fixture(params=["sq8", "fp16", "pq"])
def ivf(request):
    rng = np.random.default_rng(7)
    ids = rng.choice(np.arange(1, 10**6), size=3000, replace=False).astype("int64")
    vectors = clustered(rng, 3000)
    index = FaissIndex(32, exact_max=1000, codec=request.param)
    index.add(ids, vectors)
    index.fit()
    exact = NumpyIndex(32)
    exact.add(ids, vectors)
    return rng, ids, vectors, index, exact


def test_small_archives_stay_exact_and_large_ones_become_ivf(tmp_path):
    rng = np.random.default_rng(1)
    vectors = clustered(rng, 1200)
    ids = np.arange(1200, dtype="int64")
    index = FaissIndex(32, exact_max=1000)
    index.add(ids[:999], vectors[:999])
    index.save(tmp_path / "a.faiss")
    assert index.kind == "faiss-flat"
    index.add(ids[999:], vectors[999:])
    index.save(tmp_path / "b.faiss")
    assert index.kind == f"faiss-ivf-{vectors_module.CODEC}"
    loaded = FaissIndex.load(tmp_path / "b.faiss", 32)
    assert loaded.kind == index.kind and len(loaded) == 1200
    loaded.remove(ids[:800])  # shrunk well below the threshold: exact again
    loaded.save(tmp_path / "c.faiss")
    assert loaded.kind == "faiss-flat" and len(loaded) == 400
    _, got = loaded.search(vectors[1000], 1)
    assert got[0] == 1000


def test_ivf_lists_are_retrained_when_the_archive_grows_fourfold():
    rng = np.random.default_rng(2)
    vectors = clustered(rng, 20_000)
    index = FaissIndex(32, exact_max=1000)
    index.add(np.arange(2000), vectors[:2000])
    index.fit()
    lists = index._ivf().nlist
    index.add(np.arange(2000, 20_000), vectors[2000:])
    index.fit()
    assert index._ivf().nlist >= 2 * lists and len(index) == 20_000
    assert index.search(vectors[12_345], 1)[1][0] == 12_345


def test_ivf_ranks_like_exact_search(ivf):
    rng, ids, vectors, index, exact = ivf
    assert index.kind.startswith("faiss-ivf")
    recall = []
    for q in clustered(rng, 30):
        scores, got = index.search(q, 10)
        want_scores, want = exact.search(q, 10)
        recall.append(len(set(got.tolist()) & set(want.tolist())) / 10)
        np.testing.assert_allclose(scores[:3], want_scores[:3], atol=0.02)
    assert np.mean(recall) >= 0.9


@pytest.mark.parametrize("share", [0.002, 0.01, 0.2, 0.6])
def test_ivf_filtered_search_returns_k_hits_when_k_exist(ivf, share, selector):
    rng, ids, vectors, index, exact = ivf
    allowed = rng.choice(ids, size=max(3, int(share * len(ids))), replace=False)
    k = 10
    for q in clustered(rng, 10):
        _, got = index.search(q, k, allowed=allowed)
        _, want = exact.search(q, k, allowed=allowed)
        assert len(got) == min(k, len(allowed))
        assert set(got.tolist()) <= set(allowed.tolist())
        assert len(set(got.tolist()) & set(want.tolist())) >= 0.8 * len(want)


def test_ivf_filter_the_query_likes_least_is_still_found(ivf, selector):
    rng, ids, vectors, index, exact = ivf
    q = clustered(rng, 1)[0]
    worst = ids[np.argsort(vectors @ q)[:12]]
    _, got = index.search(q, 10, allowed=worst)
    assert len(got) == 10 and set(got.tolist()) <= set(worst.tolist())


def test_ivf_remove_save_load(ivf, tmp_path):
    rng, ids, vectors, index, exact = ivf
    gone = ids[::4]
    index.remove(gone)
    index.save(tmp_path / "v.faiss")
    loaded = FaissIndex.load(tmp_path / "v.faiss", 32)
    assert len(loaded) == len(ids) - len(gone) and loaded.kind == index.kind
    for q in clustered(rng, 5):
        a_scores, a_ids = index.search(q, 20)
        b_scores, b_ids = loaded.search(q, 20)
        assert a_ids.tolist() == b_ids.tolist()
        assert not set(b_ids.tolist()) & set(gone.tolist())
    _, got = loaded.search(vectors[0], 5, allowed=ids[:8])
    assert ids[0] not in got.tolist() and len(got) == 5  # ids[0] was removed; 6 of 8 remain


@pytest.mark.parametrize("codec", ["pq", "fp16", "sq8"])
def test_a_flat_index_gives_back_its_vectors_exactly_even_after_shrinking_from_ivf(codec):
    rng = np.random.default_rng(3)
    vectors = clustered(rng, 1200)
    ids = np.arange(1200, dtype="int64")
    index = FaissIndex(32, exact_max=1000, codec=codec)
    index.add(ids, vectors)
    index.fit()
    if codec == "pq":  # the fp16 copies candidates are ranked on: close, and never the exact bytes
        got = index.held(ids[[5, 700, 3]])
        np.testing.assert_allclose(got, vectors[[5, 700, 3]], atol=1e-3)
        assert not np.array_equal(got, vectors[[5, 700, 3]])
        assert index.held([5000]) is None and index.held([-1]) is None  # never added
    else:
        assert index.held(ids[:5]) is None  # the lists hold rounded codes only: read the rows
    index.remove(ids[:800])
    if codec == "pq":
        assert index.held([ids[0]]) is None and index.held([ids[900]]) is not None
    index.fit(stored=lambda: (ids[800:], vectors[800:]))  # the store's own copy
    assert index.kind == "faiss-flat"
    assert np.array_equal(index.held(ids[800:]), vectors[800:])
    assert index.held([ids[0]]) is None  # removed: not held


def test_pq_ranks_its_candidates_on_their_fp16_copies(tmp_path):
    """The scores a "pq" search returns are the copies' inner products, best first, and the
    copies stay in step with the codes through removal, additions, fourfold growth and a save
    and load."""
    rng = np.random.default_rng(4)
    vectors = clustered(rng, 9000)
    ids = rng.choice(np.arange(1, 10**6), size=9000, replace=False).astype("int64")
    index = FaissIndex(32, exact_max=1000, codec="pq")
    index.add(ids[:1500], vectors[:1500])
    index.fit()
    lists = index._ivf().nlist

    def agrees(index, gone):
        for q in clustered(rng, 5):
            scores, got = index.search(q, 20)
            np.testing.assert_allclose(scores, index.held(got) @ q, rtol=1e-5, atol=1e-6)
            assert list(scores) == sorted(scores, reverse=True) and not set(got.tolist()) & gone
        np.testing.assert_allclose(index.held(ids[[1400, 200]]), vectors[[1400, 200]], atol=1e-3)

    agrees(index, set())  # the views into the copies are made here...
    index.remove(ids[:100])
    agrees(index, set(ids[:100].tolist()))  # ...and made again after each change
    index.add(ids[1500:3000], vectors[1500:3000])
    agrees(index, set(ids[:100].tolist()))
    assert index.search(vectors[2000], 1)[1][0] == ids[2000]
    index.add(ids[3000:], vectors[3000:])
    index.fit()  # grown fourfold: new lists, codes and copies
    assert index._ivf().nlist >= 2 * lists and index.kind == "faiss-ivf-pq" and len(index) == 8900
    agrees(index, set(ids[:100].tolist()))
    index.save(tmp_path / "v.faiss")
    loaded = FaissIndex.load(tmp_path / "v.faiss", 32)
    assert loaded.kind == "faiss-ivf-pq" and len(loaded) == 8900
    agrees(loaded, set(ids[:100].tolist()))
    q = clustered(rng, 1)[0]
    assert loaded.search(q, 10)[1].tolist() == index.search(q, 10)[1].tolist()


@pytest.mark.parametrize("codec", ["flat", "pq", "fp16", "sq8"])
def test_search_held_gives_the_search_and_the_vectors_held_for_its_hits(codec, selector):
    """``search_held`` (the dense arm search uses): the same hits and scores as ``search``, with
    each hit's vector exactly as ``held`` gives it (flat: as added; pq: its fp16 copy), or None
    where the lists hold codes only; filtered or not, and with nothing to find."""
    rng = np.random.default_rng(11)
    vectors = clustered(rng, 3000)
    ids = rng.choice(np.arange(1, 10**6), size=3000, replace=False).astype("int64")
    index = FaissIndex(32, exact_max=10**6 if codec == "flat" else 1000, codec="pq" if codec == "flat" else codec)
    index.add(ids, vectors)
    index.fit()
    assert index.kind == ("faiss-flat" if codec == "flat" else f"faiss-ivf-{codec}")
    for allowed in (None, rng.choice(ids, size=40, replace=False), rng.choice(ids, size=1500, replace=False)):
        for q in clustered(rng, 4):
            scores, got, held = index.search_held(q, 25, allowed)
            want_scores, want = index.search(q, 25, allowed)
            assert got.tolist() == want.tolist() and len(got) == 25
            np.testing.assert_array_equal(scores, want_scores)
            if codec in ("fp16", "sq8"):
                assert held is None and index.held(got) is None
            else:
                assert held.dtype == np.float32 and held.shape == (25, 32)
                np.testing.assert_array_equal(held, index.held(got))
                if codec == "flat":
                    np.testing.assert_array_equal(held, vectors[[int(np.flatnonzero(ids == i)[0]) for i in got]])
    _, got, held = index.search_held(vectors[0], 5, np.zeros(0, dtype="int64"))
    assert len(got) == 0 and (held is None or len(held) == 0)
    exact = NumpyIndex(32)
    exact.add(ids, vectors)
    scores, got, held = exact.search_held(vectors[0], 3)
    assert got[0] == ids[0] and held is None  # an index without vectors at hand: the caller reads them


def test_pq_file_whose_copies_do_not_match_its_codes_is_refused(tmp_path):
    import faiss

    rng = np.random.default_rng(5)
    vectors = clustered(rng, 1200)
    index = FaissIndex(32, exact_max=1000, codec="pq")
    index.add(np.arange(1200), vectors)
    index.save(tmp_path / "v.faiss")
    index.refine.remove_ids(faiss.IDSelectorBatch(np.arange(10, dtype="int64")))  # copies now short of the codes
    index.save(tmp_path / "bad.faiss")
    assert len(FaissIndex.load(tmp_path / "v.faiss", 32)) == 1200
    with pytest.raises(ValueError, match="damaged"):
        FaissIndex.load(tmp_path / "bad.faiss", 32)
    whole = (tmp_path / "v.faiss").read_bytes()
    (tmp_path / "cut.faiss").write_bytes(whole[: len(whole) - 1000])  # cut inside the copies
    with pytest.raises((RuntimeError, ValueError)):
        FaissIndex.load(tmp_path / "cut.faiss", 32)


@pytest.mark.parametrize("dim, m", [(384, 96), (768, 192), (32, 16), (100, 25), (16, 8), (14, 7), (34, None), (38, None)])
def test_pq_subquantizers_leave_at_most_8_dimensions_to_a_code(dim, m):
    assert vectors_module.pq_subquantizers(dim) == m
    assert FaissIndex(dim).codec == ("pq" if m else "fp16")


@pytest.mark.parametrize("was", ["sq8", "fp16"])
def test_an_archive_written_with_other_codes_is_rebuilt_as_pq_from_the_stored_vectors(was, tmp_path):
    rng = np.random.default_rng(6)
    vectors = clustered(rng, 1500)
    ids = np.arange(1500, dtype="int64")
    old = FaissIndex(32, exact_max=1000, codec=was)
    old.add(ids, vectors)
    old.save(tmp_path / "old.faiss")
    index = FaissIndex.load(tmp_path / "old.faiss", 32)  # as an older version wrote it
    index.exact_max = 1000
    assert index.kind == f"faiss-ivf-{was}" and index.codec == "pq" and index.held(ids[:3]) is None
    assert index.search(vectors[7], 1)[1][0] == 7  # searched as it is until written again
    index.fit(stored=lambda: (ids, vectors))  # the next write
    assert index.kind == "faiss-ivf-pq"
    err = np.abs(index.held(ids) - vectors).max()
    assert err < 5e-4, err  # fp16 of the stored vectors (2.4e-4), not of the old rounded codes (sq8: 9.7e-4)
