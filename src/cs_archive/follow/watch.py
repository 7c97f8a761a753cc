"""What is new for each saved search: after every ingest, each one runs over the passages that
ingest brought (in the papers it added or changed, and never held by the archive before), as
its follower may read them; its confident hits are recorded with the time they appeared.

A passage counts as new when the archive never held its chunk id nor its text
(``store.known``): a rebuild, which adds every paper again, brings nothing new, and neither
does a paper re-ingested for a corrected date.
"""
from __future__ import annotations

import logging
from pathlib import Path


from ..access import Role
from ..index import open_archive
from .store import Follow, FollowStore, now_iso, opened, text_hash

NEWS_K = 50  # the most passages one saved search takes from one ingest


def reader(location: Path | str, role: Role):
    """The archive as a follower with ``role`` may read it (exempt papers only for a member or clerk)."""
    return open_archive(location, exempt=role.sees_exempt)


def after_ingest(location: Path | str, report, embedder) -> dict[str, int]:
    """Run every saved search over what ``report``'s ingest brought; returns {name: new passages}.
    Called by ``ingest.ingest`` once its changes are committed; does nothing where nobody
    follows anything. A failure here is a note on the report, never a failed ingest."""
    changed = [*report.added, *report.updated]
    if not changed:
        return {}
    try:
        with opened(location) as state:
            return record_news(state, location, changed, embedder) if state else {}
    except Exception as e:  # noqa: BLE001 — the papers are in; say what was missed, do not fail the ingest
        logging.getLogger("cs_archive.follow").exception("saved searches not run")
        report.notes.append(("follow", f"saved searches were not run over this ingest's papers "
                                       f"({type(e).__name__}: {e}); their passages will not show as news. "
                                       "Tell whoever maintains the archive."))
        return {}


def record_news(state: FollowStore, location: Path | str, sources: list[str], embedder) -> dict[str, int]:
    """The saved searches run over the new passages of the papers from ``sources``."""
    full = reader(location, Role.CLERK)
    try:
        papers = [p for p in full.papers(order="source") if p["source"] in sources]
        ids = _passages(full, papers)  # (chunk id, text hash) -> row id
        fresh = state.unknown(ids)
    finally:
        full.close()
    exempt_docs = {p["doc_id"] for p in papers if p["exempt"]}
    state.withhold(exempt_docs)
    found = {}
    if fresh:
        when, readers = now_iso(), {}
        try:
            for f in state.follows():
                if f.role.sees_exempt not in readers:
                    readers[f.role.sees_exempt] = reader(location, f.role)
                hits = search_only(readers[f.role.sees_exempt], embedder, f, [ids[p] for p in fresh])
                keep = [h.to_json() for h in hits
                        if h.confident and (f.role.sees_exempt or h.doc_id not in exempt_docs)]
                found[f.name] = state.record(f, keep, exempt_docs, when)
        finally:
            for r in readers.values():
                r.close()
    state.know(fresh)
    return found


def baseline(state: FollowStore, location: Path | str) -> None:
    """Record every passage the archive holds now as known (not new): done once, when the
    first saved search is made, so that a later rebuild does not bring them back as news."""
    if state.baseline_done():
        return
    full = reader(location, Role.CLERK)
    try:
        held = _passages(full, full.papers(order="source"))
    finally:
        full.close()
    state.know(held, baseline=True)


def _passages(archive, papers) -> dict[tuple[str, str], int]:
    """(chunk id, text hash) -> row id of every passage of these papers."""
    return {(r["chunk_id"], text_hash(r["text"])): int(r["id"])
            for p in papers for r in archive.paper_chunks(p["doc_id"])}


def search_only(archive, embedder, follow: Follow, chunk_ids: list[int]):
    """``follow``'s search, as ``cs-archive search`` runs it, over these chunks only."""
    from ..search import search

    return search(archive, embedder, follow.query, k=min(NEWS_K, len(chunk_ids)),
                  filters=follow.search_filters(), highlights=True, within=chunk_ids)
