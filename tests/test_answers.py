"""The kinds of answer each chunk holds, recorded at commit (index/answers.py), against the
patterns run on the chunks' texts (answer_kinds.py), on the seeds ingested (HashEmbedder
vectors; the texts, writer and search are the real ones)."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from cs_archive import answer_kinds as A
from cs_archive import search as S
from cs_archive.embed import HashEmbedder
from cs_archive.index import answers, sqlite_primitives as SP
from cs_archive.index.store import Archive, check
from conftest import seeds_changed_later

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
EMB = HashEmbedder()


@pytest.fixture(scope="module")
def seeds_hash(tmp_path_factory):
    from cs_archive.ingest import ingest

    folder = tmp_path_factory.mktemp("answers") / "index"
    report = ingest([SEEDS], folder, EMB)
    assert not report.failed
    return folder


def _questions() -> list[str]:
    """Questions that ask for a kind of answer: the bench's, the evaluation's and some made here."""
    asked = (ROOT / "bench" / "questions.txt").read_text().splitlines()
    asked += [json.loads(line)["query"] for line in (ROOT / "eval" / "qrels.jsonl").open()]
    asked += ["When will the next update be provided to Cabinet?", "Who sent apologies?",
              "How quickly are contacts decided?", "How many children are in care?",
              "when is the fostering review due, and how many carers are there?"]
    got = [q for q in dict.fromkeys(asked) if A.answer_types(q)]
    assert {k for q in got for k in A.answer_types(q)} == set(A.KINDS)  # every kind asked for
    return got


def test_each_chunks_recorded_kinds_are_those_its_text_holds(seeds_hash):
    a = Archive(seeds_hash)
    rec = SP.answers_of(a)
    assert rec is not None, "the commit records them"
    rows = a.db.execute("SELECT id, text FROM chunks ORDER BY id").fetchall()
    ids = [r[0] for r in rows]
    kinds = rec.of(ids)
    assert kinds.tolist() == [A.kinds_of(r[1]) for r in rows]
    for j, kind in enumerate(A.KINDS):
        holds = [bool(k >> j & 1) for k in kinds.tolist()]
        assert holds == [A.answers((kind,), r[1]) == 1.0 for r in rows], kind
        assert 0 < sum(holds) < len(holds), kind  # each kind is found, and missed
    assert rec.of([max(ids) + 1]) is None and rec.of([0]) is None  # no chunk: no answer, rather than "none"
    assert rec.of([ids[0], max(ids) + 1]) is None and rec.of([ids[0], -1]) is None


def test_kinds_and_their_mask_agree_with_the_patterns():
    text = "In April 2024 Mr Smith said the 41 children would wait 3 weeks."
    assert A.kinds_of(text) == A.mask(A.KINDS) == 15
    assert A.kinds_of("Nothing here.") == 0
    for kind in A.KINDS:
        assert A.mask((kind,)) == 1 << A.KINDS.index(kind)
    assert A.mask(("date", "number")) == A.mask(("date",)) | A.mask(("number",))


def test_search_finds_the_same_with_the_record_as_from_the_texts(seeds_hash, monkeypatch):
    recorded = SP.FaissArchive(seeds_hash)
    assert SP.answers_of(recorded) is not None
    monkeypatch.setenv("CS_ARCHIVE_ANSWERS", "0")
    texts = SP.FaissArchive(seeds_hash)
    assert SP.answers_of(texts) is None
    asked = _questions()
    assert len(asked) >= 15
    nudged = 0
    for q in asked:
        for f in (S.Filters(), S.Filters(since="2021-01-01")):
            got = [h.to_json() for h in S.search(recorded, EMB, q, 10, f, highlights=False)]
            assert got == [h.to_json() for h in S.search(texts, EMB, q, 10, f, highlights=False)], q
            nudged += any(A.answers(A.answer_types(q), h["text"]) for h in got)
    assert nudged > 10  # the nudge had passages to nudge


def test_a_later_commit_carries_kinds_over_and_matches_only_new_texts(seeds_hash, tmp_path, monkeypatch):
    """After a file is removed and others are added (one of them changed), the recorded kinds
    equal a fresh build, and only the texts the previous generation did not hold were matched."""
    from cs_archive.ingest import ingest

    copy, papers = seeds_changed_later(seeds_hash, tmp_path, EMB, "The fostering review is due in March 2025.",
                                       "Cllr Jones said allowances rise within 2 weeks.")
    before = {t for (t,) in Archive(copy).db.execute("SELECT text FROM chunks")}
    matched = []
    real = A.kinds_of
    monkeypatch.setattr(A, "kinds_of", lambda text: matched.append(text) or real(text))
    ingest([papers], copy, EMB)
    a = Archive(copy)
    now = {t for (t,) in a.db.execute("SELECT text FROM chunks")}
    assert matched and set(matched) == now - before  # each new text once; none carried over matched again
    assert len(matched) == len(set(matched))
    carried = answers.Answers.read(answers.folder_of(copy / a.manifest.generation))
    fresh = answers.Answers.build(a.db)
    for name in answers.ARRAYS:
        assert np.array_equal(getattr(carried, name), getattr(fresh, name)), name
    assert any(A.kinds_of(t) == A.mask(("person", "duration", "number")) for t in now - before)
    assert check(copy) == []


def test_kinds_found_by_other_patterns_are_neither_used_nor_carried_over(seeds_hash, tmp_path, monkeypatch):
    copy = tmp_path / "index"
    shutil.copytree(seeds_hash, copy)
    monkeypatch.setattr(A, "PATTERNS", "other patterns")
    a = SP.FaissArchive(copy)
    assert SP.answers_of(a) is None
    assert any("answer kinds disagree" in p for p in check(copy))
    q = "When will the next update be provided to Cabinet?"
    monkeypatch.setenv("CS_ARCHIVE_ANSWERS", "0")
    want = [h.to_json() for h in S.search(SP.FaissArchive(seeds_hash), EMB, q, 10, highlights=False)]
    monkeypatch.delenv("CS_ARCHIVE_ANSWERS")
    assert [h.to_json() for h in S.search(a, EMB, q, 10, highlights=False)] == want
    # The next commit matches every text afresh, and records the patterns it used.
    from cs_archive.ingest import remove

    matched = []
    real = A.kinds_of
    monkeypatch.setattr(A, "kinds_of", lambda text: matched.append(text) or real(text))
    first = Archive(copy).db.execute("SELECT source FROM papers ORDER BY source LIMIT 1").fetchone()[0]
    remove([first], copy, EMB.name, EMB.dim)
    b = Archive(copy)
    assert len(matched) == len({t for (t,) in b.db.execute("SELECT text FROM chunks")})
    assert SP.answers_of(b) is not None and check(copy) == []


def test_records_of_another_state_or_damaged_are_refused(seeds_hash, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(seeds_hash, copy)
    a = Archive(copy)
    gen, counts = copy / a.manifest.generation, a.manifest.counts
    # Whole in themselves but of another state of the archive: one chunk fewer.
    other = tmp_path / "other.sqlite"
    shutil.copy(gen / "archive.sqlite", other)
    db = sqlite3.connect(other)
    db.execute("DELETE FROM chunks WHERE id = (SELECT min(id) FROM chunks)")  # the highest id stays
    db.commit()
    answers.write(db, gen)
    db.close()
    assert answers.Answers.read(answers.folder_of(gen))  # readable: the manifest's count refuses them
    assert answers.load(gen, counts, a.db) is None
    assert SP.answers_of(SP.FaissArchive(copy)) is None
    assert any("answer kinds disagree" in p for p in check(copy))
    # The same count, but another highest id.
    db = sqlite3.connect(gen / "archive.sqlite")
    answers.write(db, gen)
    assert answers.load(gen, counts, db) is not None
    db.execute("UPDATE chunks SET id = id + 1000000 WHERE id = (SELECT max(id) FROM chunks)")
    db.commit()
    assert answers.load(gen, counts, db) is None
    db.close()
    # Damaged files: not numpy, or empty (as a crash may leave one); the next commit still works
    (answers.folder_of(gen) / "kinds.npy").write_bytes(b"not numpy")
    assert answers.load(gen, counts, Archive(copy).db) is None
    (answers.folder_of(gen) / "kinds.npy").write_bytes(b"")
    assert answers.load(gen, counts, Archive(copy).db) is None
    assert any("answer kinds disagree" in p for p in check(copy))
    db = sqlite3.connect(gen / "archive.sqlite")
    assert answers.write(db, tmp_path / "next", previous=gen).ids.tolist() == [
        r[0] for r in db.execute("SELECT id FROM chunks ORDER BY id")]


def test_an_ingest_that_changes_nothing_writes_missing_or_refused_arrays_again(seeds_hash, tmp_path):
    """An archive without its answer kinds (from an older version), or with refused ones, gets
    them from the next ingest even when no file changed; a healthy archive is left as it is."""
    from cs_archive.ingest import ingest

    copy = tmp_path / "index"
    shutil.copytree(seeds_hash, copy)
    gen = Archive(copy).manifest.generation
    ingest([SEEDS], copy, EMB)
    assert Archive(copy).manifest.generation == gen  # nothing changed, nothing to write
    shutil.rmtree(answers.folder_of(copy / gen))
    assert SP.answers_of(SP.FaissArchive(copy)) is None
    ingest([SEEDS], copy, EMB)
    a = SP.FaissArchive(copy)
    assert a.manifest.generation != gen and SP.answers_of(a) is not None and check(copy) == []
    gen = a.manifest.generation
    (answers.folder_of(copy / gen) / "kinds.npy").write_bytes(b"")  # refused: written again
    ingest([SEEDS], copy, EMB)
    a = SP.FaissArchive(copy)
    assert a.manifest.generation != gen and SP.answers_of(a) is not None and check(copy) == []
    # Postings refused (their totals disagree with FTS5: here every length doubled) are rebuilt,
    # not carried over again.
    gen = a.manifest.generation
    lexical = copy / gen / "lexical"
    lengths = np.load(lexical / "lengths.npy")
    np.save(lexical / "lengths.npy", lengths * 2)
    meta = json.loads((lexical / "meta.json").read_text())
    (lexical / "meta.json").write_text(json.dumps({**meta, "tokens": int(lengths.sum() * 2)}))
    assert SP.postings_of(SP.FaissArchive(copy)) is None
    ingest([SEEDS], copy, EMB)
    a = SP.FaissArchive(copy)
    assert a.manifest.generation != gen and SP.postings_of(a) is not None and check(copy) == []
    gen = a.manifest.generation
    ingest([SEEDS], copy, EMB)
    assert Archive(copy).manifest.generation == gen  # and then left alone
