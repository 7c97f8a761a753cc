"""Filters in numpy (index/facets.py) against the same filters in SQL, on the seeds stored
with awkward metadata: committee names spelt with "&" and "and" in several spacings and cases,
papers with no committee, no date or an empty one, topics in several cases, an exempt paper."""
from __future__ import annotations

import dataclasses
import itertools
import shutil
from pathlib import Path

import numpy as np
import pytest

from cs_archive.chunking import read_file
from cs_archive.embed import HashEmbedder
from cs_archive.index import facets, sqlite_primitives as SP
from cs_archive.index.base import nothing_allowed
from cs_archive.index.store import Archive, check, writing
from cs_archive.ingest import content_hash, embed_text
from cs_archive.search import Filters

ROOT = Path(__file__).resolve().parents[1]
EMB = HashEmbedder()
# (committee, council, date, doc_type) given to the papers in turn
AWKWARD = [
    ("Children & Education Select Committee", "Buckinghamshire Council", "2023-03-14", "report"),
    ("children and education select committee", "Bucks", "2023-11-02", "Minutes"),
    ("Children &Education Select Committee", None, None, "report"),
    ("CHILDREN& EDUCATION Select Committee", "Buckinghamshire Council", "", "agenda"),
    (None, "Buckinghamshire Council", "2024-06-30", "decision"),
    ("Cabinet", "Wycombe & District", "2024-01-09", "REPORT"),
]
TOPICS = [["Children's social care", "SEND"], ["children's SOCIAL care"], [], ["Finance", "FINANCE", "finance"]]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    index = tmp_path_factory.mktemp("facets") / "index"
    meta = itertools.cycle(AWKWARD)
    topics = itertools.cycle(TOPICS)
    secret = None
    with writing(index, EMB.name, EMB.dim) as w:
        for path in sorted((ROOT / "seeds").glob("*.txt")):
            rf = read_file(path)
            papers = []
            for p in rf.papers:
                committee, council, date, doc_type = next(meta)
                papers.append(dataclasses.replace(p, meta=dataclasses.replace(
                    p.meta, committee=committee, council=council, date=date, doc_type=doc_type)))
            chunks = [dataclasses.replace(c, topics=tuple(next(topics))) for c in rf.chunks]
            texts = [embed_text(c, None) for c in chunks]
            exempt = {papers[-1].doc_id: "Exempt information: Paragraph 3"} if secret is None else None
            secret = secret or papers[-1].doc_id
            w.put_file(str(path), rf.sha256, "m", rf.loaded.page_count, rf.loaded.dropped, papers, chunks,
                       [content_hash(EMB.name, t) for t in texts], EMB.embed(texts), exempt=exempt)
    return index


def _both(folder: Path) -> tuple[Archive, Archive]:
    numpy_side, sql_side = SP.FaissArchive(folder, exempt=True), SP.FaissArchive(folder, exempt=True)
    sql_side._facets = None
    assert SP.facets_of(numpy_side) is not None
    return numpy_side, sql_side


FILTERS = [
    Filters(committee="children & education"), Filters(committee="Children and Education"),
    Filters(committee="CHILDREN &EDUCATION select"), Filters(committee="education"), Filters(committee="cabinet"),
    Filters(council="wycombe and district"), Filters(council="bucks"), Filters(council="no such council"),
    Filters(since="2023-06-01"), Filters(until="2023-12-31"), Filters(since="2023-03-14", until="2024-01-09"),
    Filters(since="2030-01-01"), Filters(doc_type="report"), Filters(doc_type="MINUTES"), Filters(doc_type="repo"),
    Filters(topic="children's social care"), Filters(topic="SEND"), Filters(topic="send", committee="cabinet"),
    Filters(topic="no such topic"), Filters(topic="finance", since="2023-01-01", doc_type="report"),
    Filters(include_exempt=True), Filters(include_exempt=True, committee="children and education"),
    Filters(committee="children", until="2024-12-31", council="buckinghamshire"),
]


@pytest.mark.parametrize("f", FILTERS, ids=[str({k: v for k, v in vars(f).items() if v}) for f in FILTERS])
def test_the_same_chunks_as_sql(folder, f):
    fast, slow = _both(folder)
    want = slow.filtered_ids(f, [])
    got = fast.filtered_ids(f, [])
    assert (want is None) == (got is None)
    if want is not None:
        assert got.dtype == np.int64 and np.all(np.diff(got) > 0)  # ascending, as SQL's ORDER BY id
        assert got.tolist() == want.tolist()


def test_the_awkward_cases_are_all_there(folder):
    """The fixture holds what the comparison is for: or the comparison proves little."""
    fast, _ = _both(folder)
    fac = SP.facets_of(fast)
    committees = {r["committee"] for r in fast.papers()}
    assert None in committees and len({c for c in committees if c and "education" in c.lower()}) == 4
    assert {None, ""} <= {r["date"] for r in fast.papers()}
    assert fac.exempt.sum() == 1 and "children's social care" in fac.topics
    unfiltered = fast.filtered_ids(Filters(), [])  # an exempt paper: the default filter withholds it
    assert unfiltered is not None and 0 < len(unfiltered) < SP.chunk_count(fast)
    for f in (Filters(committee="education"), Filters(topic="send"), Filters(until="2023-12-31")):
        assert 0 < len(fast.filtered_ids(f, [])) < len(unfiltered)


def test_a_phrase_filter_still_runs_in_sql(folder):
    fast, slow = _both(folder)
    f = Filters(committee="children and education")
    assert fast.filtered_ids(f, ["looked after"]).tolist() == slow.filtered_ids(f, ["looked after"]).tolist()
    assert len(fast.filtered_ids(f, ["looked after"])) > 0


def test_case_is_folded_as_sqlite_folds_it(tmp_path):
    """ASCII letters fold, others do not, on both paths (SQLite's lower()): a filter selects the
    same chunks with and without facets, and with a quoted phrase (which runs in SQL)."""
    rf = max((read_file(f) for f in sorted((ROOT / "seeds").glob("*.txt"))), key=lambda rf: len(rf.papers))
    half = len(rf.papers) // 2
    assert half
    papers = [dataclasses.replace(p, meta=dataclasses.replace(p.meta, committee="écoles & USERS" if j < half else "ÉCOLES"))
              for j, p in enumerate(rf.papers)]
    chunks = [dataclasses.replace(c, topics=("éducation", "ÉTÉ")) for c in rf.chunks]
    texts = [embed_text(c, None) for c in chunks]
    with writing(tmp_path / "i", EMB.name, EMB.dim) as w:
        w.put_file("x.txt", rf.sha256, "m", None, {}, papers, chunks, [content_hash(EMB.name, t) for t in texts],
                   EMB.embed(texts))
    fast, slow = _both(tmp_path / "i")
    n, phrase = SP.chunk_count(fast), ["the"]
    found = {}
    for f in (Filters(committee="ÉCOLES and users"), Filters(committee="écoles"), Filters(committee="ecoles"),
              Filters(topic="ÉDUCATION"), Filters(topic="été"), Filters(topic="ÉTÉ")):
        found[str(f)] = len(fast.filtered_ids(f, []))
        assert found[str(f)] == len(slow.filtered_ids(f, [])), f
        assert len(fast.filtered_ids(f, phrase)) == len(slow.filtered_ids(f, phrase)), f
    assert 0 < found[str(Filters(committee="écoles"))] < n  # "ÉCOLES" is not folded: the other half
    assert found[str(Filters(topic="ÉDUCATION"))] == n and found[str(Filters(topic="ÉTÉ"))] == 0


def test_chunks_whose_paper_is_missing_and_odd_topics_as_sql_has_them(folder, tmp_path):
    """Damage a foreign tool could leave (``check`` reports the first): chunks whose paper is
    gone, and topics that are not a list of strings. Both paths still agree."""
    import sqlite3

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    gen = copy / Archive(copy).manifest.generation
    db = sqlite3.connect(next(gen.glob("*.sqlite")))
    ids = [r[0] for r in db.execute("SELECT id FROM chunks ORDER BY id")]
    db.execute("UPDATE chunks SET doc_id = 'ghost' WHERE id IN (?, ?)", (ids[3], ids[40]))
    for i, raw in zip(ids[50:], ['"SEND"', "[1, true, null, \"send\"]", "[[\"SEND\"]]", "{}", "[\"Send\", \"SEND\"]"]):
        db.execute("UPDATE chunks SET topics = ? WHERE id = ?", (raw, i))
    db.commit()
    assert facets.write(db, gen) is not None
    db.close()
    fast, slow = _both(copy)
    assert SP.facets_of(fast).paper_of.max() == len(SP.facets_of(fast).papers)  # the ghosts are there
    for f in FILTERS + [Filters(topic="send", include_exempt=True)]:
        want, got = slow.filtered_ids(f, []), fast.filtered_ids(f, [])
        assert (want is None and got is None) or got.tolist() == want.tolist(), f
    assert ids[3] in fast.filtered_ids(Filters(), []) and ids[3] not in fast.filtered_ids(Filters(doc_type="report"), [])


def test_facets_that_cannot_be_built_leave_sql_to_answer(folder, tmp_path, monkeypatch):
    """Facets only speed filters up: a commit whose facets cannot be built still commits, with
    none (not the previous generation's), and its filters run in SQL."""
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    first = sorted((ROOT / "seeds").glob("*.txt"))[0]

    def broken(db):
        raise ValueError("data this version's writer does not make")

    monkeypatch.setattr(facets.Facets, "build", broken)
    with writing(copy, EMB.name, EMB.dim) as w:
        w.remove_file(str(first))
    gen = copy / Archive(copy).manifest.generation
    assert not facets.folder_of(gen).exists() and not list(gen.glob(facets.FOLDER + ".*"))
    a = SP.FaissArchive(copy)
    assert SP.facets_of(a) is None and check(copy) == []
    assert len(a.filtered_ids(Filters(committee="education"), [])) > 0


def test_unreadable_topics_are_no_topics(folder, tmp_path):
    import sqlite3

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    gen = copy / Archive(copy).manifest.generation
    db = sqlite3.connect(next(gen.glob("*.sqlite")))
    db.execute("UPDATE chunks SET topics = 'not json' WHERE id = (SELECT max(id) FROM chunks)")
    db.commit()
    f = facets.write(db, gen)
    db.close()
    assert f is not None and int(f.ids[-1]) not in SP.FaissArchive(copy).filtered_ids(Filters(topic="send"), [])


def test_files_that_disagree_are_refused_and_sql_answers(folder, tmp_path):
    import sqlite3

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    gen = copy / Archive(copy).manifest.generation
    # Facets whole in themselves but of another state of the archive: one chunk fewer.
    other = tmp_path / "other.sqlite"
    shutil.copy(next(gen.glob("*.sqlite")), other)
    db = sqlite3.connect(other)
    db.execute("DELETE FROM chunks WHERE id = (SELECT min(id) FROM chunks)")  # the highest id stays
    db.commit()
    facets.write(db, gen)
    db.close()
    assert facets.Facets.read(facets.folder_of(gen))  # readable: the manifest's counts refuse them
    a = SP.FaissArchive(copy)
    assert SP.facets_of(a) is None
    assert any("filter tables disagree" in p for p in check(copy))
    f = Filters(committee="education")
    assert a.filtered_ids(f, []).tolist() == SP.FaissArchive(folder).filtered_ids(f, []).tolist()
    # The same count, but not this database's chunks: its highest id refuses them.
    db = sqlite3.connect(next(gen.glob("*.sqlite")))
    db.execute("UPDATE chunks SET id = id + 1000000 WHERE id = (SELECT max(id) FROM chunks)")
    db.commit()
    db.close()
    shutil.rmtree(facets.folder_of(gen))
    shutil.copytree(folder / gen.name / facets.FOLDER, facets.folder_of(gen))
    assert SP.facets_of(SP.FaissArchive(copy)) is None
    # Damaged files
    (facets.folder_of(gen) / "paper_of.npy").write_bytes(b"not numpy")
    assert SP.facets_of(SP.FaissArchive(copy)) is None
    (facets.folder_of(gen) / "paper_of.npy").write_bytes(b"")  # empty, as a crash may leave a file
    assert SP.facets_of(SP.FaissArchive(copy)) is None
    assert nothing_allowed(SP.FaissArchive(copy).filtered_ids(Filters(committee="no such committee"), []))


def test_rewritten_at_every_commit(folder, tmp_path):
    """A later write that removes a file leaves facets that match the new generation."""
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    first = sorted((ROOT / "seeds").glob("*.txt"))[0]
    with writing(copy, EMB.name, EMB.dim) as w:
        w.remove_file(str(first))
    fast, slow = _both(copy)
    assert check(copy) == []
    for f in FILTERS:
        want, got = slow.filtered_ids(f, []), fast.filtered_ids(f, [])
        assert (want is None and got is None) or got.tolist() == want.tolist(), f
