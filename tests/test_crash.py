"""Crash safety of the real `cs-archive ingest` process (CS_ARCHIVE_MODEL=hash): SIGKILL at
random moments, readers during writes, two writers at once, leftovers of a killed writer.

CRASH_ROUNDS (default 25) sets the number of kill rounds; the random moments come from a
fixed seed, so a failure can be replayed."""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cs_archive.embed import HashEmbedder
from cs_archive.index.store import Archive, Manifest, check
from cs_archive.ingest import ingest
from cs_archive.search import search

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CLI = [sys.executable, "-m", "cs_archive.cli"]
ROUNDS = int(os.environ.get("CRASH_ROUNDS", 25))


def env(**extra: str) -> dict:
    return dict(os.environ, CS_ARCHIVE_MODEL="hash", PYTHONPATH=str(ROOT / "src"), HF_HUB_OFFLINE="1", **extra)


# Odd rounds treat every paper as a large file: its chunks spooled to a temporary file and
# embedded and written a few at a time (ingest.SPOOL_CHUNKS, EMBED_POOL), so kills land there too.
LARGE = {"CS_ARCHIVE_SPOOL_CHUNKS": "10", "CS_ARCHIVE_EMBED_POOL": "16"}


def ingest_cmd(folder: Path, index: Path, *extra: str) -> list[str]:
    return [*CLI, "ingest", str(folder), "--index", str(index), *extra]


def gens(index: Path) -> list[str]:
    return sorted(p.name for p in index.glob("gen-*"))


def consistent(index: Path) -> tuple[int, int]:
    """Open the archive as a reader does and check it agrees with itself: (files, chunks)."""
    a = Archive(index)
    try:
        chunks = a.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        files = a.db.execute("SELECT count(*) FROM files").fetchone()[0]
        assert chunks == len(a.vectors) == a.manifest.counts["chunks"]
        assert files == a.manifest.counts["files"]
        return files, chunks
    finally:
        a.close()


@pytest.fixture
def papers(tmp_path) -> Path:
    folder = tmp_path / "papers"
    folder.mkdir()
    for prefix in ("003", "004"):
        shutil.copy(next(SEEDS.glob(f"{prefix}_*.txt")), folder / f"paper_{prefix}.txt")
    return folder


def edit(folder: Path, n: int) -> None:
    """A change for round n: one paper gains a paragraph, so the next ingest has work to do."""
    target = sorted(folder.glob("*.txt"))[n % 2]
    with target.open("a", encoding="utf-8") as f:
        f.write(f"\n\n99.{n + 1} Round {n} added this paragraph about school transport and care leavers.\n")


def test_sigkill_at_random_moments_leaves_a_whole_archive(papers, tmp_path):
    """Each round edits a paper, starts `cs-archive ingest` (a rebuild every fourth round; every
    other round with the papers written as large files are, a few chunks at a time) and kills it: in one round in five at any moment of its start-up, otherwise at a random moment
    after it has begun its new generation (the part worth testing; start-up is mostly imports).
    Then the archive must open whole, pass `check`, and a re-run of the ingest must complete
    (run in this process, to keep the test's time modest)."""
    index = tmp_path / "index"
    rng = random.Random(5)
    ingest([papers], index, HashEmbedder())
    write_time = 0.5  # how long the writing part took last time: only to spread the kills
    killed = mid_write = 0
    for n in range(ROUNDS):
        edit(papers, n)
        live = Manifest.read(index).generation
        rebuild = n % 4 == 3
        proc = subprocess.Popen(ingest_cmd(papers, index, *(["--rebuild"] if rebuild else [])),
                                env=env(**(LARGE if n % 2 else {})),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if rng.random() < 0.2:
            time.sleep(rng.uniform(0, 1.5))
        else:
            while proc.poll() is None and all(g == live for g in gens(index)):
                time.sleep(0.005)
            time.sleep(rng.uniform(0, write_time * (4 if rebuild else 1.3)))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        killed += proc.returncode == -signal.SIGKILL
        mid_write += any(g != Manifest.read(index).generation for g in gens(index))

        assert check(index) == [], f"round {n}"
        consistent(index)
        t0 = time.monotonic()
        report = ingest([papers], index, HashEmbedder())
        write_time = time.monotonic() - t0
        assert report.failed == [] and len(report.added + report.updated + report.unchanged) == 2
        assert check(index) == []
        assert consistent(index)[0] == 2
        assert gens(index) == [Manifest.read(index).generation], "leftovers of the killed writer are swept"
    # Every round's paragraph is in the archive: nothing a completed ingest wrote was lost.
    a = Archive(index)
    try:
        for n in range(ROUNDS):
            assert a.db.execute("SELECT count(*) FROM chunks WHERE instr(text, ?)",
                                (f"Round {n} added",)).fetchone()[0] == 1
    finally:
        a.close()
    print(f"\n{ROUNDS} kill rounds survived; {killed} killed by SIGKILL before finishing, "
          f"{mid_write} of them with a new generation half-written")
    assert killed >= ROUNDS // 2, "most kills should land before the ingest ends"


WRITER = """
import sys
from pathlib import Path
from cs_archive.embed import HashEmbedder
from cs_archive.ingest import ingest

folder, index = Path(sys.argv[1]), Path(sys.argv[2])
for n in range(int(sys.argv[3])):
    target = sorted(folder.glob("*.txt"))[n % 2]
    with target.open("a", encoding="utf-8") as f:
        f.write(f"\\n\\n98.{n + 1} Writer pass {n} about school transport.\\n")
    report = ingest([folder], index, HashEmbedder(), rebuild=n % 3 == 2)
    assert not report.failed and len(report.added + report.updated) >= 1, report
    print(n, flush=True)
"""


def test_readers_never_see_a_half_written_archive(papers, tmp_path):
    """One process ingests again and again (every third a rebuild) while this one opens the
    archive, checks that it agrees with itself, and searches it, as fast as it can."""
    index = tmp_path / "index"
    ingest([papers], index, HashEmbedder())
    passes = 10
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(papers), str(index), str(passes)], env=env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    errors: list[str] = []
    reads = 0
    generations = set()
    emb = HashEmbedder()
    while writer.poll() is None:
        try:
            a = Archive(index)
            try:
                generations.add(a.manifest.generation)
                chunks = a.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
                files = a.db.execute("SELECT count(*) FROM files").fetchone()[0]
                assert chunks == len(a.vectors) == a.manifest.counts["chunks"] and files == 2
                assert len(search(a, emb, "school transport", k=3)) == 3
            finally:
                a.close()
            reads += 1
        except Exception as e:  # noqa: BLE001 — every failure of a reader is the finding
            errors.append(f"read {reads}: {type(e).__name__}: {e}")
    out, err = writer.communicate()
    assert writer.returncode == 0, err
    assert out.split() == [str(n) for n in range(passes)]
    assert errors == []
    assert len(generations) > 1, "the reads should span several generations"
    print(f"\n{reads} consistent reads over {len(generations)} generations during {passes} ingests")


def test_second_ingest_at_once_is_refused_with_a_message(papers, tmp_path):
    index = tmp_path / "index"
    ingest([papers], index, HashEmbedder())
    many = tmp_path / "many"
    many.mkdir()
    for n in range(15):  # enough work that the first ingest is still writing when the second starts
        text = next(SEEDS.glob("003_*.txt")).read_text(encoding="utf-8")
        (many / f"copy_{n:02d}.txt").write_text(f"{text}\n\n99.1 Copy {n}.\n", encoding="utf-8")
    first = subprocess.Popen(ingest_cmd(many, index), env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
    try:
        while len(gens(index)) < 2:  # the first writer has taken the lock and started its generation
            assert first.poll() is None, first.stderr.read()
            time.sleep(0.05)
        second = subprocess.run(ingest_cmd(papers, index), env=env(), capture_output=True, text=True, timeout=300)
        still_running = first.poll() is None
    finally:
        first.wait(timeout=600)
    assert still_running, "the first ingest ended too soon to test this"
    assert second.returncode == 1
    assert second.stderr.strip().splitlines()[-1] == (
        f"cs-archive: another ingest is writing to {index}; wait for it to finish and run this again")
    assert first.returncode == 0, first.stderr.read()
    assert check(index) == []
    assert consistent(index)[0] == 17


def test_leftovers_of_a_killed_writer_are_harmless(papers, tmp_path, cli, hash_env):
    index = tmp_path / "index"
    ingest([papers], index, HashEmbedder())
    live = Manifest.read(index).generation
    (index / ".lock").write_text("stale")
    (index / "gen-000099").mkdir()
    (index / "gen-000099" / "archive.sqlite").write_bytes(b"half a database")
    (index / "manifest.json.tmp").write_text('{"generation": "gen-0000')
    assert check(index) == [] and consistent(index)[0] == 2
    assert cli("search", "school transport", "--index", index).code == 0
    edit(papers, 0)
    r = cli("ingest", papers, "--index", index)
    assert r.code == 0, r.err
    assert gens(index) == [Manifest.read(index).generation] != [live]
    assert not (index / "manifest.json.tmp").exists()
    assert check(index) == []


def test_reader_whose_generation_is_removed_under_it_reads_the_new_one(papers, tmp_path, monkeypatch):
    """The race a reader can lose: it reads the manifest, a writer commits and removes that
    generation, then the reader opens the files. It must read the manifest again."""
    index = tmp_path / "index"
    ingest([papers], index, HashEmbedder())
    stale = Manifest.read(index)
    edit(papers, 0)
    ingest([papers], index, HashEmbedder())
    assert not (index / stale.generation).exists()
    real = Manifest.read.__func__
    calls = []

    def first_stale(cls, folder):
        calls.append(folder)
        return stale if len(calls) == 1 else real(cls, folder)

    monkeypatch.setattr(Manifest, "read", classmethod(first_stale))
    a = Archive(index)
    try:
        assert a.manifest.generation != stale.generation and len(calls) == 3
        assert a.db.execute("SELECT count(*) FROM chunks WHERE instr(text, 'Round 0 added')").fetchone()[0] == 1
    finally:
        a.close()
