"""The register: every commitment in the archive, with its status as of a date.

Extraction and the search for follow-ups (``follow_ups.py``) happen at ingest and are stored
beside the archive (``store.py``), so listing the register reads the store and applies the
selection.

Status as of a date: ``followed_up`` (a follow-up dated on or before it), else ``overdue``
(due date before it), ``open`` (due date not reached) or ``undated`` (no due date).
Procedural items (minutes approved, apologies, declarations, the next meeting) are left out
unless the selection asks for them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..index.base import ArchiveReader, FilterValues
from ..search import Filters
from . import store
from .extract import KINDS
from .follow_ups import _papers

STATUSES = ("followed_up", "open", "overdue", "undated")


@dataclass(frozen=True)
class Record:
    id: str
    kind: str
    text: str
    owner: str | None
    due: str | None
    due_text: str | None
    status: str
    follow_ups: tuple[dict, ...]
    date: str | None
    committee: str | None
    council: str | None
    source: str
    section: str | None
    page: int | None
    chunk_id: str
    procedural: bool = False
    decision_number: str | None = None
    decision_maker: str | None = None
    report: str | None = None

    def to_json(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["follow_ups"] = list(self.follow_ups)
        return d


@dataclass(frozen=True)
class Selection:
    """What to list. ``filters`` carries since/until/committee/council (as in search)."""

    kind: str | None = None
    owner: str | None = None
    status: str | None = None
    filters: Filters = field(default_factory=Filters)
    as_of: str | None = None  # ISO date; today when None
    procedural: bool = False  # include procedural items

    def check(self) -> None:
        if self.kind and self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}: use one of {', '.join(KINDS)}")
        if self.status and self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}: use one of {', '.join(STATUSES)}")
        for name in ("since", "until"):
            _iso(getattr(self.filters, name), f"--{name}")
        _iso(self.as_of, "--as-of")


def _iso(value: str | None, what: str) -> None:
    if value:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{what} {value!r} is not a date: write it as YYYY-MM-DD") from None


def status_of(due: str | None, follow_ups: list, as_of: str) -> str:
    if follow_ups:
        return "followed_up"
    if due:
        return "overdue" if due < as_of else "open"
    return "undated"


def register(archive: ArchiveReader, embedder, selection: Selection = Selection()) -> list[Record]:
    """The commitments the selection asks for, each with its status as of ``selection.as_of``.
    ``embedder``: an embedder, or a function returning one (called only when the stored
    register must be recomputed)."""
    selection.check()
    as_of = selection.as_of or date.today().isoformat()
    f = selection.filters
    allowed = {p.doc_id: p for p in _papers(archive, f)} if FilterValues.of(f).restricts_papers else None
    papers = allowed if allowed is not None else {p.doc_id: p for p in _papers(archive)}
    out = []
    for e in store.entries(archive, embedder):
        paper = papers.get(e["doc_id"])
        if paper is None:
            continue  # filtered out, or withheld (exempt) since the store was written
        if (selection.kind and e["kind"] != selection.kind) or (e["procedural"] and not selection.procedural) \
                or (selection.owner and selection.owner.lower() not in (e["owner"] or "").lower()) \
                or (paper.meta.date and paper.meta.date > as_of):  # not yet made on the as-of date
            continue
        found = [x for x in e["follow_ups"] if not x["date"] or x["date"] <= as_of]
        status = status_of(e["due"], found, as_of)
        if selection.status and status != selection.status:
            continue
        out.append(Record(
            id=e["id"], kind=e["kind"], text=e["text"], owner=e["owner"], due=e["due"], due_text=e["due_text"],
            status=status, follow_ups=tuple(found), date=paper.meta.date, committee=paper.meta.committee,
            council=paper.meta.council, source=paper.source, section=e["section"], page=e["page"],
            chunk_id=e["chunk_id"], procedural=e["procedural"], decision_number=e["decision_number"],
            decision_maker=e["decision_maker"], report=e["report"]))
    return out
