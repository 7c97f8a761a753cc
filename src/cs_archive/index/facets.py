"""What the filters ask of every chunk, in numpy: its paper, the paper's metadata, its topics.

A filtered search first lists the chunks the filters allow (``sqlite_primitives.filtered_ids``).
In SQL that tests every paper's committee through a chain of ``replace`` calls, walks every
allowed chunk and hands each id to Python: at 1M chunks a committee keeping a sixth of them cost
0.4 s a search, a topic 2 s. Here each chunk's paper (its place in the papers' list) is one int32
array in id order; each paper's committee, council and type a number into the distinct values,
its date a string; each topic a sorted array of places. A filter is then a test of the few
distinct values, a table over the papers, and a few array operations: milliseconds at 1M.

The tests are those of ``sqlite_primitives.paper_conditions`` and its topic clause (``base.py``
gives the filters' meaning), case folded as SQLite's ``lower`` folds it (ASCII letters only),
so that a filter selects the same chunks whichever way it runs.

They are kept per generation in ``gen-NNNNNN/facets/``, written by the same commit as the
postings (``write``), memory-mapped when read (``load``); ``load`` refuses files whose counts
differ from the generation's manifest or whose last chunk id is not its database's, and the
filters then run in SQL as before. A filter by quoted phrase still runs in SQL.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from . import arrays

FOLDER = "facets"
FORMAT = 1
ARRAYS = ("ids", "paper_of", "topic_offsets", "topic_at", "committee", "council", "doc_type", "date", "dated", "exempt")
VALUES = ("committee", "council", "doc_type")  # paper columns kept as numbers into their distinct values


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def sql_lower(value: str) -> str:
    """``value`` as SQLite's ``lower()`` gives it: ASCII letters folded, others as they are."""
    return value.translate(_ASCII_LOWER)


def and_spelt_column(value: str) -> str:
    """A committee or council name as the SQL filter compares it (``sqlite_primitives._AND_SPELT``:
    lower case, "&" spelt "and", however it is spaced)."""
    return (sql_lower(value).replace(" & ", " and ").replace("& ", " and ").replace(" &", " and ")
            .replace("&", " and "))


def topic_names(raw: str | None) -> list[str]:
    """A chunk's topics (a JSON list, as the writer stores it) as the SQL filter compares them
    (``lower(json_each.value)``): strings case folded, once each; anything else is no topic."""
    try:
        got = json.loads(raw) if raw else []
    except ValueError:
        return []
    got = got if isinstance(got, list) else [got]
    return list(dict.fromkeys(sql_lower(t) for t in got if isinstance(t, str)))


class Facets:
    """Chunk ids ascending and each one's paper (a place in ``papers``); per paper its committee,
    council and type (places in ``values[column]``, -1 for none), date (``dated`` false for none)
    and whether it is exempt; per topic (lower case), the places in ``ids`` of its chunks."""

    def __init__(self, papers: list[str], values: dict[str, list[str]], topics: list[str], **columns: np.ndarray):
        self.papers, self.values, self.topics = papers, values, topics
        for name in ARRAYS:
            setattr(self, name, columns[name])
        self._topic_number = {t: j for j, t in enumerate(topics)}

    @classmethod
    def build(cls, db: sqlite3.Connection) -> "Facets":
        """From the papers table and the chunks' ``doc_id`` and ``topics`` (JSON lists), in id order."""
        has_exempt = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'exempt_papers'").fetchone()
        exempt = {r[0] for r in db.execute("SELECT doc_id FROM exempt_papers")} if has_exempt else set()
        rows = sorted(db.execute("SELECT doc_id, committee, council, doc_type, date FROM papers "
                                 "WHERE doc_id IS NOT NULL").fetchall(), key=lambda r: r[0])
        papers = [r[0] for r in rows]
        values: dict[str, list[str]] = {}
        numbers = {}
        for j, col in enumerate(VALUES, 1):
            seen: dict[str, int] = {}
            numbers[col] = np.fromiter((-1 if r[j] is None else seen.setdefault(r[j], len(seen)) for r in rows),
                                       dtype="int32", count=len(rows))
            values[col] = list(seen)
        dates = [r[4] for r in rows]
        number = {d: j for j, d in enumerate(papers)}
        cur = db.cursor()
        cur.row_factory = None
        cur.execute("SELECT id, doc_id, topics FROM chunks ORDER BY id")
        ids, paper_of = [], []
        topic_number: dict[str, int] = {}
        parsed: dict[str, list[int]] = {}  # topics as stored -> topic numbers (archives repeat a few sets)
        pairs_t, pairs_at = [], []
        at = 0
        while batch := cur.fetchmany(50_000):
            for i, doc, raw in batch:
                ids.append(i)
                paper_of.append(number.get(doc, len(papers)))  # an orphan chunk: in no paper
                got = parsed.get(raw)
                if got is None:
                    got = parsed[raw] = [topic_number.setdefault(t, len(topic_number)) for t in topic_names(raw)]
                for t in got:
                    pairs_t.append(t)
                    pairs_at.append(at)
                at += 1
        t = np.asarray(pairs_t, dtype="int64")
        where = np.asarray(pairs_at, dtype="int64")
        order = np.lexsort((where, t))  # by topic, then place: each topic's places ascending
        return cls(papers, values, sorted(topic_number, key=topic_number.get),
                   ids=np.asarray(ids, dtype="int64"), paper_of=np.asarray(paper_of, dtype="int32"),
                   topic_offsets=np.searchsorted(t[order], np.arange(len(topic_number) + 1)).astype("int64"),
                   topic_at=where[order].astype("int32"),
                   date=np.array([d if d is not None else "" for d in dates], dtype="U"),
                   dated=np.array([d is not None for d in dates], dtype=bool),
                   exempt=np.array([d in exempt for d in papers], dtype=bool), **numbers)

    def write(self, folder: Path) -> None:
        arrays.save(folder, {name: getattr(self, name) for name in ARRAYS},
                    {"format": FORMAT, "chunks": len(self.ids), "papers": len(self.papers)},
                    {"values.json": json.dumps({"papers": self.papers, "topics": self.topics, **self.values})})

    @classmethod
    def read(cls, folder: Path) -> "Facets":
        meta = arrays.meta(folder, FORMAT, "facets")
        v = json.loads((folder / "values.json").read_text())
        f = cls(v["papers"], {c: v[c] for c in VALUES}, v["topics"], **arrays.mapped(folder, ARRAYS))
        n, p = len(f.ids), len(f.papers)
        if (n, p) != (meta["chunks"], meta["papers"]) or len(f.paper_of) != n \
                or any(len(getattr(f, a)) != p for a in (*VALUES, "date", "dated", "exempt")) \
                or len(f.topic_offsets) != len(f.topics) + 1 or int(f.topic_offsets[-1]) != len(f.topic_at):
            raise ValueError("facets arrays of different lengths")
        return f

    # -- reading -------------------------------------------------------------------------
    def allowed(self, f, include_exempt: bool = False) -> np.ndarray:
        """Ids (ascending) of the chunks that pass the filters ``f`` (``base.FilterValues``)."""
        keep = None
        papers = self._papers(f, include_exempt)
        if papers is not None:
            # The last place: a chunk whose paper is missing (damage ``check`` reports). The SQL
            # selects such a chunk unless a condition on its paper's columns applies.
            on_columns = any((f.since, f.until, f.committee, f.council, f.doc_type))
            keep = np.append(papers, not on_columns)[self.paper_of]
        if f.topic:
            j = self._topic_number.get(f.topic)
            places = self.topic_at[self.topic_offsets[j]:self.topic_offsets[j + 1]] if j is not None else np.zeros(0, dtype="int32")
            return self.ids[places] if keep is None else self.ids[places][keep[places]]
        return self.ids if keep is None else self.ids[keep]

    def _papers(self, f, include_exempt: bool) -> np.ndarray | None:
        """Per paper, whether it passes the paper-level filters; None when none restricts."""
        tests = []
        if f.since:
            tests.append(self.dated & (self.date >= f.since))
        if f.until:
            tests.append(self.dated & (self.date <= f.until))
        for col, want in (("committee", f.committee), ("council", f.council)):
            if want:
                tests.append(self._where(col, lambda v, want=want: want in and_spelt_column(v)))
        if f.doc_type:
            tests.append(self._where("doc_type", lambda v: sql_lower(v) == f.doc_type))
        if not include_exempt and self.exempt.any():
            tests.append(~self.exempt)
        return np.logical_and.reduce(tests) if tests else None

    def _where(self, col: str, test) -> np.ndarray:
        """Per paper, whether its value of ``col`` passes ``test`` (tried once per distinct value)."""
        passes = np.array([bool(test(v)) for v in self.values[col]] + [False], dtype=bool)  # -1: no value
        return passes[getattr(self, col)]


def folder_of(gen: Path) -> Path:
    return Path(gen) / FOLDER


def write(db: sqlite3.Connection, gen: Path) -> Facets | None:
    """Build the generation's facets from its chunks and write them beside its SQLite file (a
    writer calls this after its last change and before it commits, as ``postings.write``).
    Facets only speed filters up: where they cannot be built (data this version's writer does
    not make), the generation gets none and its filters run in SQL."""
    try:
        f = Facets.build(db)
    except (TypeError, ValueError, KeyError, sqlite3.Error):
        arrays.remove(folder_of(gen))  # not the copied generation's, which would disagree
        return None
    arrays.replace(folder_of(gen), f.write)
    return f


def load(gen: Path, counts: dict, db: sqlite3.Connection) -> Facets | None:
    """The generation's facets, or None when it has none or they disagree with its manifest's
    chunk and paper counts or with its database's highest chunk id."""
    f = arrays.readable(folder_of(gen), Facets.read)
    if f is None or (len(f.ids), len(f.papers)) != (counts.get("chunks"), counts.get("papers")):
        return None
    return f if arrays.ends_at_last_chunk(f.ids, db) else None
