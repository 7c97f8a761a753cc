"""The archive folder: counts, incremental re-ingest, removal, crash safety, one writer at a
time, model checks, supplied metadata, PDFs. All with the fast HashEmbedder."""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from cs_archive.chunking import read_file
from cs_archive.embed import HashEmbedder
from cs_archive.index.store import (Archive, ArchiveBusy, ArchiveError, Manifest, Writer, check,
                                    writing)
from cs_archive.ingest import content_hash, embed_text, ingest, remove
from cs_archive.search import Filters, search

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
PDFS = ROOT / "tests" / "fixtures" / "pdf"
SEED_NAMES = sorted(p.name for p in SEEDS.glob("*.txt"))


@pytest.fixture
def emb() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def papers(tmp_path, monkeypatch) -> Path:
    """A writable copy of seeds/ (with its manifest.csv), as ./papers: sources are 'papers/...'."""
    shutil.copytree(SEEDS, tmp_path / "papers")
    monkeypatch.chdir(tmp_path)
    return Path("papers")


@pytest.fixture
def idx(tmp_path) -> Path:
    return tmp_path / "index"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """seeds/ ingested once per module (./papers -> ./index), copied by ``built``."""
    base = tmp_path_factory.mktemp("template")
    shutil.copytree(SEEDS, base / "papers")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(base)
        report = ingest([Path("papers")], base / "index", HashEmbedder())
    assert len(report.added) == 5 and not report.failed
    return base


@pytest.fixture
def built(template, tmp_path, monkeypatch) -> tuple[Path, Path]:
    """A fresh copy of the seeds and of their archive, as if just ingested here: (papers, index)."""
    shutil.copytree(template / "papers", tmp_path / "papers")
    shutil.copytree(template / "index", tmp_path / "index")
    monkeypatch.chdir(tmp_path)
    return Path("papers"), tmp_path / "index"


def src(folder: Path, prefix: str) -> str:
    """The source path the archive records for the seed whose name starts with prefix."""
    return str(next(folder.glob(f"{prefix}_*.txt")))


def gens(idx: Path) -> list[str]:
    return sorted(p.name for p in idx.glob("gen-*"))


def snapshot(idx: Path) -> dict:
    a = Archive(idx)
    try:
        return {
            "manifest": a.manifest.to_json(),
            "files": [tuple(r) for r in a.db.execute("SELECT source, sha256, meta_hash FROM files ORDER BY 1")],
            "chunks": [tuple(r) for r in a.db.execute("SELECT chunk_id, content_hash FROM chunks ORDER BY 1")],
            "vectors": len(a.vectors),
        }
    finally:
        a.close()


def chunk_ids_by_source(idx: Path) -> dict[str, list[str]]:
    a = Archive(idx)
    try:
        out: dict[str, list[str]] = {}
        for r in a.db.execute("SELECT p.source, c.chunk_id FROM chunks c JOIN papers p USING(doc_id) "
                              "ORDER BY p.source, c.doc_id, c.seq"):
            out.setdefault(r[0], []).append(r[1])
        return out
    finally:
        a.close()


def paper_rows(idx: Path, source: str) -> list[dict]:
    a = Archive(idx)
    try:
        return [dict(r) for r in a.db.execute("SELECT * FROM papers WHERE source = ? ORDER BY idx", (source,))]
    finally:
        a.close()


def find(idx: Path, emb, query: str, k: int = 10, **filters):
    a = Archive(idx)
    try:
        return search(a, emb, query, k=k, filters=Filters(**filters))
    finally:
        a.close()


# -- counts --------------------------------------------------------------------------------

def test_ingest_seeds_counts_match_manifest_and_check_passes(papers, idx, emb):
    report = ingest([papers], idx, emb)
    assert sorted(Path(s).name for s in report.added) == SEED_NAMES
    assert report.failed == [] and report.updated == [] and report.unchanged == []
    m = Manifest.read(idx)
    assert (m.model, m.dim, m.generation) == ("hash", 64, "gen-000001")
    assert m.counts == {"files": 5, "papers": 14, "chunks": report.chunks, "vectors": report.chunks}
    assert report.chunks > 300
    s = Archive(idx).stats()
    assert (s["files"], s["papers"], s["chunks"]) == (5, 14, report.chunks)
    assert sum(s["by_type"].values()) == 14
    assert check(idx) == []
    assert gens(idx) == ["gen-000001"]
    assert not (idx / "manifest.json.tmp").exists()


def test_reingest_of_unchanged_files_changes_nothing(built, emb):
    papers, idx = built
    before = snapshot(idx)
    report = ingest([papers], idx, emb)
    assert sorted(Path(s).name for s in report.unchanged) == SEED_NAMES
    assert (report.added, report.updated, report.failed) == ([], [], [])
    assert (report.chunks, report.embedded) == (0, 0)
    assert snapshot(idx) == before  # same generation, timestamps, chunk ids, hashes
    assert gens(idx) == [before["manifest"]["generation"]]


def test_editing_one_paper_replaces_only_its_chunks(built, emb):
    papers, idx = built
    before = chunk_ids_by_source(idx)
    edited = src(papers, "003")
    old = "2.5 The WSOA has been integrated into the wider SEND Improvement Plan."
    text = Path(edited).read_text(encoding="utf-8")
    assert text.count(old) == 1
    Path(edited).write_text(text.replace(old, old[:-1] + ", reviewed every term."), encoding="utf-8")

    report = ingest([papers], idx, emb)
    assert report.updated == [edited] and report.added == [] and report.failed == []
    assert len(report.unchanged) == 4
    after = chunk_ids_by_source(idx)
    for source, ids in before.items():
        if source != edited:
            assert after[source] == ids, f"{source} was touched"
    assert not set(before[edited]) & set(after[edited]), "the old version's chunks are gone"
    assert len(after[edited]) == len(read_file(edited).chunks) == report.chunks
    # Only the changed passage was embedded again; the rest reused their stored vectors.
    assert 1 <= report.embedded < report.chunks
    assert check(idx) == []
    hits = find(idx, emb, '"reviewed every term"')
    assert [h.source for h in hits] == [edited] and hits[0].section == "2.5"
    a = Archive(idx)
    assert a.db.execute("SELECT count(*) FROM chunks WHERE instr(text, ?)", (old,)).fetchone()[0] == 0
    a.close()


def test_remove_drops_a_paper_and_check_still_passes(built, emb):
    papers, idx = built
    gone = src(papers, "004")
    assert find(idx, emb, '"Children\'s Services Update"', k=50, committee="cabinet")
    assert remove([gone], idx, "hash", 64) == [gone]
    m = Manifest.read(idx)
    assert m.counts["files"] == 4 and m.counts["papers"] == 13
    assert gone not in chunk_ids_by_source(idx)
    assert paper_rows(idx, gone) == []
    assert check(idx) == []
    assert all(h.source != gone for h in find(idx, emb, "children's services update", k=50))
    assert gens(idx) == [m.generation]


def test_remove_of_an_unknown_path_changes_nothing(built, emb):
    papers, idx = built
    before = snapshot(idx)
    assert remove([str(papers / "nope.txt")], idx, "hash", 64) == []
    assert snapshot(idx) == before


# -- crash safety ----------------------------------------------------------------------------

def _put(w: Writer, path: Path, emb) -> None:
    """What ingest does for one file, by hand."""
    data = path.read_bytes()
    rf = read_file(path)
    titles = {p.doc_id: p.meta.title for p in rf.papers}
    texts = [embed_text(c, titles[c.doc_id]) for c in rf.chunks]
    w.put_file(str(path), hashlib.sha256(data).hexdigest(), "x", rf.loaded.page_count, rf.loaded.dropped,
               list(rf.papers), list(rf.chunks), [content_hash(emb.name, t) for t in texts], emb.embed(texts))


def _two_seed_archive(tmp_path, idx, emb) -> Path:
    folder = tmp_path / "two"
    folder.mkdir()
    for name in SEED_NAMES[:2]:
        shutil.copy(SEEDS / name, folder)
    ingest([folder], idx, emb)
    return folder


def test_exception_inside_writing_leaves_previous_generation(tmp_path, idx, emb):
    _two_seed_archive(tmp_path, idx, emb)
    before = snapshot(idx)
    with pytest.raises(RuntimeError, match="boom"):
        with writing(idx, "hash", 64) as w:
            _put(w, SEEDS / SEED_NAMES[3], emb)
            assert (idx / "gen-000002" / "archive.sqlite").exists()
            raise RuntimeError("boom")
    assert snapshot(idx) == before
    assert gens(idx) == ["gen-000001"]
    assert check(idx) == []
    assert len(find(idx, emb, "children in care", k=5)) == 5


class FailsOnThirdFile(HashEmbedder):
    def __init__(self):
        self.calls = 0

    def embed(self, texts, batch_size=32):
        self.calls += 1  # with a pool of one text, ingest embeds once per new file
        if self.calls == 3:
            raise RuntimeError("model crashed")
        return super().embed(texts, batch_size)


def test_embedder_failing_mid_ingest_leaves_previous_generation(tmp_path, idx, emb, monkeypatch):
    monkeypatch.setenv("CS_ARCHIVE_EMBED_POOL", "1")  # two files written before the model fails
    folder = _two_seed_archive(tmp_path, idx, emb)
    before = snapshot(idx)
    for name in SEED_NAMES[2:]:
        shutil.copy(SEEDS / name, folder)
    flaky = FailsOnThirdFile()
    with pytest.raises(RuntimeError, match="model crashed"):
        ingest([folder], idx, flaky)
    assert flaky.calls == 3
    assert snapshot(idx) == before
    assert gens(idx) == ["gen-000001"]
    assert check(idx) == []
    assert find(idx, emb, "children in care", k=5)
    # The lock was released: the next ingest goes through and lands everything.
    report = ingest([folder], idx, emb)
    assert len(report.added) == 3 and len(report.unchanged) == 2
    assert Manifest.read(idx).counts["files"] == 5
    assert gens(idx) == ["gen-000002"]


DIES = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from cs_archive.embed import HashEmbedder
    from cs_archive.ingest import ingest

    os.environ["CS_ARCHIVE_EMBED_POOL"] = "1"  # one embedding call per new file: the second file's kills it

    class Dies(HashEmbedder):
        calls = 0
        def embed(self, texts, batch_size=32):
            Dies.calls += 1
            if Dies.calls == 2:
                os._exit(9)  # killed: no cleanup, no abort
            return super().embed(texts, batch_size)

    ingest([sys.argv[1]], Path(sys.argv[2]), Dies())
""")


def test_killed_ingest_leaves_previous_generation_and_next_ingest_sweeps(tmp_path, idx, emb):
    folder = _two_seed_archive(tmp_path, idx, emb)
    before = snapshot(idx)
    for name in SEED_NAMES[2:]:
        shutil.copy(SEEDS / name, folder)
    r = subprocess.run([sys.executable, "-c", DIES, str(folder), str(idx)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 9, r.stderr
    assert gens(idx) == ["gen-000001", "gen-000002"], "the dead writer's half-made generation is left"
    assert snapshot(idx) == before
    assert check(idx) == []
    assert find(idx, emb, "children in care", k=5)
    report = ingest([folder], idx, emb)
    assert len(report.added) == 3
    assert gens(idx) == [Manifest.read(idx).generation]
    assert check(idx) == []


def test_failed_rebuild_leaves_previous_archive_current(tmp_path, idx, emb, monkeypatch):
    folder = _two_seed_archive(tmp_path, idx, emb)
    monkeypatch.setenv("CS_ARCHIVE_EMBED_POOL", "1")
    before = snapshot(idx)
    flaky = FailsOnThirdFile()
    flaky.calls = 1  # fail on the second file of the rebuild
    with pytest.raises(RuntimeError, match="model crashed"):
        ingest([folder], idx, flaky, rebuild=True)
    assert check(idx) == []
    assert snapshot(idx) == before


def test_rebuild_starts_afresh_and_readers_keep_the_live_archive_meanwhile(built, emb):
    papers, idx = built
    before = snapshot(idx)
    w = Writer(idx, "hash", 64, rebuild=True)
    try:
        assert snapshot(idx) == before, "the live generation is untouched while a rebuild runs"
        assert find(idx, emb, "children in care", k=3)
    finally:
        w.abort()
    assert snapshot(idx) == before
    only = papers / SEED_NAMES[4]
    report = ingest([only], idx, emb, rebuild=True)
    assert report.added == [str(only)]
    m = Manifest.read(idx)
    assert m.counts["files"] == 1 and m.generation != before["manifest"]["generation"]
    assert gens(idx) == [m.generation]
    assert check(idx) == []


def test_check_reports_missing_vectors(built, emb):
    papers, idx = built
    (idx / Manifest.read(idx).generation / "vectors.faiss").unlink()
    problems = check(idx)
    assert len(problems) == 1 and "vectors.faiss" in problems[0]


def test_check_reports_chunks_without_vectors(built, emb):
    papers, idx = built
    db = sqlite3.connect(idx / Manifest.read(idx).generation / "archive.sqlite")
    db.execute("DELETE FROM chunks WHERE id = (SELECT max(id) FROM chunks)")
    db.commit()
    db.close()
    problems = check(idx)
    assert any("vectors in FAISS" in p for p in problems)
    assert any("manifest counts" in p for p in problems)


def test_check_reports_a_full_text_index_out_of_step(built, emb):
    papers, idx = built
    db = sqlite3.connect(idx / Manifest.read(idx).generation / "archive.sqlite")
    db.execute("DELETE FROM chunks WHERE id = (SELECT max(id) FROM chunks)")
    db.commit()
    db.close()
    assert any("in the full-text index" in p for p in check(idx))


def test_an_archive_of_the_older_format_is_refused_with_the_command_that_rebuilds_it(built, emb, hash_env, cli):
    """Format 1 kept the lexical arm in FTS5 and numpy arrays; readers and writers refuse it
    and say how to rebuild. A rebuild replaces it."""
    papers, idx = built
    data = json.loads((idx / "manifest.json").read_text())
    (idx / "manifest.json").write_text(json.dumps(dict(data, format=1)))
    rebuild = f"cs-archive ingest PATH --index {idx} --rebuild"
    with pytest.raises(ArchiveError, match="format 1") as e:
        Archive(idx)
    assert rebuild in str(e.value)
    with pytest.raises(ArchiveError, match="format 1"):
        ingest([papers], idx, emb)
    r = cli("search", "school transport", "--index", str(idx))
    assert r.code != 0 and rebuild in r.err
    ingest([papers], idx, emb, rebuild=True)
    assert Manifest.read(idx).format == 2 and check(idx) == []
    assert find(idx, emb, "school transport")


# -- one writer at a time -------------------------------------------------------------------

def test_second_writer_is_refused_while_one_is_writing(built, emb, hash_env, cli):
    papers, idx = built
    first = Writer(idx, "hash", 64)
    try:
        with pytest.raises(ArchiveBusy, match="another ingest"):
            Writer(idx, "hash", 64)
        with pytest.raises(ArchiveBusy, match="another ingest"):
            ingest([papers], idx, emb)
        r = cli("ingest", papers, "--index", idx)
        assert r.code == 1 and "another ingest" in r.err
        assert first.gen.exists(), "the refused writer must not sweep the working generation"
    finally:
        first.abort()
    assert gens(idx) == ["gen-000001"]
    Writer(idx, "hash", 64).abort()  # the lock is free again


# -- the model an archive was built with -----------------------------------------------------

def test_hash_archive_refuses_search_with_the_real_model(built, emb, real_env, cli):
    papers, idx = built
    with pytest.raises(ArchiveError, match="CS_ARCHIVE_MODEL=hash"):
        Archive(idx).check_model("all-MiniLM-L6-v2")
    r = cli("search", "children in care", "--index", idx)
    assert r.code == 2
    assert "built with model 'hash'" in r.err
    assert "CS_ARCHIVE_MODEL=hash" in r.err and "--rebuild" in r.err


def test_ingest_with_another_model_is_refused_and_changes_nothing(built, emb, real_env, cli):
    papers, idx = built
    before = snapshot(idx)
    r = cli("ingest", papers, "--index", idx)
    assert r.code == 2
    assert "--rebuild" in r.err and "CS_ARCHIVE_MODEL=hash" in r.err
    assert snapshot(idx) == before


# -- supplied metadata ------------------------------------------------------------------------

def test_manifest_csv_overrides_apply(built, emb):
    papers, idx = built
    [p004] = paper_rows(idx, src(papers, "004"))
    assert p004["council"] == "Buckinghamshire Council"
    assert p004["committee"] == "Cabinet"
    assert p004["title"] == "Children's Services Update"
    assert p004["doc_type"] == "decision"
    assert p004["url"] == "https://buckinghamshire.moderngov.co.uk/mgAi.aspx?ID=18164"
    pack = paper_rows(idx, src(papers, "002"))
    assert len(pack) == 10
    assert {p["council"] for p in pack} == {"Buckinghamshire County Council"}


def test_changed_manifest_row_rereads_only_that_file(built, emb):
    papers, idx = built
    before = chunk_ids_by_source(idx)
    target = src(papers, "003")
    manifest = papers / "manifest.csv"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    lines = [f"{Path(target).name},Buckinghamshire Council,Audit Panel,4 March 2021,Override Title,report,"
             if line.startswith("003_") else line for line in lines]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = ingest([papers], idx, emb)
    assert report.updated == [target] and len(report.unchanged) == 4
    [p] = paper_rows(idx, target)
    assert (p["committee"], p["date"], p["title"]) == ("Audit Panel", "2021-03-04", "Override Title")
    assert chunk_ids_by_source(idx) == before, "same bytes, same chunk ids"
    hits = find(idx, emb, "SEND improvement", k=20, committee="audit panel", until="2021-12-31")
    assert hits and {h.source for h in hits} == {target}
    assert {h.title for h in hits} == {"Override Title"}
    assert ingest([papers], idx, emb).updated == []


def test_meta_json_beside_a_file_overrides_manifest_csv(built, emb):
    papers, idx = built
    target = src(papers, "004")
    Path(target + ".meta.json").write_text(json.dumps({"committee": "Corporate Parenting Panel", "date": "2024-02-01"}))
    report = ingest([papers], idx, emb)
    assert report.updated == [target] and report.failed == []
    [p] = paper_rows(idx, target)
    assert (p["committee"], p["date"], p["title"]) == ("Corporate Parenting Panel", "2024-02-01",
                                                       "Children's Services Update")
    assert Manifest.read(idx).counts["files"] == 5, "the .meta.json is not itself a paper"


# -- files that move or repeat ---------------------------------------------------------------

def test_a_moved_file_replaces_its_old_path(built, emb):
    papers, idx = built
    old = src(papers, "003")
    (papers / "moved").mkdir()
    new = papers / "moved" / Path(old).name
    shutil.move(old, new)
    report = ingest([papers], idx, emb)
    assert report.added == [str(new)] and report.failed == []
    assert old not in chunk_ids_by_source(idx)
    assert Manifest.read(idx).counts["files"] == 5
    assert check(idx) == []


def test_a_second_copy_of_a_file_is_reported_not_added(built, emb):
    papers, idx = built
    (papers / "copy").mkdir()
    dup = papers / "copy" / "same.txt"
    shutil.copy(src(papers, "004"), dup)
    report = ingest([papers], idx, emb)
    assert [p for p, _ in report.failed] == [str(dup)]
    assert "already in the archive as" in report.failed[0][1]
    assert Manifest.read(idx).counts["files"] == 5



class Counting(HashEmbedder):
    """Records every text it is asked to embed."""

    def __init__(self):
        self.seen: list[list[str]] = []

    def embed(self, texts, batch_size=32):
        self.seen.append(list(texts))
        return super().embed(texts, batch_size)


def test_two_copies_of_a_new_file_in_one_run_keep_one(tmp_path, idx):
    """The copies are read into the same embedding pool, before either is written: the second
    is still recognised as the same file."""
    folder = tmp_path / "papers"
    (folder / "b").mkdir(parents=True)
    shutil.copy(SEEDS / SEED_NAMES[0], folder / "a.txt")
    shutil.copy(SEEDS / SEED_NAMES[0], folder / "b" / "same.txt")
    report = ingest([folder], idx, HashEmbedder())
    assert report.added == [str(folder / "a.txt")]
    assert [p for p, _ in report.failed] == [str(folder / "b" / "same.txt")]
    assert "already in the archive as" in report.failed[0][1]
    assert check(idx) == []


@pytest.fixture
def chunks_only(monkeypatch):
    """Only ingest's own embedding is counted: what is derived after the commit (the
    commitments register's follow-up queries, saved searches) embeds queries of its own."""
    monkeypatch.setattr("cs_archive.commitments.store.after_ingest", lambda *a, **k: None)
    monkeypatch.setattr("cs_archive.follow.watch.after_ingest", lambda *a, **k: None)


def test_pooled_embedding_writes_what_file_by_file_embedding_writes(tmp_path, monkeypatch, chunks_only):
    """Files are embedded in pools of many files' chunks (fewer, fuller batches); the archive
    is the same as embedding each file on its own, and a text met twice is embedded once."""
    pooled, single = Counting(), Counting()
    ingest([SEEDS], tmp_path / "pooled", pooled)
    monkeypatch.setenv("CS_ARCHIVE_EMBED_POOL", "1")
    ingest([SEEDS], tmp_path / "single", single)
    assert len(single.seen) == len(SEED_NAMES) and len(pooled.seen) < len(single.seen)
    texts = [t for call in pooled.seen for t in call]
    assert len(texts) == len(set(texts)), "each distinct text is embedded once"
    assert set(texts) == {t for call in single.seen for t in call}
    a, b = snapshot(tmp_path / "pooled"), snapshot(tmp_path / "single")
    assert a["files"] == b["files"] and a["chunks"] == b["chunks"] and a["vectors"] == b["vectors"]
    assert vector_rows(tmp_path / "pooled") == vector_rows(tmp_path / "single"), "same ids, same vectors"


def test_a_large_file_is_spooled_and_embedded_a_pool_at_a_time(tmp_path, monkeypatch, chunks_only):
    """A file with more chunks than are kept in memory has them spooled to a temporary file
    and is embedded a pool at a time as it is written: the archive is the same as the one
    ingest writes with everything in memory, and no temporary file is left behind."""
    whole = Counting()
    ingest([SEEDS], tmp_path / "whole", whole)
    spool_dir = tmp_path / "tmp"
    spool_dir.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(spool_dir))
    monkeypatch.setenv("CS_ARCHIVE_SPOOL_CHUNKS", "5")
    monkeypatch.setenv("CS_ARCHIVE_EMBED_POOL", "7")
    spooled = Counting()
    report = ingest([SEEDS], tmp_path / "spooled", spooled)
    assert len(report.added) == len(SEED_NAMES) and report.chunks == len(vector_rows(tmp_path / "whole"))
    assert max(len(call) for call in spooled.seen) <= 7
    texts = [t for call in spooled.seen for t in call]
    assert len(texts) == len(set(texts)) and set(texts) == {t for call in whole.seen for t in call}
    a, b = snapshot(tmp_path / "whole"), snapshot(tmp_path / "spooled")
    assert a["files"] == b["files"] and a["chunks"] == b["chunks"] and a["vectors"] == b["vectors"]
    assert vector_rows(tmp_path / "whole") == vector_rows(tmp_path / "spooled"), "same ids, same vectors"
    assert check(tmp_path / "spooled") == []
    assert list(spool_dir.iterdir()) == [], "spooled chunks leave no file behind"


def test_a_text_repeated_through_a_large_file_is_embedded_once(tmp_path, monkeypatch):
    """Embedding a pool at a time, a text met again in a later pool still has its vector."""
    para = " ".join(f"The committee considered the budget line number {n} and asked for detail." for n in range(6))
    paper = tmp_path / "long.txt"
    paper.write_text("Report to Cabinet\n\nBudget monitoring\n\n" + "\n\n".join([para] * 30) + "\n", encoding="utf-8")
    monkeypatch.setenv("CS_ARCHIVE_SPOOL_CHUNKS", "3")
    monkeypatch.setenv("CS_ARCHIVE_EMBED_POOL", "4")
    counting = Counting()
    report = ingest([paper], tmp_path / "idx", counting)
    texts = [t for call in counting.seen for t in call]
    assert report.chunks >= 30 and len(texts) == len(set(texts)) < 5
    a = Archive(tmp_path / "idx")
    try:
        rows = a.db.execute("SELECT content_hash, vector FROM chunks").fetchall()
    finally:
        a.close()
    assert len(rows) == report.chunks and len({r["vector"] for r in rows}) == len({r["content_hash"] for r in rows})
    assert check(tmp_path / "idx") == []


def test_the_chunk_spool_gives_back_what_it_was_given(tmp_path, monkeypatch):
    from cs_archive.ingest import ChunkSpool

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    chunks = read_file(SEEDS / SEED_NAMES[0]).chunks
    for limit in (len(chunks) + 1, 3, 0):
        spool = ChunkSpool(limit)
        for c in chunks:
            spool.add(c)
        assert spool.spilled == (limit < len(chunks)) and len(spool) == len(chunks)
        assert tuple(spool) == chunks and tuple(spool) == chunks, "read back in full, more than once"
        assert list(tmp_path.iterdir()) == [], "the temporary file has no name: nothing to leave behind"
        spool.close()


def vector_rows(idx: Path) -> list[tuple]:
    a = Archive(idx)
    try:
        return [tuple(r) for r in a.db.execute("SELECT id, chunk_id, vector FROM chunks ORDER BY id")]
    finally:
        a.close()


# -- PDF ------------------------------------------------------------------------------------

def test_pdf_ingests_with_page_numbers(tmp_path, idx, emb):
    pdf = Path(shutil.copy(PDFS / "report_running_headers.pdf", tmp_path / "hsf.pdf"))
    report = ingest([pdf], idx, emb)
    assert report.added == [str(pdf)] and report.failed == []
    a = Archive(idx)
    try:
        assert a.db.execute("SELECT pages FROM files").fetchone()[0] == 3
        [paper] = a.db.execute("SELECT * FROM papers").fetchall()
        assert (paper["page_count"], paper["date"], paper["committee"]) == (3, "2024-01-04", "Cabinet")
        rows = a.db.execute("SELECT section, page, page_end, text FROM chunks ORDER BY seq").fetchall()
    finally:
        a.close()
    assert all(1 <= r["page"] <= r["page_end"] <= 3 for r in rows)
    by_section = {r["section"]: r for r in rows}
    assert (by_section["1.1"]["page"], by_section["1.1"]["page_end"]) == (1, 1)
    assert (by_section["2.2"]["page"], by_section["2.2"]["page_end"]) == (1, 2)  # runs over the break
    assert (by_section["3.1"]["page"], by_section["6.1"]["page"]) == (2, 3)
    [hit] = find(idx, emb, '"administration costs are capped"')
    assert (hit.section, hit.page, hit.page_end, hit.doc_type) == ("4.1", 2, 2, "report")


def test_search_reads_candidate_vectors_as_stored_before_and_after_ivf(tmp_path, emb, monkeypatch):
    """Flat: from the index, exactly as stored. IVF: the fp16 copies "pq" keeps (within 1e-3),
    or the stored rows themselves where the lists hold only codes."""
    from cs_archive.index import vectors as V

    monkeypatch.setattr(V, "EXACT_MAX", 100)  # IVF from 100 vectors, flat again below 50
    src = tmp_path / "papers"
    src.mkdir()
    (src / "big.txt").write_text("Report to Cabinet\n\n" + "\n\n".join(
        f"{n}. Paragraph {n} on budgets, placements and school transport number {n * 7}." for n in range(1, 161)))
    (src / "small.txt").write_text("Minutes of Cabinet\n\n1. Apologies were received.\n\n2. The minutes were agreed.\n")
    folder = tmp_path / "index"

    def as_stored(a):
        return {r["id"]: bytes(r["vector"]) for r in a.db.execute("SELECT id, vector FROM chunks")}

    def as_read(a):
        got = a.candidate_rows(list(as_stored(a)))
        return {i: np.asarray(r["vector"], dtype="float32").tobytes() if not isinstance(r["vector"], bytes)
                else r["vector"] for i, r in got.items()}

    def close(read, stored):
        return read.keys() == stored.keys() and all(
            np.allclose(np.frombuffer(read[i], "float32"), np.frombuffer(stored[i], "float32"), atol=1e-3) for i in stored)

    ingest([src], folder, emb)
    a = Archive(folder)
    assert a.vectors.kind == "faiss-ivf-pq" and close(as_read(a), as_stored(a))
    assert a.vectors.held(list(as_stored(a))) is not None and as_read(a) != as_stored(a)  # the copies, not the rows
    monkeypatch.setattr(V, "CODEC", "fp16")
    (src / "other.txt").write_text("Minutes of Scrutiny\n\n1. The chairman welcomed members.\n")
    ingest([src], folder, emb)  # rewritten with fp16 lists: candidates' vectors read from the rows
    a = Archive(folder)
    assert a.vectors.kind == "faiss-ivf-fp16" and as_read(a) == as_stored(a)
    remove([str(src / "big.txt")], folder, emb.name, emb.dim)
    a = Archive(folder)
    assert a.vectors.kind == "faiss-flat" and 0 < len(as_stored(a)) < 50
    assert a.vectors.held(list(as_stored(a))) is not None  # read from the index, not the rows
    assert as_read(a) == as_stored(a)
    assert check(folder) == []


@pytest.mark.parametrize("codec", ["flat", "pq", "fp16"])
def test_search_takes_the_dense_arms_vectors_from_its_answer_and_finds_the_same(tmp_path, emb, monkeypatch, codec):
    """The dense arm hands back its hits' vectors as the index holds them (``dense_held``), so
    search does not read them again: the hits, scores, duplicates and confidence marks are the
    same as when every candidate's vector is read (an index without vectors at hand), filtered
    or not; with fp16 lists the vectors are read from the rows, as before."""
    from cs_archive.index import vectors as V

    monkeypatch.setattr(V, "EXACT_MAX", 10**6 if codec == "flat" else 100)
    monkeypatch.setattr(V, "CODEC", "pq" if codec == "flat" else codec)
    src = tmp_path / "papers"
    src.mkdir()
    (src / "big.txt").write_text("Report to Cabinet\n\n" + "\n\n".join(
        f"{n}. Paragraph {n} on budgets, placements and school transport number {n * 7}." for n in range(1, 161)))
    (src / "copy.txt").write_text("Report to Cabinet\n\n" + "\n\n".join(
        f"{n}. Paragraph {n} on budgets, placements and school transport number {n * 7}." for n in range(1, 21)))
    ingest([src], tmp_path / "index", emb)
    a = Archive(tmp_path / "index")
    assert a.vectors.kind == ("faiss-flat" if codec == "flat" else f"faiss-ivf-{codec}")
    calls = []
    held = Archive.dense_held

    def spy(*args):
        found = held(*args)
        calls.append(found[2] is not None)
        return found

    monkeypatch.setattr(Archive, "dense_held", spy)
    queries = [("school transport budgets", Filters()), ("placements number 77", Filters()),
               ("how many placements?", Filters(committee="Cabinet")), ('"transport number 14"', Filters())]
    got = [search(a, emb, q, k=8, filters=f) for q, f in queries]
    assert calls == [codec != "fp16"] * len(queries)
    assert any(h.also_in for hits in got for h in hits)  # the copy's paragraphs fold into the report's
    monkeypatch.setattr(Archive, "dense_held", lambda *args: (*Archive.dense(*args), None))
    assert [search(a, emb, q, k=8, filters=f) for q, f in queries] == got
