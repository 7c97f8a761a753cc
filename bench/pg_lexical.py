"""PostgreSQL lexical arm before/after the postings table, on the same archive.

    .venv/bin/python bench/pg_lexical.py --size 100000 --queries 100 --clients 1 4

Builds bench/pg.py's synthetic archive of N chunks in PostgreSQL (bulk: the HNSW index is
dropped during the load and built once after it, as ``migrate`` does, so that 100k fits on a
small machine; the ingest rate printed is therefore not comparable with bench/pg.py's), runs
VACUUM ANALYZE, then times on the same data:

- ``lexical``: ``archive.lexical_scores(tokens(query), 50, allowed)`` alone (the arm being changed);
- ``search``: bench/pg.py's ``one_search`` (the library's search, query vector given, highlights off),
  with 1 and 4 concurrent clients, each with its own connection;

once reading the postings table and once with it renamed away (readers then fall back to the
tsvectors, the code path from before the postings table). Prints a markdown table.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("bench_pg", ROOT / "bench" / "pg.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)  # puts src/ and tests/ on sys.path

from cs_archive.index import pg  # noqa: E402
from cs_archive.index import open_archive, writing  # noqa: E402
from cs_archive.lexical import tokens  # noqa: E402


def build(url: str, size: int, material, dim: int) -> float:
    t = time.perf_counter()
    with writing(url, "all-MiniLM-L6-v2", dim) as w:
        w.con.execute("DROP INDEX IF EXISTS chunks_embedding")
        for source, papers, chunks, hashes, vectors in bench.synthetic_files(size, material):
            w.put_file(source, "sha", "meta", None, {}, papers, chunks, hashes, vectors)
        w.con.execute("SET maintenance_work_mem = '1GB'")
        w.con.execute(next(d for d in pg._schema(dim) if "USING hnsw" in d))
        w.con.execute("VACUUM ANALYZE")
    return size / (time.perf_counter() - t)


def lexical_times(url: str, qs) -> tuple[float, float]:
    a = open_archive(url)
    times = []
    try:
        for text, _, f in qs[:5]:  # warm
            a.lexical_scores(tokens(text), 50, a.filtered_ids(f, []))
        for text, _, f in qs:
            allowed = a.filtered_ids(f, [])
            t = time.perf_counter()
            a.lexical_scores(tokens(text), 50, allowed)
            times.append((time.perf_counter() - t) * 1000)
    finally:
        a.close()
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def shared_latency(url: str, qs, clients: int, pool_size: int) -> tuple[float, float, float]:
    """As bench.latency, but all clients share one reader (as the UI's users do) whose pool
    holds up to pool_size connections (1: one connection, calls take turns)."""
    a = pg.PgArchive(url, pool_size=pool_size)
    try:
        return bench.concurrent([a] * clients, qs)
    finally:
        a.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--shared", type=int, nargs="*", default=[],
                    help="also time CLIENTS threads sharing one reader, with a pool of 1 and of CLIENTS connections")
    ap.add_argument("--modes", nargs="+", default=["postings", "tsvectors"], choices=["postings", "tsvectors"])
    args = ap.parse_args()
    import signal

    from pgserver import PgServer

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    material = bench.seed_material(ROOT / "bench" / ".cache")
    dim = material[1].shape[1]
    qs = bench.queries(material, args.queries)
    server = PgServer.start(durable=True, settings={"shared_buffers": "1GB", "maintenance_work_mem": "1GB",
                                                    "work_mem": "64MB", "max_wal_size": "4GB"})
    rows, shared_rows = [], []
    try:
        url = server.url("bench_lexical")
        print(f"building {args.size} chunks…", file=sys.stderr, flush=True)
        rate = build(url, args.size, material, dim)
        print(f"built at {rate:.0f} chunks/s (bulk)", file=sys.stderr, flush=True)
        import psycopg

        for mode in args.modes:
            if mode == "tsvectors":
                with psycopg.connect(url, autocommit=True) as con:
                    con.execute("ALTER TABLE postings RENAME TO postings_away")
            lp50, lp95 = lexical_times(url, qs)
            for clients in args.clients:
                p50, p95, qps = bench.latency(url, qs, clients)
                rows.append({"lexical from": mode, "clients": clients, "lexical_p50": round(lp50, 1),
                             "lexical_p95": round(lp95, 1), "p50": round(p50, 1), "p95": round(p95, 1),
                             "qps": round(qps, 2)})
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        for clients in args.shared:
            for size in (1, clients):
                p50, p95, qps = shared_latency(url, qs, clients, size)
                line = (f"| one shared reader, pool of {size} | {args.size:,} | {clients} | {round(p50, 1)} | "
                        f"{round(p95, 1)} | {round(qps, 2)} |")
                print(line, file=sys.stderr, flush=True)
                shared_rows.append(line)
        table = "postings_away" if "tsvectors" in args.modes else "postings"
        with psycopg.connect(url, autocommit=True) as con:
            sizes = con.execute(f"SELECT pg_size_pretty(pg_total_relation_size('{table}')), "
                                f"pg_size_pretty(pg_total_relation_size('chunks')), (SELECT count(*) FROM {table})"
                                ).fetchone()
        print(f"postings: {sizes[0]} ({sizes[2]:,} rows); chunks with their indexes: {sizes[1]}", flush=True)
    finally:
        server.stop()
    print("| lexical from | chunks | clients | lexical p50 (ms) | lexical p95 (ms) | search p50 (ms) | "
          "search p95 (ms) | queries/s |\n|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['lexical from']} | {args.size:,} | {r['clients']} | {r['lexical_p50']} | {r['lexical_p95']} | "
              f"{r['p50']} | {r['p95']} | {r['qps']} |")
    if shared_rows:
        print("\n| readers | chunks | clients | search p50 (ms) | search p95 (ms) | queries/s |\n|---|---:|---:|---:|---:|---:|")
        print("\n".join(shared_rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
