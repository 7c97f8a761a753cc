"""Looking around a hit: its neighbours, its whole paper, what earlier meetings said, the
meetings themselves, the catalogue of papers with where their metadata came from, and the
result list as a file. Pure reads over an open ``Archive``;
the UI and any script call these, nothing here knows about Streamlit.

Every passage comes back as a ``Hit`` (rank 0 and score 0 unless a similarity is meant), so
one ``citation()`` serves the whole app.

Papers marked exempt from publication appear here exactly when the archive's reader was
opened for them (``open_archive(location, exempt=True)``): nothing here filters them again.
"""
from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import timedelta

from .index.base import ArchiveReader as Archive
from .index.base import FilterValues, nothing_allowed
from .models import META_FIELDS, Hit, long_date

EARLIER_MIN_COSINE = 0.40  # the same floor a confident search hit must reach
EARLIER_PER_PAPER = 2  # so one long paper cannot fill the list
SORTS = {"relevance": "Most relevant first", "newest": "Newest meeting first", "oldest": "Oldest meeting first"}


@dataclass(frozen=True)
class PaperInfo:
    doc_id: str
    source: str
    council: str | None
    committee: str | None
    date: str | None
    title: str | None
    doc_type: str
    url: str | None
    page_count: int | None
    part_of_pack: bool
    passages: int
    idx: int = 0  # position in the file (a pack's components in order)
    # Where each metadata field came from: {"date": "filename", ...} (models.ORIGINS); {} for a
    # paper stored before it was recorded.
    provenance: dict = field(default_factory=dict, hash=False)
    exempt: bool = False  # withheld from publication (Schedule 12A)
    path: str = ""  # where its file is, absolute (for an archive from before that was recorded, the source)

    def lacks(self, name: str) -> bool:
        """Whether the metadata field is unknown (a type of "other" counts as unknown)."""
        value = getattr(self, name)
        return not value or (name == "doc_type" and value == "other")

    def to_json(self) -> dict:
        """The record ``cs-archive papers --json`` prints (CONTRACT.md, "papers")."""
        known = {name: getattr(self, name) or None for name in META_FIELDS}
        return {"doc_id": self.doc_id, "source": self.source, "url": self.url, **known,
                "provenance": {k: v for k, v in self.provenance.items() if k in META_FIELDS and not self.lacks(k)},
                "pages": self.page_count, "chunks": self.passages, "part_of_pack": self.part_of_pack,
                "exempt": self.exempt}


@dataclass(frozen=True)
class Meeting:
    """One meeting: a council's committee on a date, with the papers for it. Papers that do
    not say which meeting they are for are gathered in one group with ``committee`` and
    ``date`` None, listed last."""

    council: str | None
    committee: str | None
    date: str | None
    papers: tuple[PaperInfo, ...]

    @property
    def placed(self) -> bool:
        return bool(self.committee and self.date)

    @property
    def label(self) -> str:
        if not self.placed:
            return "Papers not yet placed in a meeting"
        return " · ".join(x for x in (self.council, self.committee, long_date(self.date)) if x)


def hit_of(row, rank: int = 0, score: float = 0.0, confident: bool = False,
           highlights: tuple[str, ...] = (), also_in: tuple[dict, ...] = ()) -> Hit:
    """A stored chunk row (``Archive.chunk_rows``) as a Hit (search's hits are made here too)."""
    return Hit(rank=rank, score=score, confident=confident, chunk_id=row["chunk_id"], doc_id=row["doc_id"],
               source=row["source"], url=row["url"], council=row["council"], committee=row["committee"],
               date=row["date"], doc_type=row["doc_type"], title=row["title"], section=row["section"],
               subsection=row["subsection"], part=row["part"], heading=row["heading"], page=row["page"],
               page_end=row["page_end"], text=row["text"], highlights=highlights,
               topics=tuple(json.loads(row["topics"])), also_in=also_in, ocr=bool(row["ocr"]),
               exempt=bool(row["exempt"]))


def passage(archive: Archive, chunk_id: str) -> Hit | None:
    row = archive.chunk_by_id(chunk_id)
    return hit_of(row) if row else None


def context(archive: Archive, chunk_id: str, n: int = 1) -> list[Hit]:
    """The passage with up to ``n`` neighbours each side from the same paper, in reading order."""
    row = archive.chunk_by_id(chunk_id)
    return [hit_of(r) for r in archive.neighbours(row, n)] if row else []


def paper_passages(archive: Archive, doc_id: str) -> list[Hit]:
    """The whole paper, every passage in reading order."""
    return [hit_of(r) for r in archive.paper_chunks(doc_id)]


def paper_info(archive: Archive, doc_id: str) -> PaperInfo | None:
    found = _papers(archive, doc_id)
    return found[0] if found else None


def papers(archive: Archive) -> list[PaperInfo]:
    """Every paper, newest meeting first (undated last), then by committee and title."""
    return _papers(archive, None)


def catalogue(archive: Archive, unknown: str | None = None) -> list[PaperInfo]:
    """Every paper the reader may see (a component of a pack is its own), by source path and
    then position in the file; with ``unknown`` (one of ``models.META_FIELDS``), only those
    lacking that field (``PaperInfo.lacks``)."""
    if unknown is not None and unknown not in META_FIELDS:
        raise ValueError(f"unknown field {unknown!r}: use one of {', '.join(META_FIELDS)}")
    found = _papers(archive, None, order="source")
    return [p for p in found if p.lacks(unknown)] if unknown else found


def _papers(archive: Archive, doc_id: str | None, filters=None, order: str = "newest") -> list[PaperInfo]:
    return [PaperInfo(r["doc_id"], r["source"], r["council"], r["committee"], r["date"], r["title"], r["doc_type"],
                      r["url"], r["page_count"], bool(r["part_of_pack"]), r["n"], r["idx"], r["provenance"],
                      r["exempt"], r.get("path") or r["source"])
            for r in archive.papers(doc_id, filters=filters, order=order)]


def meetings(archive: Archive, committee: str | None = None) -> list[Meeting]:
    """Papers grouped into real meetings (council · committee · date), by council and committee
    name and newest meeting first; one committee printed under two names ("Transport and
    Connectivity Committee", "Transport & Connectivity Policy Committee") is one meeting, under
    its fuller name. Papers lacking a committee or a date come last, in one group."""
    from .chunking.meetings import same_body

    groups: dict[tuple[str, str, str], list[PaperInfo]] = defaultdict(list)
    names: dict[tuple[str, str], list[str]] = defaultdict(list)  # (council, date) -> committee names
    loose: list[PaperInfo] = []
    for p in catalogue(archive):
        if not (p.committee and p.date):
            loose.append(p)
            continue
        known = names[(p.council or "", p.date)]
        name = next((n for n in known if same_body(n, p.committee)), None)
        if name is None:
            known.append(p.committee)
            name = p.committee
        elif len(p.committee) > len(name):  # the fuller name stands for the meeting
            known[known.index(name)] = p.committee
            groups[(p.council or "", p.committee, p.date)] = groups.pop((p.council or "", name, p.date))
            name = p.committee
        groups[(p.council or "", name, p.date)].append(p)
    out = [Meeting(c or None, n, d, tuple(groups[(c, n, d)]))
           for c, n, d in sorted(groups, key=lambda k: (k[0].lower(), k[1].lower(), _neg_date(k[2])))]
    if committee:
        out = [m for m in out if m.committee == committee]
    elif loose:
        out.append(Meeting(None, None, None, tuple(loose)))
    return out


def _neg_date(iso: str | None) -> int:
    return -Date.fromisoformat(iso).toordinal() if iso else 0


def distinct(archive: Archive, column: str) -> list[str]:
    """The values of a paper column that occur in the archive (committee, council, doc_type)."""
    if column not in ("committee", "council", "doc_type"):
        raise ValueError(column)
    return archive.distinct(column)


def topics_in(archive: Archive) -> list[str]:
    """The topics some passage in the archive is tagged with."""
    return archive.distinct("topic")


def earlier(archive: Archive, chunk_id: str, k: int = 5, min_cosine: float = EARLIER_MIN_COSINE,
            include_exempt: bool = False) -> list[Hit]:
    """What was said before: passages like this one from papers of earlier meetings, newest
    meeting first. Empty when the passage's paper has no date (nothing is 'earlier'). As in
    search, papers marked exempt come back only when the reader was opened for them and
    ``include_exempt`` asks."""
    row = archive.chunk_by_id(chunk_id)
    if row is None or not row["date"]:
        return []
    try:
        day_before = (Date.fromisoformat(row["date"]) - timedelta(days=1)).isoformat()
    except ValueError:
        return []
    allowed = archive.filtered_ids(FilterValues(until=day_before, include_exempt=include_exempt), [])
    if nothing_allowed(allowed):
        return []
    vec = archive.vectors_of([row["id"]])[row["id"]]
    scores, ids = archive.dense(vec, min(len(allowed), 10 * k + 20), allowed)
    rows = archive.chunk_rows(ids)
    picked: list[tuple[float, int]] = []
    per_paper: dict[str, int] = defaultdict(int)
    seen_text: set[str] = set()
    for s, i in zip(scores, ids):
        r = rows.get(int(i))
        if r is None or float(s) < min_cosine:
            continue
        key = " ".join(r["text"].split()).lower()
        if per_paper[r["doc_id"]] >= EARLIER_PER_PAPER or key in seen_text:
            continue
        per_paper[r["doc_id"]] += 1
        seen_text.add(key)
        picked.append((float(s), int(i)))
        if len(picked) == k:
            break
    picked.sort(key=lambda si: (rows[si[1]]["date"], si[0]), reverse=True)
    return [hit_of(rows[i], rank=n, score=round(s, 4), confident=True) for n, (s, i) in enumerate(picked, 1)]


def sort_hits(hits: list[Hit], order: str = "relevance") -> list[Hit]:
    """Relevance keeps the search's order; newest/oldest sort by meeting date (undated last),
    ties kept in relevance order."""
    if order == "newest":
        return sorted(hits, key=lambda h: (h.date is None, _neg_date(h.date)))
    if order == "oldest":
        return sorted(hits, key=lambda h: (h.date is None, h.date or ""))
    return list(hits)


def timeline_rows(hits: list[Hit]) -> list[dict]:
    """For a chart of a topic's history: one row per meeting (date, committee) with how many of
    the hits come from it and the citation of its best-ranked hit. Undated hits are left out."""
    rows: dict[tuple[str, str], dict] = {}
    for h in sorted(hits, key=lambda h: h.rank):
        if not h.date:
            continue
        key = (h.date, h.committee or "Unknown committee")
        if key not in rows:
            rows[key] = {"date": h.date, "committee": key[1], "passages": 0, "best": h.citation()}
        rows[key]["passages"] += 1
    return sorted(rows.values(), key=lambda r: (r["date"], r["committee"]))


EXPORT_FIELDS = ("rank", "citation", "committee", "date", "title", "section", "page", "doc_type", "confident",
                 "url", "source", "chunk_id", "text")


def _export_row(h: Hit) -> dict:
    d = h.to_json()
    d["citation"] = h.citation()
    return {k: d.get(k) for k in EXPORT_FIELDS}


def to_csv(hits: list[Hit]) -> str:
    """The hits for a spreadsheet. Every cell that a spreadsheet would run as a formula is
    written as text; rows end in CRLF (RFC 4180), so a carriage return inside a cell is quoted."""
    from .render import spreadsheet_cell

    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    w.writeheader()
    for h in hits:
        w.writerow({k: ("" if v is None else spreadsheet_cell(v)) for k, v in _export_row(h).items()})
    return out.getvalue()


def to_markdown(hits: list[Hit], query: str = "") -> str:
    """A list a councillor can paste into a briefing: citation, passage as a quote, link. All
    of it is escaped; only an http(s) address becomes a link, any other is printed as text."""
    from .chunking.tables import blocks_of, markdown_table
    from .render import drawable, esc_markdown, safe_url, table_columns

    def line(text: str) -> str:
        return esc_markdown(" ".join(text.split()))

    def quoted(h: Hit) -> list[str]:
        """The passage as a quote, its tables as Markdown tables (every cell escaped)."""
        out = []
        for block in blocks_of(h.text, table_columns(h.heading, h.part)):
            if drawable(block):
                out += [f"   > {row}" for row in ("", *markdown_table(block, line).split("\n"), "")]
                continue
            out += [f"   > {esc_markdown(para)}" if para.strip() else "   >" for para in block.text.splitlines()]
        return out

    lines = [f"# Search: {line(query)}", ""] if query else []
    for h in hits:
        weak = " (weak match)" if not h.confident else ""
        lines.append(f"{h.rank}. **{line(h.citation())}**{weak}")
        lines += quoted(h)
        if safe_url(h.url):
            lines.append(f"   <{safe_url(h.url)}>")
        elif h.url:
            lines.append(f"   {line(h.url)}")
        lines.append("")
    return "\n".join(lines)
