"""What both backends share, and the interface (``base.py``) names: the errors, the row keys,
the filters' values, the words of a match term, provenance as stored, and the reads both make
in the same SQL (``SqlReader``). Imports no backend."""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from ..models import META_FIELDS

class ArchiveError(Exception):
    """Something about the archive itself; the message says what to do."""


class ArchiveMissing(ArchiveError):
    pass


class ArchiveBusy(ArchiveError):
    pass


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


# Paper listings (``papers(order=…)``), text compared byte by byte on both backends (``{b}``).
PAPER_ORDER = {
    "newest": "p.date IS NULL, p.date{b} DESC, lower(coalesce(p.committee, '')){b}, lower(coalesce(p.title, '')){b}, p.idx",
    "meeting": "p.date IS NULL, p.date{b}, p.source{b}, p.idx",
    "source": "p.source{b}, p.idx",
}


class SqlReader:
    """The reads both backends make in the same SQL. A reader sets ``MARKS`` (its placeholder),
    ``BYTEWISE`` (what makes text compare byte by byte), ``TOPICS`` (a chunk's topics as rows:
    the column and what it is read from), ``OPTION`` (the ingest option naming it, for messages)
    and ``paper_sql`` (a paper row's columns, ``FROM papers p``), and gives ``_rows(sql, args)``,
    ``visible(col)``, ``chunk_rows(ids)`` and ``_paper_conditions(filters)``."""

    def check_model(self, model: str) -> None:
        if self.manifest.model != model:
            raise ArchiveError(
                f"the archive at {self.folder} was built with model {self.manifest.model!r}, but {model!r} is "
                f"configured: set CS_ARCHIVE_MODEL={self.manifest.model} or rebuild with "
                f"`cs-archive ingest PATH {self.OPTION} {self.folder} --rebuild`")

    def chunk_by_id(self, chunk_id: str) -> Mapping | None:
        marks = self.MARKS
        found = self._rows(f"SELECT id FROM chunks WHERE chunk_id = {marks}", [chunk_id])
        return self.chunk_rows([found[0]["id"]]).get(found[0]["id"]) if found else None

    def neighbours(self, row: Mapping, n: int) -> list[Mapping]:
        marks = self.MARKS
        ids = [r["id"] for r in self._rows(f"SELECT id FROM chunks WHERE doc_id = {marks} AND seq BETWEEN {marks} "
                                           f"AND {marks} ORDER BY seq", [row["doc_id"], row["seq"] - n, row["seq"] + n])]
        rows = self.chunk_rows(ids)
        return [rows[i] for i in ids if i in rows]

    def paper_chunk_ids(self, doc_id: str) -> list[int]:
        marks, visible = self.MARKS, self.visible("c.doc_id")
        return [r["id"] for r in self._rows(f"SELECT id FROM chunks c WHERE doc_id = {marks} AND {visible} ORDER BY seq",
                                            [doc_id])]

    def paper_chunks(self, doc_id: str) -> list[Mapping]:
        """The paper's chunk rows in reading order."""
        ids = self.paper_chunk_ids(doc_id)
        rows = self.chunk_rows(ids)
        return [rows[i] for i in ids if i in rows]

    def papers(self, doc_id: str | None = None, filters: Any = None, order: str = "newest") -> list[dict]:
        """Papers with their chunk counts (``n``), provenance and exemption; see ``index/base.py``
        for filters and order."""
        f = FilterValues.of(filters) if filters is not None else FilterValues(include_exempt=True)
        where, args = self._paper_conditions(f)
        if doc_id:
            where, args = [*where, f"p.doc_id = {self.MARKS}"], [*args, doc_id]
        rows = [dict(r) for r in self._rows(self.paper_sql + (" WHERE " + " AND ".join(where) if where else "")
                                            + " ORDER BY " + PAPER_ORDER[order].format(b=self.BYTEWISE), args)]
        for r in rows:
            r["provenance"], r["exempt"] = provenance_of(r["provenance"]), bool(r["exempt"])
        return rows

    def date_span(self) -> tuple[str | None, str | None]:
        """The earliest and latest meeting dates of the papers (None, None when none is dated)."""
        bytewise, visible = self.BYTEWISE, self.visible()
        r = self._rows(f"SELECT min(date{bytewise}) AS lo, max(date{bytewise}) AS hi FROM papers p WHERE {visible}")[0]
        return r["lo"], r["hi"]

    def distinct(self, column: str) -> list[str]:
        """Values of committee, council, doc_type or topic that occur, in name order."""
        if column == "topic":
            (col, rows_of), visible = self.TOPICS, self.visible("c.doc_id")
        elif column in ("committee", "council", "doc_type"):
            col, rows_of, visible = column, "papers p", self.visible()
        else:
            raise ValueError(column)
        bytewise = self.BYTEWISE
        return [r["v"] for r in self._rows(f"SELECT DISTINCT {col} AS v, lower({col}){bytewise} AS o FROM {rows_of} "
                                           f"WHERE coalesce({col}, '') != '' AND {visible} ORDER BY 2, 1")]


class SqlWriter:
    """What ingest asks a writer (``index/base.py``), in the same SQL for both: a writer sets
    ``MARKS`` and ``BYTEWISE`` (as ``SqlReader``) and gives ``_rows(sql, args)``."""

    def _record(self, table: str, col: str, value: Any) -> Mapping | None:
        marks = self.MARKS
        rows = self._rows(f"SELECT * FROM {table} WHERE {col} = {marks}", [value])
        return rows[0] if rows else None

    def file_state(self, source: str) -> Mapping | None:
        return self._record("files", "source", source)

    def ocr_state(self, source: str) -> Mapping | None:
        return self._record("needs_ocr", "source", source)

    def ocr_done_state(self, source: str) -> Mapping | None:
        return self._record("ocr_done", "source", source)

    def source_of_doc(self, doc_id: str) -> str | None:
        paper = self._record("papers", "doc_id", doc_id)
        return paper["source"] if paper else None

    def sources(self) -> list[str]:
        return [r["source"] for r in self._rows("SELECT source FROM files ORDER BY source")]

    def paper_metas(self) -> list[dict]:
        bytewise = self.BYTEWISE
        rows = self._rows("SELECT p.doc_id, p.source, p.idx, p.part_of_pack, p.council, p.committee, p.date, p.title, "
                          "p.doc_type, p.url, v.provenance FROM papers p LEFT JOIN paper_provenance v USING (doc_id) "
                          f"ORDER BY p.source{bytewise}, p.idx")
        return [dict(r, provenance=provenance_of(r["provenance"])) for r in rows]

    def discard(self) -> None:
        """Forget the changes: the block of ``writing`` ends without a commit."""
        self.changed = False


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
