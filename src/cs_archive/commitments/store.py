"""The register as computed at ingest: every paper's commitments with their candidate follow-ups,
stored beside the archive so that listing them needs no extraction and no search.

A folder archive keeps them in ``commitments.json`` in the archive folder, written whole to a
temporary file and renamed into place (``os.replace``), and stamped with the archive's
generation and ``EXTRACTOR_VERSION``: a file from another generation or extractor is stale and
is never read (the register then recomputes, and saves the result for next time). A PostgreSQL
archive keeps no file: its register is computed when asked for, once per process and
generation (``_MEMO``).

``after_ingest(location, report, embedder)`` brings the store up to date after an ingest:
extraction again for the papers of the files the run added or changed (all papers when the
extractor changed), and follow-ups again for the commitments a new paper could follow up
(those of the same council dated before it) and for the new papers' own.

Follow-ups are stored with their dates and not cut at any as-of date; ``register`` keeps those
dated on or before the as-of date, so ``--as-of`` only changes the status.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Iterable

from ..files import write_atomically
from ..index.base import ArchiveReader, is_pg_url
from ..index import generation_of, open_archive
from ..lexical import normalise
from .extract import EXTRACTOR_VERSION, Commitment, extract
from .follow_ups import chunks_of, meta_of

FILE_NAME = "commitments.json"
_MEMO: dict[tuple[str, str], list[dict]] = {}


def store_path(archive: ArchiveReader) -> Path | None:
    folder = getattr(archive, "folder", None)
    return Path(folder) / FILE_NAME if isinstance(folder, Path) else None


def _paper_rows(archive: ArchiveReader) -> list[dict]:
    # The readers leave out papers withheld as exempt: they make no public commitments.
    from ..search import Filters

    return [dict(r) for r in archive.papers(filters=Filters(), order="meeting")]


def _title_key(s: str | None) -> str:
    s = normalise(s or "")
    s = re.sub(r"\b(?:report|update|the|a|an|and|of|for|to)\b", " ", s)
    return re.sub(r"\s+", " ", s).strip()


def report_for(c: Commitment, paper: dict, reports: list[dict]) -> str | None:
    """The report a decision was taken on: a report paper of the same meeting (date and council)
    whose title is the decision's agenda item. Unknown (None) unless exactly one matches."""
    if c.kind != "decision" or not c.item or not paper["date"]:
        return None
    item = _title_key(c.item)
    if len(item.split()) < 2:
        return None
    found = [r["doc_id"] for r in reports if r["date"] == paper["date"] and r["doc_id"] != paper["doc_id"]
             and (r["council"] or "").lower() == (paper["council"] or "").lower()
             and _title_key(r["title"]) and (_title_key(r["title"]) == item or
                                             (len(_title_key(r["title"]).split()) >= 3 and
                                              (_title_key(r["title"]) in item or item in _title_key(r["title"]))))]
    return found[0] if len(set(found)) == 1 else None


def _entries_of(archive: ArchiveReader, row: dict, reports: list[dict]) -> list[dict]:
    out = []
    for c in extract(meta_of(row), chunks_of(archive, row["doc_id"])):
        e = {k: getattr(c, k) for k in c.__dataclass_fields__}
        e.update(doc_id=row["doc_id"], report=report_for(c, row, reports), follow_ups=[])
        out.append(e)
    return out


def _commitment(e: dict) -> Commitment:
    return Commitment(**{k: e[k] for k in Commitment.__dataclass_fields__})


def _with_follow_ups(archive: ArchiveReader, embedder, entries: list[dict], rows: dict[str, dict]) -> None:
    from .follow_ups import _Paper, _Remembering, find_follow_ups, follow_up_query

    if not entries:
        return
    emb = _Remembering(embedder)
    emb.remember([follow_up_query(_commitment(e)) for e in entries])
    papers = {d: _Paper(d, r["source"], r["idx"], meta_of(r)) for d, r in rows.items()}
    for e in entries:
        paper = papers.get(e["doc_id"])
        if paper is not None:
            e["follow_ups"] = find_follow_ups(archive, emb, _commitment(e), paper, papers, "9999-12-31")


def compute(archive: ArchiveReader, embedder, old: dict | None = None,
            changed: Iterable[str] = ()) -> list[dict]:
    """Every commitment of the archive with its follow-ups. With ``old`` (a store of the same
    extractor), papers not in ``changed`` (doc_ids) keep their extraction, and only the
    commitments a changed paper could follow up are searched again."""
    rows = {r["doc_id"]: r for r in _paper_rows(archive)}
    reports = [r for r in rows.values() if (r["doc_type"] or "") == "report"]
    changed = set(changed)
    read = set(old.get("papers", [])) - changed if old is not None else set()  # read before, unchanged
    kept: dict[str, list[dict]] = {}
    for e in old["commitments"] if old is not None else ():
        kept.setdefault(e["doc_id"], []).append(e)
    entries, todo = [], []
    for d, row in rows.items():
        if d in read:
            entries += kept.get(d, [])  # none, for a paper with no commitments
            continue
        fresh = _entries_of(archive, row, reports)
        entries += fresh
        todo += fresh
    if old is None:
        todo = entries
    else:
        new_papers = [rows[d] for d in changed if d in rows]
        for e in entries:  # commitments a new paper could follow up
            if e in todo:
                continue
            p = rows[e["doc_id"]]
            if any(n["council"] and (n["council"] or "").lower() == (p["council"] or "").lower()
                   and (not p["date"] or not n["date"] or n["date"] > p["date"] or n["source"] == p["source"])
                   for n in new_papers):
                todo.append(e)
    if todo and embedder is not None:
        _with_follow_ups(archive, embedder if hasattr(embedder, "embed") else embedder(), todo, rows)
    return entries


def load(archive: ArchiveReader) -> list[dict] | None:
    """The stored register when it is of this archive's generation and this extractor, else None."""
    key = (str(archive.folder), archive.generation())
    if key in _MEMO:
        return _MEMO[key]
    data = _read_any(store_path(archive))
    if data is None or data.get("generation") != archive.generation():
        return None
    _MEMO[key] = data["commitments"]
    return data["commitments"]


def _read_any(path: Path | None) -> dict | None:
    """The store at ``path`` when there is one of this extractor (of any generation), else None."""
    if path is None:
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if data.get("extractor") == EXTRACTOR_VERSION else None


def save(archive: ArchiveReader, entries: list[dict], papers: Iterable[str]) -> None:
    """Write the store for the archive's current generation (a folder archive), atomically."""
    _MEMO[(str(archive.folder), archive.generation())] = entries
    path = store_path(archive)
    if path is None:
        return
    data = {"generation": archive.generation(), "extractor": EXTRACTOR_VERSION, "papers": sorted(papers),
            "commitments": entries}
    write_atomically(path, json.dumps(data, ensure_ascii=False))


def entries(archive: ArchiveReader, embedder: Any) -> list[dict]:
    """The register's stored entries, recomputed (and saved) when missing or stale.
    ``embedder``: an embedder, or a function that returns one (called only if needed)."""
    found = load(archive)
    if found is not None:
        return found
    old = _read_any(store_path(archive))
    papers = [r["doc_id"] for r in _paper_rows(archive)]
    changed: set[str] = set()
    if old is not None:  # another generation: redo the papers whose text may have changed
        known = set(old.get("papers", []))
        changed = set(papers) - known
        if known - set(papers) or not changed:
            changed, old = set(papers), None  # removals or metadata corrections: redo all, to be safe
    computed = compute(archive, embedder, old, changed)
    save(archive, computed, papers)
    return computed


def after_ingest(location: str | os.PathLike, report: Any, embedder: Any) -> None:
    """Bring the stored register up to date after an ingest (see the module docstring). The
    archive is committed by now: if this fails, the store stays stale (never read) and the
    register recomputes when first asked, so the failure is reported and not raised."""
    if is_pg_url(location) or not (report.added or report.updated):
        return
    try:
        _update(location, report, embedder)
    except Exception as e:  # noqa: BLE001 - a derived store must not fail a committed ingest
        report.notes.append((str(location), f"the commitments register will be recomputed when opened ({e})"))


def _update(location: str | os.PathLike, report: Any, embedder: Any) -> None:
    try:
        generation_of(location)
    except Exception:
        return  # no archive was written
    archive = open_archive(location)
    try:
        rows = _paper_rows(archive)
        sources = {str(s) for s in list(report.added) + list(report.updated)}
        changed = {r["doc_id"] for r in rows if r["source"] in sources or str(Path(r["source"])) in sources}
        old = _read_any(store_path(archive))
        if old is not None and set(old.get("papers", [])) - {r["doc_id"] for r in rows}:
            old = None
        computed = compute(archive, embedder, old, changed)
        save(archive, computed, [r["doc_id"] for r in rows])
    finally:
        archive.close()

