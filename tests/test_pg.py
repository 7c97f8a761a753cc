"""What only the PostgreSQL store does: the HNSW index in the plan, filtered searches that
still return k hits through pgvector's iterative scan, concurrent writers, its own check,
and migrate from the embedded store with identical search results (real model, seeds)."""
from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from cs_archive.config import settings
from cs_archive.index import pg
from cs_archive.index import check, open_archive, writing
from cs_archive.index.store import ArchiveError, ArchiveMissing
from cs_archive.lexical import tokens
from cs_archive.models import Chunk, Paper, PaperMeta
from cs_archive.search import Filters

DIM = 32
RARE = "Rare Panel"


def lexical_ids(a, *args) -> list[int]:
    """The lexical arm's chunk ids, best first."""
    return list(a.lexical_scores(*args))


def synthetic(n_files: int, per_file: int = 50, rare_every: int = 25, seed: int = 3):
    """Files of random unit vectors; one paper in `rare_every` belongs to the rare committee."""
    rng = np.random.default_rng(seed)
    for f in range(n_files):
        source = f"synthetic/{f:04d}.pdf"
        committee = RARE if f % rare_every == 0 else f"Committee {f % 7}"
        paper = Paper(doc_id=f"d{f:04d}", source=source, start=0, end=1,
                      meta=PaperMeta(committee=committee, date=f"20{10 + f % 15}-0{1 + f % 9}-01", doc_type="report"))
        chunks = [Chunk(chunk_id=f"d{f:04d}.{s}", doc_id=paper.doc_id, seq=s, section=str(s), subsection=None,
                        part=None, heading="Heading", start=0, end=1, text=f"passage {s} of paper {f} about roads")
                  for s in range(per_file)]
        v = rng.normal(size=(per_file, DIM)).astype("float32")
        yield source, [paper], chunks, [f"h{c.chunk_id}" for c in chunks], v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def big(pg_server):
    """2,500 chunks in 50 files (2 of them, 100 chunks, in the rare committee)."""
    url = pg_server.url("pg_specific_big")
    with writing(url, "synthetic", DIM) as w:
        for source, papers, chunks, hashes, vectors in synthetic(50):
            w.put_file(source, "sha", "m", None, {}, papers, chunks, hashes, vectors)
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute("ANALYZE")
    a = open_archive(url)
    yield url, a
    a.close()
    pg_server.drop("pg_specific_big")


def plan(a, sql: str, args: list, settings: dict | None = None) -> str:
    with a.connection() as con, con.transaction():
        cur = con.cursor(binary=True)
        for k, v in (settings or {}).items():
            cur.execute("SELECT set_config(%s, %s, true)", [k, v])
        return "\n".join(r["QUERY PLAN"] for r in cur.execute("EXPLAIN " + sql, args))


def test_dense_search_uses_the_hnsw_index(big):
    _, a = big
    q = pg.Vec(np.ones(DIM, dtype="float32") / np.sqrt(DIM))
    assert "Index Scan using chunks_embedding" in plan(a, pg.DENSE_SQL, [q, q, 50], {"hnsw.ef_search": "100"})
    allowed = a.filtered_ids(Filters(committee="committee 3"), [])
    sql = pg.DENSE_FILTERED_SQL.format(where=allowed.where)
    assert "Index Scan using chunks_embedding" in plan(a, sql, [q, *allowed.args, q, 50],
                                                        {"hnsw.iterative_scan": "relaxed_order"})


def exact_top(a, q, allowed_ids, k):
    vecs = a.vectors_of(allowed_ids)
    return [i for _, i in sorted(((-float(v @ q), i) for i, v in vecs.items()))[:k]]


def test_a_selective_filter_still_returns_k_hits_through_the_index(big, monkeypatch):
    _, a = big
    monkeypatch.setattr(pg, "EXACT_BELOW", 10)  # force the index path for this 4% filter
    allowed = a.filtered_ids(Filters(committee=RARE.upper()), [])
    assert allowed.ids is None and len(allowed) == 100  # kept as SQL, counted on request
    q = a.vectors_of([1])[1]
    for k in (10, 50, 100):
        scores, ids = a.dense(q, k, allowed)
        rare = set(pg.PgAllowed(allowed.where, allowed.args, None, a))
        assert len(ids) == k and set(map(int, ids)) <= rare
        assert list(scores) == sorted(scores, reverse=True)
        want = exact_top(a, q, sorted(rare), k)
        assert len(set(map(int, ids)) & set(want)) >= 0.9 * k
    # Without iterative scans the index hands back ef_search rows and the filter keeps ~4% of them.
    sql = ("SELECT c.id FROM chunks c JOIN papers p USING (doc_id) WHERE " + allowed.where +
           " ORDER BY c.embedding <#> %s LIMIT 50")
    with a.connection() as con, con.transaction():
        con.execute("SET LOCAL hnsw.ef_search = 40")
        con.execute("SET LOCAL enable_seqscan = off")
        plain = con.cursor(binary=True).execute(sql, [*allowed.args, pg.Vec(q)]).fetchall()
    assert len(plain) < 50


def test_a_selective_filter_below_the_threshold_is_searched_exactly(big):
    _, a = big
    allowed = a.filtered_ids(Filters(committee=RARE), [])
    assert allowed.ids is not None and len(allowed.ids) == 100
    q = a.vectors_of([7])[7]
    _, ids = a.dense(q, 20, allowed)
    assert list(map(int, ids)) == exact_top(a, q, allowed.ids, 20)
    assert len(lexical_ids(a, tokens("roads passage"), 30, allowed)) == 30


def test_concurrent_writers_of_different_files_both_land(pg_url):
    files = list(synthetic(8, per_file=20, seed=9))
    errors = []

    def write(part):
        try:
            with writing(pg_url, "synthetic", DIM) as w:
                for source, papers, chunks, hashes, vectors in part:
                    w.put_file(source, "sha", "m", None, {}, papers, chunks, hashes, vectors)
        except Exception as e:  # noqa: BLE001 — reported below
            errors.append(repr(e))

    # The schema is made by whichever writer comes first; both then write side by side.
    threads = [threading.Thread(target=write, args=(files[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    a = open_archive(pg_url)
    assert a.stats()["chunks"] == 8 * 20 and a.stats()["files"] == 8
    a.close()
    assert check(pg_url) == []


def test_check_reports_damage_and_missing_archives_say_what_to_do(pg_url, pg_server):
    with pytest.raises(ArchiveMissing, match="cs-archive ingest PATH --store"):
        open_archive(pg_url)
    with writing(pg_url, "synthetic", DIM) as w:
        for source, papers, chunks, hashes, vectors in synthetic(2, per_file=10):
            w.put_file(source, "sha", "m", None, {}, papers, chunks, hashes, vectors)
    assert check(pg_url) == []
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("UPDATE corpus SET chunks = chunks + 1")
        con.execute("DROP INDEX chunks_embedding")
    problems = check(pg_url)
    assert any("21 chunks" in p for p in problems) and any("HNSW" in p for p in problems)
    bad = "postgresql://postgres:secret@127.0.0.1:1/none"
    with pytest.raises(ArchiveError, match=r"cannot connect to postgresql://postgres:\*\*\*@127.0.0.1:1/none"):
        open_archive(bad)


def test_rebuild_starts_afresh_with_another_model(pg_url):
    with writing(pg_url, "synthetic", DIM) as w:
        for source, papers, chunks, hashes, vectors in synthetic(1, per_file=5):
            w.put_file(source, "sha", "m", None, {}, papers, chunks, hashes, vectors)
    with pytest.raises(ArchiveError, match="Rebuild it with --rebuild"):
        with writing(pg_url, "other", 8):
            pass
    with writing(pg_url, "other", 8, rebuild=True) as w:
        assert w.old is None and w.sources() == []
    a = open_archive(pg_url)
    assert (a.manifest.model, a.manifest.dim, a.stats()["chunks"]) == ("other", 8, 0)
    a.close()


# -- migrate: the real model on the seeds --------------------------------------------------------
QUERIES = [
    ("How many in-house children's homes and beds does the council run?", Filters()),
    ("What is the Buckinghamshire Challenge?", Filters()),
    ("budget overspend on home to school transport", Filters()),
    ('"looked after children" placements', Filters()),
    ("decisions about adult social care", Filters(doc_type="minutes")),
    ("council tax increase", Filters(since="2023-01-01")),
    ("ACTION: officers to report back", None),  # filtered on the seeds' most common committee
]


def _search(archive, embedder, query, filters, monkeypatch):
    """search.search over any backend (it calls the store's own primitives)."""
    from cs_archive import search

    return search.search(archive, embedder, query, k=10, filters=filters)


@pytest.mark.model
def test_migrate_copies_without_embedding_and_searches_alike(seed_index, pg_url, real_env, monkeypatch):
    from cs_archive.embed import get_embedder
    from cs_archive.search import _subterm_stream

    counts = pg.migrate(seed_index, pg_url)
    src, dst = open_archive(seed_index), open_archive(pg_url)
    assert type(src).__name__ == "Archive"
    assert counts["chunks"] == src.manifest.counts["chunks"] == dst.stats()["chunks"]
    assert dst.manifest.model == src.manifest.model and dst.manifest.dim == src.manifest.dim
    assert check(pg_url) == []
    ids = list(range(1, 30))
    for i in ids:
        a_row, b_row = src.chunk_rows([i])[i], dst.chunk_rows([i])[i]
        same = [k for k in b_row.keys() if k not in ("topics", "stems")]
        assert {k: a_row[k] for k in same} == {k: b_row[k] for k in same}
        assert json.loads(a_row["topics"]) == json.loads(b_row["topics"])
        # The same words as the lexical arms match them ("1.1" is the two sub-terms "1 1").
        assert _subterm_stream([a_row["stems"]]) == _subterm_stream([b_row["stems"]])
    assert all(np.array_equal(src.vectors_of([i])[i], dst.vectors_of([i])[i]) for i in ids)
    embedder = get_embedder()
    busiest = max(src.papers(), key=lambda p: (p["n"], p["doc_id"]) if p["committee"] else (0, ""))["committee"]
    for query, filters in QUERIES:
        filters = filters or Filters(committee=busiest.lower().replace(" and ", " & "))
        a_hits = _search(src, embedder, query, filters, monkeypatch)
        b_hits = _search(dst, embedder, query, filters, monkeypatch)
        assert a_hits, query
        # The same dense arm; BM25 as each engine computes it (Tantivy, FTS5's formula in
        # PostgreSQL: tests/test_store_contract.py), so the rankings agree closely, not exactly.
        assert a_hits[0].chunk_id == b_hits[0].chunk_id, query
        shared = {h.chunk_id for h in a_hits} & {h.chunk_id for h in b_hits}
        assert len(shared) >= 0.7 * len(a_hits), query
    with pytest.raises(ArchiveError, match="already holds an archive"):
        pg.migrate(seed_index, pg_url)
    src.close()
    dst.close()


def test_generation_moves_on_every_commit(pg_url):
    from cs_archive.index import generation_of

    assert generation_of(pg_url) == "none"
    files = list(synthetic(2, per_file=5))
    gens = []
    for source, papers, chunks, hashes, vectors in files:
        with writing(pg_url, "synthetic", DIM) as w:
            w.put_file(source, "sha", "m", None, {}, papers, chunks, hashes, vectors)
        gens.append(generation_of(pg_url))
    a = open_archive(pg_url)
    assert len(set(gens)) == 2 and a.generation() == gens[-1] == a.manifest.generation
    a.close()


def test_the_cli_works_end_to_end_on_postgresql(cli, hash_env, pg_url, tmp_path):
    """ingest, search (with a filter and a quoted phrase), show, stats, check and remove through
    `--store postgresql://…`, as a user would run them."""
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "cabinet.txt").write_text(
        "Report to Cabinet\n\nDate: 4 January 2024\n\nTitle: Children's Services Update\n\n"
        "1.1 There are currently 41 children in care per 10,000 in the county.\n\n"
        "1.2 The next update will be provided to Cabinet in Summer 2024.\n", encoding="utf-8")
    (papers / "minutes.txt").write_text(
        "Minutes of the Select Committee\n\nDate: 5 July 2016\n\n1 APOLOGIES\n\nApologies were received.\n\n"
        "2 FOSTERING\n\nThe committee heard about recruiting foster carers.\n", encoding="utf-8")
    r = cli("ingest", papers, "--store", pg_url)
    assert r.code == 0, r.err
    assert "2 added" in r.err
    r = cli("search", "--json", '"children in care"', "--store", pg_url)
    assert r.code == 0, r.err
    hits = r.json()
    assert hits and hits[0]["section"] == "1.1" and hits[0]["date"] == "2024-01-04"
    r = cli("search", "--json", "foster carers", "--until", "2020-01-01", "--store", pg_url)
    assert r.code == 0 and {h["date"] for h in r.json()} == {"2016-07-05"}
    r = cli("show", hits[0]["chunk_id"], "--store", pg_url)
    assert r.code == 0 and "41 children in care" in r.out
    r = cli("stats", "--json", "--store", pg_url)
    assert r.code == 0 and (r.json()["files"], r.json()["papers"]) == (2, 2)
    unknown = r.json()["unknown"]
    r = cli("papers", "--json", "--store", pg_url)
    assert r.code == 0, r.err
    listed = r.json()
    assert [(p["source"], p["date"], p["exempt"]) for p in listed] == [
        (str(papers / "cabinet.txt"), "2024-01-04", False), (str(papers / "minutes.txt"), "2016-07-05", False)]
    assert unknown == {k: sum(p[k] is None or p[k] == "other" for p in listed)
                       for k in ("council", "committee", "date", "doc_type", "title")} and unknown["date"] == 0
    assert cli("papers", "--json", "--unknown", "council", "--store", pg_url).json() == [
        p for p in listed if p["council"] is None]
    r = cli("check", "--store", pg_url)
    assert r.code == 0 and r.out.startswith("ok: postgresql://")
    r = cli("remove", str(papers / "minutes.txt"), "--store", pg_url)
    assert r.code == 0, r.err
    assert cli("stats", "--json", "--store", pg_url).json()["files"] == 1


def test_migrate_command_copies_a_folder_archive(cli, hash_env, pg_url, tmp_path):
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "r.txt").write_text("Report to Cabinet\n\n1.1 Twelve new foster carers were recruited.\n",
                                  encoding="utf-8")
    (papers / "manifest.csv").write_text("file,council,date,corrected\nr.txt,Kent County Council,2024-01-04,date\n",
                                         encoding="utf-8")
    assert cli("ingest", papers, "--index", tmp_path / "index").code == 0
    r = cli("migrate", "--from", f"faiss://{tmp_path / 'index'}", "--to", pg_url)
    assert r.code == 0, r.err
    assert "copied 1 papers" in r.out
    before = cli("search", "--json", "foster carers", "--index", tmp_path / "index").json()
    after = cli("search", "--json", "foster carers", "--store", pg_url).json()
    assert [(h["chunk_id"], h["text"]) for h in after] == [(h["chunk_id"], h["text"]) for h in before]
    listed = cli("papers", "--json", "--store", pg_url).json()  # provenance copied too
    assert listed == cli("papers", "--json", "--index", tmp_path / "index").json()
    assert listed[0]["provenance"]["council"] == "manifest" and listed[0]["provenance"]["date"] == "correction"



def test_postings_follow_every_write_and_an_older_archive_gets_them(hash_env, pg_url):
    """The lexical arm's postings table: kept in step by put/remove, checked by `check`, and
    built from the tsvectors for an archive made before it existed, with the same rankings."""
    import psycopg
    from conftest import SEEDS

    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest, remove

    embedder = get_embedder()
    assert not ingest([SEEDS], pg_url, embedder).failed
    queries = [tokens(q) for q in ("children in care per 10,000", "home to school transport", "foster carers",
                                   "budget overspend 2023/24")]

    def ranked():
        a = open_archive(pg_url)
        try:
            return a.has_postings, [a.lexical_scores(q, 20) for q in queries], a.doc_freqs(["children", "transport"])
        finally:
            a.close()

    has, before, dfs = ranked()
    assert has and all(before) and check(pg_url) == []
    gone = sorted(SEEDS.glob("*.txt"))[0]
    remove([gone], pg_url, embedder.name, embedder.dim)
    assert check(pg_url) == []
    with psycopg.connect(pg_url, autocommit=True) as con:
        assert con.execute("SELECT count(*) FROM postings x WHERE NOT EXISTS "
                           "(SELECT 1 FROM chunks c WHERE c.id = x.id)").fetchone()[0] == 0
    assert not ingest([gone], pg_url, embedder).failed
    has, again, _ = ranked()
    assert [sorted(r.values()) for r in again] == [sorted(r.values()) for r in before]
    # An archive from before postings: searched from the tsvectors, the same; a write adds them.
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("DROP TABLE postings")
    assert any("postings" in p for p in check(pg_url))
    has, old, old_dfs = ranked()
    assert not has and old == again and old_dfs == dfs
    with writing(pg_url, embedder.name, embedder.dim):
        pass
    has, upgraded, new_dfs = ranked()
    assert has and upgraded == again and new_dfs == dfs and check(pg_url) == []


def test_one_reader_serves_concurrent_callers_from_a_pool(big, monkeypatch):
    """The UI shares one reader between its users: calls from many threads each borrow a
    connection from the pool and get the answers a lone caller gets."""
    url, lone = big
    rng = np.random.default_rng(5)
    qs = [v / np.linalg.norm(v) for v in rng.normal(size=(12, DIM)).astype("float32")]
    want = [lone.dense(q, 10)[1].tolist() for q in qs]
    words = [["passage", "roads"], ["paper", "7"], ["about"]]
    want_lex = [lexical_ids(lone, w, 20) for w in words]
    shared = open_archive(url)
    assert shared._pool is not None and shared._pool.max_size == settings().pg_pool
    got, errors = {}, []
    barrier = threading.Barrier(4)

    def work(t):
        try:
            barrier.wait()
            for n in range(t, len(qs), 4):
                got[n] = shared.dense(qs[n], 10)[1].tolist()
            got[("lex", t)] = [lexical_ids(shared, w, 20) for w in words]
        except Exception as e:  # noqa: BLE001 — reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert [got[n] for n in range(len(qs))] == want
    assert all(got[("lex", t)] == want_lex for t in range(4))
    assert 1 <= shared._pool.get_stats()["pool_size"] <= settings().pg_pool
    shared.close()
    monkeypatch.setenv("CS_ARCHIVE_PG_POOL", "1")
    single = open_archive(url)
    assert single._pool is None and lexical_ids(single, words[0], 20) == want_lex[0]
    single.close()


def test_an_archive_made_before_provenance_reads_none_and_a_write_adds_it(pg_url):
    import psycopg
    from conftest import SEEDS

    from cs_archive.embed import HashEmbedder
    from cs_archive.ingest import ingest

    emb = HashEmbedder()
    seed = sorted(SEEDS.glob("*.txt"))[0]  # council from the seeds' manifest.csv
    assert not ingest([seed], pg_url, emb).failed
    a = open_archive(pg_url)
    assert a.papers()[0]["provenance"]["council"] == "manifest"
    a.close()
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("DROP TABLE paper_provenance")
    a = open_archive(pg_url)
    assert [p["provenance"] for p in a.papers()] == [{}] and a.papers()[0]["council"]
    a.close()
    assert check(pg_url) == []
    with writing(pg_url, emb.name, emb.dim) as w:
        w.remove_file(str(seed))
    assert not ingest([seed], pg_url, emb).failed
    a = open_archive(pg_url)
    assert a.papers()[0]["provenance"]["council"] == "manifest"
    a.close()
