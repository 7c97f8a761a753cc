"""Papers of one meeting share what one of them prints.

A decision notice names its committee and date but not its council; a bare appendix table
names nothing; the component papers of an agenda pack sit under the pack's cover. Once every
file is read, ``share`` fills such gaps from the paper's meeting, recording them as coming
from the "meeting":

- a pack's components take the cover's council, committee and date (minutes keep their own
  date: they record an earlier meeting);
- papers of the same committee on the same date take the council that the others of that
  meeting print, when they agree on one ("Transport and Connectivity Committee" and
  "Transport & Connectivity Policy Committee" are the same body: one name's words hold the
  other's);
- papers in one folder take the folder's meeting (committee, date, council) when every paper
  there that states a meeting states the same one, and at least two do.

Values inferred this way are re-derived from scratch at every commit (``share`` ignores
earlier "meeting" values), so a corrected or removed paper takes its inferences with it.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import PurePath

from ..models import PaperMeta

SHARED = ("council", "committee", "date")


@dataclass(frozen=True)
class Filed:
    """A paper as the archive holds it."""

    doc_id: str
    source: str
    idx: int  # position in its file
    part_of_pack: bool
    meta: PaperMeta


def own(meta: PaperMeta) -> PaperMeta:
    """The paper's metadata without what was inferred from its meeting."""
    inferred = {k for k, origin in meta.provenance if origin == "meeting"}
    return replace(meta, **{k: None for k in inferred if k in SHARED}).known() if inferred else meta


def share(papers: list[Filed]) -> dict[str, PaperMeta]:
    """doc_id -> the metadata it should now have, for every paper whose metadata changes."""
    metas = {p.doc_id: own(p.meta) for p in papers}
    _packs(papers, metas)
    _same_meeting(papers, metas)
    _folders(papers, metas)
    return {p.doc_id: metas[p.doc_id] for p in papers if metas[p.doc_id] != p.meta}


def inherit(meta: PaperMeta, cover: PaperMeta) -> PaperMeta:
    """A component of a pack takes the cover's council, committee and meeting date where it
    states none ("meeting"). Minutes keep their own date (they record an earlier meeting), and
    a cover that is minutes gives no date."""
    return meta.given("meeting", council=None if meta.council else cover.council,
                      committee=None if meta.committee else cover.committee,
                      date=None if meta.date or "minutes" in (meta.doc_type, cover.doc_type) else cover.date)


def _packs(papers: list[Filed], metas: dict[str, PaperMeta]) -> None:
    by_source: dict[str, list[Filed]] = defaultdict(list)
    for p in papers:
        if p.part_of_pack:
            by_source[p.source].append(p)
    for parts in by_source.values():
        parts.sort(key=lambda p: p.idx)
        cover = metas[parts[0].doc_id]
        for p in parts[1:]:
            metas[p.doc_id] = inherit(metas[p.doc_id], cover)


def _words(name: str | None) -> frozenset[str]:
    s = (name or "").lower().replace("&", " and ")
    return frozenset(w for w in re.findall(r"[a-z0-9]+", s) if w not in {"the", "of", "meeting", "and"})


def same_body(a: str | None, b: str | None) -> bool:
    """Two names of one committee: one's words hold all the other's."""
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and (wa <= wb or wb <= wa)


def _same_meeting(papers: list[Filed], metas: dict[str, PaperMeta]) -> None:
    by_date: dict[str, list[str]] = defaultdict(list)
    for p in papers:
        if metas[p.doc_id].date:
            by_date[metas[p.doc_id].date].append(p.doc_id)
    for ids in by_date.values():
        for doc_id in ids:
            m = metas[doc_id]
            if m.council or not m.committee:
                continue
            councils = {metas[o].council for o in ids if o != doc_id and metas[o].council
                        and metas[o].origin("council") != "meeting" and same_body(metas[o].committee, m.committee)}
            if len(councils) == 1:
                metas[doc_id] = m.given("meeting", council=councils.pop())


def _folders(papers: list[Filed], metas: dict[str, PaperMeta]) -> None:
    by_folder: dict[str, list[str]] = defaultdict(list)
    for p in papers:
        by_folder[str(PurePath(p.source).parent)].append(p.doc_id)
    for ids in by_folder.values():
        stated = [metas[i] for i in ids if metas[i].date and metas[i].committee and metas[i].doc_type != "minutes"]
        if len(stated) < 2 or len(stated) == len(ids):
            continue
        dates = {m.date for m in stated}
        if len(dates) != 1 or not all(same_body(m.committee, stated[0].committee) for m in stated):
            continue
        committee = max((m.committee for m in stated), key=lambda c: len(_words(c)))
        councils = {m.council for m in stated if m.council}
        council = councils.pop() if len(councils) == 1 else None
        for i in ids:
            m = metas[i]
            if m.date and not same_body(m.committee, committee) and m.committee:
                continue
            metas[i] = m.given("meeting", committee=None if m.committee else committee,
                               date=None if m.date or m.doc_type == "minutes" else dates.copy().pop(),
                               council=None if m.council else council)
