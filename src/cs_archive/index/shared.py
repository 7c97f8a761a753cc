"""What both backends share, and the interface (``base.py``) names: the row keys, the
filters' values, the words of a match term, provenance as stored. Imports no backend."""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from ..models import META_FIELDS

ROW_KEYS = ("id", "chunk_id", "doc_id", "seq", "section", "subsection", "part", "heading", "text", "norm",
            "page", "page_end", "topics", "content_hash", "source", "council", "committee", "date", "title",
            "doc_type", "url", "vector", "ocr", "exempt", "stems")


@dataclass(frozen=True)
class FilterValues:
    """The filters in the form every backend applies them (see ``index/base.py``)."""

    since: str | None = None
    until: str | None = None
    committee: str | None = None  # lower case, "&" spelt "and"
    council: str | None = None
    doc_type: str | None = None  # lower case
    topic: str | None = None  # lower case
    include_exempt: bool = False

    @classmethod
    def of(cls, filters: Any) -> "FilterValues":
        if filters is None:
            return cls()
        get = lambda name: getattr(filters, name, None) or None  # noqa: E731
        return cls(since=get("since"), until=get("until"),
                   committee=and_spelt(get("committee")), council=and_spelt(get("council")),
                   doc_type=(get("doc_type") or "").lower() or None, topic=(get("topic") or "").lower() or None,
                   include_exempt=bool(get("include_exempt")))

    @property
    def restricts_papers(self) -> bool:
        return any((self.since, self.until, self.committee, self.council, self.doc_type, self.topic))

    def dates_and_type(self, marks: str) -> tuple[list[str], list]:
        """The date and type filters as SQL over ``papers p`` (``marks``: the backend's
        placeholder), and their arguments; each backend matches committee and council its own way."""
        conditions = ((f"p.date IS NOT NULL AND p.date >= {marks}", self.since),
                      (f"p.date IS NOT NULL AND p.date <= {marks}", self.until),
                      (f"lower(p.doc_type) = {marks}", self.doc_type))
        return [sql for sql, value in conditions if value], [value for _, value in conditions if value]


# Per metadata field, SQL true of a paper (``papers p``) that lacks it: empty, or for the type
# "other" (what a paper gets when nothing says what it is). ``stats()["unknown"]`` counts them.
UNKNOWN_SQL = {name: f"coalesce(p.{name}, '') = ''" for name in META_FIELDS}
UNKNOWN_SQL["doc_type"] = "coalesce(p.doc_type, '') IN ('', 'other')"


def stats(reader: Any, rows: Callable[[str], list], files_sql: str, ocr_done: bool = True) -> dict:
    """``stats()`` of either reader (``index/base.py``), counting only what it may see
    (``reader.visible``) and listing papers marked exempt only to a reader opened for them:
    ``rows(sql)`` runs a query, ``files_sql`` counts the files (as ``n``)."""
    visible, visible_chunk = reader.visible(), reader.visible("c.doc_id")
    by = lambda col: {r["k"] or "unknown": r["n"] for r in rows(  # noqa: E731
        f"SELECT {col} AS k, count(*) AS n FROM papers p WHERE {visible} GROUP BY 1 ORDER BY 2 DESC, 1")}
    columns = ", ".join(f"count(*) FILTER (WHERE {UNKNOWN_SQL[name]}) AS {name}" for name in UNKNOWN_SQL)
    listed = lambda sql: [dict(r) for r in rows(sql)]  # noqa: E731
    return {
        "files": rows(files_sql)[0]["n"],
        "papers": rows(f"SELECT count(*) AS n FROM papers p WHERE {visible}")[0]["n"],
        "chunks": rows(f"SELECT count(*) AS n FROM chunks c WHERE {visible_chunk}")[0]["n"],
        "by_type": by("doc_type"),
        "by_committee": by("committee"),
        "by_year": by("substr(date, 1, 4)"),
        "unknown": dict(rows(f"SELECT {columns} FROM papers p WHERE {visible}")[0]),
        "needs_ocr": listed("SELECT source, pages, reason FROM needs_ocr ORDER BY source"),
        "ocr_done": listed("SELECT source, pages FROM ocr_done ORDER BY source") if ocr_done else [],
        "exempt_withheld": listed("SELECT p.source, e.doc_id, p.title, p.date, e.reason FROM exempt_papers e "
                                  "JOIN papers p USING (doc_id) ORDER BY p.source, p.idx") if reader.exempt else [],
        "manifest": reader.manifest.to_json(),
    }


def now() -> str:
    """The local time as the stores record it ("2024-05-01T14:03:59")."""
    return time.strftime("%Y-%m-%dT%H:%M:%S")


def paper_rows(source: str, papers: Sequence[Any]) -> list[tuple]:
    """The ``papers`` table's rows for one file's papers (``models.Paper``), its columns in order."""
    return [(p.doc_id, source, n, p.meta.council, p.meta.committee, p.meta.date, p.meta.title, p.meta.doc_type,
             p.meta.url, p.page_count, p.start, p.end, int(p.part_of_pack)) for n, p in enumerate(papers)]


def provenance_rows(metas: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(doc_id, provenance as stored beside the paper: JSON of ``{field: origin}``) for each
    doc_id's ``PaperMeta``."""
    return [(doc_id, json.dumps(dict(m.provenance), sort_keys=True)) for doc_id, m in metas.items()]


def provenance_of(stored: str | None) -> dict:
    """The stored provenance as a dict (``{}`` when none was recorded)."""
    return json.loads(stored) if stored else {}


def and_spelt(s: str | None) -> str | None:
    """Lower case with every "&" spelt "and" (committee and council names match either)."""
    return re.sub(r"\s*&\s*", " and ", s.lower()).strip() if s else None


def nothing_allowed(allowed: Any) -> bool:
    """True when a filtered search can match no chunk at all (search returns [] at once)."""
    if allowed is None:
        return False
    empty = getattr(allowed, "empty", None)
    return bool(empty) if empty is not None else len(allowed) == 0


def match_subterms(term: str) -> list[str]:
    """The words of one match term as a full-text index sees them: runs of letters and digits.

    Tantivy's default tokenizer splits "2023/24" into "2023" "24" and "£434964" into "434964";
    PostgreSQL is given the same words, so both match the same rows. (Splitting at
    the runs between words is the faster way to find them, for a whole passage's stems too.)"""
    return _NOT_SUBTERM.sub(" ", term.lower()).split()


_NOT_SUBTERM = re.compile(r"[\W_]+")
