"""Which kinds of answer each chunk holds (a date, a person, a duration, a figure), in numpy.

A question that asks for a kind of answer ("when…", "who…", "how many…") nudges up the
candidates that hold one (``search.nudge``). Finding that in their texts meant reading about a
hundred texts a search and running the patterns on them (``answer_kinds``): 2-3 ms at 100k
chunks, the slowest part of those questions. Here each commit records every chunk's kinds
(``answer_kinds.kinds_of``, one bit a kind) and search looks them up.

They are kept per generation in ``gen-NNNNNN/answers/`` (``write``), beside a 64-bit
fingerprint of each chunk's text: a commit carries a chunk's kinds over from the generation it
copied when that generation held the same text, so only new texts are matched (45 us each;
texts repeated within one commit are matched once). ``load`` refuses files made with other
patterns (``answer_kinds.PATTERNS``), or whose chunk count or last chunk id differ from the
generation's, and search then reads the texts as before.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from .. import answer_kinds
from . import arrays

FOLDER = "answers"
FORMAT = 1
ARRAYS = ("ids", "prints", "kinds")
UNKNOWN = 255  # no chunk (kinds use the low bits only)
MEMO = 250_000  # new texts' kinds a commit remembers, so that a text repeated is matched once


class Answers:
    """Chunk ids ascending, a fingerprint of each one's text, and its kinds (bits of
    ``answer_kinds.KINDS``)."""

    def __init__(self, ids: np.ndarray, prints: np.ndarray, kinds: np.ndarray):
        self.ids, self.prints, self.kinds = ids, prints, kinds
        self._by_id = None  # kinds by chunk id (UNKNOWN for no chunk), made when first asked

    def of(self, ids) -> np.ndarray | None:
        """The kinds of the given chunk ids, in their order; None if any of them is not here."""
        if self._by_id is None:
            by_id = np.full(int(self.ids[-1]) + 1 if len(self.ids) else 0, UNKNOWN, dtype="uint8")
            by_id[self.ids] = self.kinds
            self._by_id = by_id
        ids = np.asarray(ids, dtype="int64")
        if len(ids) and (ids.min() < 0 or ids.max() >= len(self._by_id)):
            return None
        got = self._by_id[ids]
        return None if (got == UNKNOWN).any() else got

    @classmethod
    def build(cls, db: sqlite3.Connection, previous: "Answers | None" = None) -> "Answers":
        """From every chunk's text, in id order; a text ``previous`` held keeps its kinds."""
        if previous is not None and len(previous.ids):
            order = np.argsort(previous.prints, kind="stable")
            old_prints, old_kinds = previous.prints[order], previous.kinds[order]
        else:
            old_prints = old_kinds = None
        found: dict[int, int] = {}  # per new text's fingerprint, its kinds (a text repeated is matched once)
        ids, prints, kinds = [], [], []
        cur = db.cursor()
        cur.row_factory = None
        cur.execute("SELECT id, text FROM chunks ORDER BY id")
        while batch := cur.fetchmany(20_000):
            got = np.fromiter((arrays.fingerprint(t or "") for _, t in batch), dtype="int64", count=len(batch))
            k = np.zeros(len(batch), dtype="uint8")
            new = np.ones(len(batch), dtype=bool)
            if old_prints is not None:
                at = np.minimum(np.searchsorted(old_prints, got), len(old_prints) - 1)
                new = old_prints[at] != got
                k[~new] = old_kinds[at[~new]]
            todo = np.flatnonzero(new)
            if len(found) > MEMO:  # bounded (a first build of 1M different texts would keep them all)
                found.clear()
            if len(todo):  # each text once
                distinct, first, where = np.unique(got[todo], return_index=True, return_inverse=True)
                for p, j in zip(distinct.tolist(), todo[first].tolist()):
                    if p not in found:
                        found[p] = answer_kinds.kinds_of(batch[j][1] or "")
                k[todo] = np.fromiter((found[p] for p in distinct.tolist()), dtype="uint8",
                                      count=len(distinct))[where.ravel()]
            ids.extend(i for i, _ in batch)
            prints.append(got)
            kinds.append(k)
        return cls(np.asarray(ids, dtype="int64"),
                   np.concatenate(prints) if prints else np.zeros(0, dtype="int64"),
                   np.concatenate(kinds) if kinds else np.zeros(0, dtype="uint8"))

    def write(self, folder: Path) -> None:
        arrays.save(folder, {name: getattr(self, name) for name in ARRAYS},
                    {"format": FORMAT, "patterns": answer_kinds.PATTERNS, "chunks": len(self.ids)})

    @classmethod
    def read(cls, folder: Path) -> "Answers":
        meta = arrays.meta(folder, FORMAT, "answers")
        if meta.get("patterns") != answer_kinds.PATTERNS:
            raise ValueError("answer kinds found with other patterns")
        a = arrays.mapped(folder, ARRAYS)
        if not len(a["ids"]) == len(a["prints"]) == len(a["kinds"]) == meta.get("chunks"):
            raise ValueError("answers arrays of different lengths")
        return cls(a["ids"], a["prints"], a["kinds"])


def folder_of(gen: Path) -> Path:
    return Path(gen) / FOLDER


def write(db: sqlite3.Connection, gen: Path, previous: Path | None = None) -> Answers:
    """Build the generation's answer kinds and write them beside its SQLite file (a writer calls
    this after its last change and before it commits, as ``postings.write``); with ``previous``
    the generation it copied, whose kinds (if any, made with these patterns) it carries over."""
    # Made by other patterns, or damaged: every text is matched afresh.
    old = arrays.readable(folder_of(previous), Answers.read) if previous is not None else None
    a = Answers.build(db, old)
    arrays.replace(folder_of(gen), a.write)
    return a


def load(gen: Path, counts: dict, db: sqlite3.Connection) -> Answers | None:
    """The generation's answer kinds, or None when it has none, they were found with other
    patterns, or they disagree with its manifest's chunk count or its database's highest id."""
    a = arrays.readable(folder_of(gen), Answers.read)
    if a is None or len(a.ids) != counts.get("chunks"):
        return None
    return a if arrays.ends_at_last_chunk(a.ids, db) else None
