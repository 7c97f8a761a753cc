"""The lexical arm's numpy postings (index/postings.py) against SQLite FTS5 on a real archive:
the seeds ingested (HashEmbedder vectors; the lexical side is the real tokeniser and FTS5)."""
from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from cs_archive import search as S
from cs_archive.index import postings, sqlite_primitives as SP
from cs_archive.index.store import Archive, check
from cs_archive.lexical import query_variants

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="module")
def seeds_hash(tmp_path_factory):
    from cs_archive.embed import HashEmbedder
    from cs_archive.ingest import ingest

    folder = tmp_path_factory.mktemp("postings") / "index"
    report = ingest([SEEDS], folder, HashEmbedder())
    assert not report.failed
    a = Archive(folder)
    assert (postings.folder_of(folder / a.manifest.generation) / "meta.json").is_file(), "the commit writes them"
    a.close()
    return folder


def _fts5(a: Archive):
    a._postings = None  # this reader asks FTS5, as a generation without postings does
    return a


def _queries(p: postings.Postings) -> list[list[str]]:
    qrels = [json.loads(line)["query"] for line in (ROOT / "eval" / "qrels.jsonl").open()]
    out = [[" ".join(t) for t in v] for q in qrels for v in query_variants(q)]
    rng = random.Random(5)
    vocab = sorted(p.terms)
    out += [rng.sample(vocab, rng.randint(1, 7)) for _ in range(150)]
    out += [["look after children", "children in care"], ["2023/24", "budget"], ["£434,964.18"], ["no such word at all"]]
    return out


def test_postings_rank_and_score_exactly_as_fts5(seeds_hash):
    a, ref = Archive(seeds_hash), _fts5(Archive(seeds_hash))
    p = SP.postings_of(a)
    assert p is not None and p.rows == SP.chunk_count(ref)
    some = np.array(sorted(random.Random(2).sample(range(1, p.rows + 1), p.rows // 5)), dtype="int64")
    compared = 0
    for terms in _queries(p):
        for allowed in (None, some):
            got, want = SP.lexical_scores(a, terms, 20, allowed), SP.lexical_scores(ref, terms, 20, allowed)
            assert list(got) == list(want), terms
            assert all(got[i] == pytest.approx(want[i], rel=1e-12) for i in want), terms
            compared += bool(want)
    assert compared > 200  # most of them found something


def test_ids_from_several_posting_lists_group_as_numpy_unique_does():
    rng = np.random.default_rng(3)
    cases = [np.array([], dtype="int64"), np.array([7], dtype="int64"), np.array([5, 5, 2, 2, 9], dtype="int64")]
    for _ in range(200):
        runs = [np.sort(rng.choice(5000, rng.integers(0, 400), replace=False)) for _ in range(rng.integers(1, 6))]
        cases.append(np.concatenate(runs).astype("int64"))
    cases.append(rng.integers(0, 50, 1000).astype("int64"))  # unsorted, with repeats
    for d in cases:
        ids, at = postings._grouped(d)
        want_ids, want_at = np.unique(d, return_inverse=True)
        assert ids.tolist() == want_ids.tolist() and at.tolist() == want_at.ravel().tolist()


def test_document_frequencies_agree_with_fts5vocab(seeds_hash):
    a, ref = Archive(seeds_hash), _fts5(Archive(seeds_hash))
    words = sorted(SP.postings_of(a).terms)
    assert SP.doc_freqs(a, words) == SP.doc_freqs(ref, words)
    vocab = [r[0] for r in ref.db.execute("SELECT term FROM temp.chunks_vocab")]
    assert sorted(vocab) == words  # the same vocabulary, word for word


def test_phrase_counts_read_back_from_fts5_equal_counting_the_stems(seeds_hash):
    a = Archive(seeds_hash)
    rng = random.Random(9)
    texts = [postings.subterms(r[0]) for r in a.db.execute("SELECT stems FROM chunks ORDER BY id")]
    phrases = [["the", "council"], ["children", "in", "care"]]
    for t in rng.sample([t for t in texts if len(t) > 10], 12):
        at = rng.randrange(len(t) - 4)
        phrases.append(t[at:at + rng.choice((2, 3, 4))])
    repeated = 0
    for words in phrases:
        ids, counts = SP.phrase_rows(a, words)
        assert len(ids), words
        repeated += int(counts.max()) > 1
        rows = a.chunk_rows(ids)
        find = re.compile("(?= " + re.escape(" ".join(words)) + " )")
        want = [len(find.findall(" " + " ".join(postings.subterms(rows[i]["stems"])) + " ")) for i in ids]
        assert counts.tolist() == want
    assert repeated  # some phrase stands more than once in a passage


def test_words_held_agree_with_the_stems(seeds_hash):
    a = Archive(seeds_hash)
    ids = list(range(1, SP.chunk_count(a) + 1, 3))
    rows = a.chunk_rows(ids)
    words = ["child", "council", "434964", "ofst", "zzz"]
    held = SP.words_held(a, words, ids)
    for w in words:
        assert held[w].tolist() == [w in postings.subterms(rows[i]["stems"]) for i in ids]


def test_holding_compares_ids_in_the_postings_own_type(seeds_hash):
    """The postings hold int32 ids and are searched without widening them; an id beyond int32
    (wrapping to a held one if it were cast blindly) or below every id is in no list."""
    p = SP.postings_of(Archive(seeds_hash))
    docs, _ = p.postings("child")
    assert docs.dtype == np.int32 and len(docs) > 3
    ids = np.array([docs[2], 2**32 + int(docs[0]), docs[0], -1, int(docs[-1]) + 1, docs[1], -2**32 + int(docs[0])],
                   dtype="int64")
    assert p.holding("child", ids).tolist() == [True, False, True, False, False, True, False]
    assert p.holding("zzz", ids).tolist() == [False] * len(ids)


def test_search_is_the_same_with_and_without_postings(seeds_hash, hash_env, monkeypatch):
    from cs_archive.embed import HashEmbedder

    qrels = [json.loads(line)["query"] for line in (ROOT / "eval" / "qrels.jsonl").open()][:60]
    emb = HashEmbedder()
    with_p = Archive(seeds_hash)
    assert SP.postings_of(with_p) is not None
    monkeypatch.setenv("CS_ARCHIVE_POSTINGS", "0")
    without = Archive(seeds_hash)
    assert SP.postings_of(without) is None
    for q in qrels + ['"looked after children" placements', "£434,964"]:
        for f in (S.Filters(), S.Filters(since="2021-01-01")):
            got = [h.to_json() for h in S.search(with_p, emb, q, 10, f, highlights=False)]
            assert got == [h.to_json() for h in S.search(without, emb, q, 10, f, highlights=False)], q


def test_written_postings_read_back_equal(seeds_hash, tmp_path):
    a = Archive(seeds_hash)
    built = postings.Postings.build(a.db)
    built.write(tmp_path / "p")
    back = postings.Postings.read(tmp_path / "p")
    assert back.terms == built.terms and (back.rows, back.tokens) == (built.rows, built.tokens)
    for name in postings.ARRAYS:
        assert np.array_equal(getattr(back, name), getattr(built, name))


def test_postings_that_disagree_with_fts5_are_not_used(seeds_hash, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(seeds_hash, copy)
    gen = copy / Archive(copy).manifest.generation
    meta = json.loads((gen / "lexical" / "meta.json").read_text())
    (gen / "lexical" / "meta.json").write_text(json.dumps({**meta, "tokens": meta["tokens"] + 1}))
    a = Archive(copy)
    assert SP.postings_of(a) is None
    assert SP.lexical_scores(a, ["child"], 5)  # FTS5 answers instead
    assert any("postings disagree" in line for line in check(copy)), "check says so"
    (gen / "lexical" / "meta.json").write_text(json.dumps(meta))
    assert SP.postings_of(Archive(copy)) is not None
    (gen / "lexical" / "docs.npy").write_bytes(b"")  # empty, as a crash may leave a file
    assert SP.postings_of(Archive(copy)) is None
    assert any("postings disagree" in line for line in check(copy))


def test_each_commit_writes_postings_and_a_generation_without_them_is_searched_by_fts5(seeds_hash, tmp_path, hash_env):
    from cs_archive.embed import HashEmbedder
    from cs_archive.ingest import ingest

    copy = tmp_path / "index"
    shutil.copytree(seeds_hash, copy)
    extra = tmp_path / "papers"
    extra.mkdir()
    (extra / "050_extra.txt").write_text("Report to Cabinet\n\n1. The fostering allowance rises by 3% in April.\n")
    ingest([extra], copy, HashEmbedder())
    a = Archive(copy)
    assert SP.postings_of(a) is not None, "the writer's commit wrote the new generation's postings"
    want = list(SP.lexical_scores(_fts5(Archive(copy)), ["foster", "allow"], 5))
    assert want and list(SP.lexical_scores(a, ["foster", "allow"], 5)) == want
    shutil.rmtree(postings.folder_of(copy / a.manifest.generation))  # an archive written before postings
    b = Archive(copy)
    assert SP.postings_of(b) is None
    assert list(SP.lexical_scores(b, ["foster", "allow"], 5)) == want


def test_postings_carried_over_from_the_previous_generation_equal_a_fresh_build(seeds_hash, tmp_path, hash_env):
    """After a file is removed and others are added (one of them changed), the postings the
    writer's commit wrote reuse the old ones for the chunks left alone, and rank as FTS5 does."""
    from cs_archive.embed import HashEmbedder
    from cs_archive.ingest import ingest
    from conftest import seeds_changed_later

    emb = HashEmbedder()
    copy, papers = seeds_changed_later(seeds_hash, tmp_path, emb, "A further paragraph on fostering allowances.",
                                       "The fostering allowance rises by 3% in April.")
    ingest([papers], copy, emb)
    a = Archive(copy)
    gen = copy / a.manifest.generation
    carried = postings.Postings.read(postings.folder_of(gen))  # what the writer's commit carried over
    fresh = postings.Postings.build(a.db)
    assert (carried.rows, carried.tokens) == (fresh.rows, fresh.tokens) == postings.fts5_totals(a.db)
    assert np.array_equal(carried.lengths, fresh.lengths)
    assert carried.doc_freqs(list(fresh.terms)) == fresh.doc_freqs(list(fresh.terms))
    assert np.array_equal(carried.ids, fresh.ids) and np.array_equal(carried.prints, fresh.prints)
    ref = _fts5(Archive(copy))
    b = Archive(copy)
    assert SP.postings_of(b) is not None
    for terms in _queries(fresh)[:120] + [["foster", "allow"]]:
        assert list(SP.lexical_scores(b, terms, 20)) == list(SP.lexical_scores(ref, terms, 20)), terms


def test_variants_sharing_terms_and_kept_phrases_score_as_fresh_calls(seeds_hash, monkeypatch):
    """One search scores each term once for all its query variants (``memo``), and a reader keeps
    the phrases it read from FTS5 (``Postings.phrase``): the same scores as reading afresh."""
    monkeypatch.setattr(postings, "PHRASE_CACHE", 40)  # small, so phrases are evicted and read again
    a, ref = Archive(seeds_hash), Archive(seeds_hash)
    p, p_ref = SP.postings_of(a), SP.postings_of(ref)
    qrels = [json.loads(line)["query"] for line in (ROOT / "eval" / "qrels.jsonl").open()]
    some = np.array(sorted(random.Random(3).sample(range(1, p.rows + 1), p.rows // 4)), dtype="int64")
    phrased = shared = 0
    for q in qrels + ["LAC placements 2023/24", "SEND transport overspend", "UASC costs", "kids taught at home"]:
        for allowed in (None, some):
            memo = {}
            for v in query_variants(q):
                terms = [" ".join(t) for t in v]
                shared += sum(t in memo for t in terms)
                phrased += sum(len(t) > 1 for t in v)
                p_ref._phrases.clear()
                assert SP.lexical_scores(a, terms, 20, allowed, memo) == SP.lexical_scores(ref, terms, 20, allowed), (q, terms)
            kept = [len(d) for d, _ in p._phrases.values()]
            assert sum(kept) <= postings.PHRASE_CACHE or len(kept) == 1
    assert phrased and shared  # the queries exercised phrases and terms shared between variants
