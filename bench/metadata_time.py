"""What reading papers' metadata adds to an ingest: the metadata layer's time (cutting packs,
reading each paper's header, councils, file names) against embedding the same papers' chunks.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/metadata_time.py seeds ../shared/corpus/docs

Prints the metadata time (best of 5 rounds, texts already extracted, as at ingest), the chunk
count, the embedding time of a sample of those chunks scaled to all of them, and the share of
ingest the metadata layer takes.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from cs_archive.chunking import iter_chunks, papers_of
from cs_archive.chunking.load import is_supported, load
from cs_archive.embed import get_embedder
from cs_archive.ingest import embed_text
from cs_archive.models import LoadError

SAMPLE = 256


def main(folders: list[str]) -> None:
    loaded = []
    for folder in folders:
        for f in sorted(Path(folder).rglob("*")):
            if f.is_file() and is_supported(f):
                try:
                    loaded.append((str(f), load(f)))
                except LoadError:
                    pass
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        papers = [(papers_of(lt, source, "0" * 64, {}), lt) for source, lt in loaded]
        best = min(best, time.perf_counter() - t)
    texts = [embed_text(c, p.meta.title) for ps, lt in papers for p in ps for c in iter_chunks([p], lt)]
    embedder = get_embedder()
    sample = texts[:: max(1, len(texts) // SAMPLE)][:SAMPLE]
    embedder.embed(sample[:8])  # load the model first
    t = time.perf_counter()
    embedder.embed(sample)
    per_text = (time.perf_counter() - t) / len(sample)
    embed_all = per_text * len(texts)
    print(f"{len(loaded)} files, {sum(len(ps) for ps, _ in papers)} papers, {len(texts)} chunks")
    print(f"metadata layer: {best:.3f} s ({best / len(loaded) * 1000:.1f} ms a file)")
    print(f"embedding: {per_text * 1000:.1f} ms a chunk, {embed_all:.1f} s for all")
    print(f"metadata / (metadata + embedding): {best / (best + embed_all):.2%}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["seeds"])
